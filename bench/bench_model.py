"""The default model: parameters, GFLOPs, fp32 vs bf16 forward and training step, achieved TFLOP/s vs this CPU's matmul peak.
Default input 1×2×32×64×64 (quick); --full: the issue's 2×32×128×128 per sample. Freed memory is held (hold_freed_memory), as in train and predict."""
import argparse, copy
import torch, torch.nn.functional as F
from seg3d.model import ResNet3DSeg, count_params, model_summary, fp32_weight_grads
from seg3d.core import hold_freed_memory
from seg3d.train import bf16_conv_grads_ok, make_optimizer
from seg3d.data import Config
from common import median_time, machine, row

def matmul_peak(dtype, n=4096):
    a, b = torch.randn(n, n, dtype=dtype), torch.randn(n, n, dtype=dtype)
    t = median_time(lambda: a @ b, repeats=5)
    return 2 * n**3 / t / 1e12

if __name__ == '__main__':
    ap = argparse.ArgumentParser(); ap.add_argument('--full', action='store_true'); a = ap.parse_args()
    shape = (1, 2, 32, 128, 128) if a.full else (1, 2, 32, 64, 64)
    hold_freed_memory()                                       # as train / evaluate / predict do (see 02_model)
    m = ResNet3DSeg().eval(); x = torch.randn(*shape); y = torch.randint(0, 5, (shape[0], *shape[2:]))
    s = model_summary(m, shape[1:], batch=shape[0], verbose=False); gf = s['gflops_forward']
    peak32, peak16 = matmul_peak(torch.float32), matmul_peak(torch.bfloat16)
    def fwd(dtype):
        with torch.no_grad(), torch.autocast('cpu', dtype=torch.bfloat16, enabled=dtype == 'bf16'): m(x)
    t32, t16 = median_time(lambda: fwd('fp32'), 3), median_time(lambda: fwd('bf16'), 3)
    mw = copy.deepcopy(m).to(torch.bfloat16)
    with torch.no_grad(): tw = median_time(lambda: mw(x.to(torch.bfloat16)), 3)
    mc, xc = copy.deepcopy(mw).to(memory_format=torch.channels_last_3d), x.to(torch.bfloat16).contiguous(memory_format=torch.channels_last_3d)
    with torch.no_grad(): tc = median_time(lambda: mc(xc), 3)     # what the predictor runs where bf16 is fast (CHANNELS_LAST)
    tr = ResNet3DSeg().train(); opt = make_optimizer(tr, Config())[0]     # what training runs: fused Adam
    wgrad32 = not bf16_conv_grads_ok()                          # as training does: fp32 weight gradients where bf16 ones are wrong
    def step(dtype):
        with fp32_weight_grads(wgrad32 and dtype == 'bf16'):
            with torch.autocast('cpu', dtype=torch.bfloat16, enabled=dtype == 'bf16'): loss = F.cross_entropy(tr(x).float(), y)
            loss.backward(); opt.step(); opt.zero_grad()
    s32, s16 = median_time(lambda: step('fp32'), 2), median_time(lambda: step('bf16'), 2)
    print(f"\n### Model (default: bottleneck [3,4,6,3], width 64) on {tuple(shape)}\n\n{machine()}\n\n| measure | value | note |\n|---|---|---|")
    row('parameters', f"{count_params(m) / 1e6:.2f} M", 'the seed says ~26 M; see 02_model')
    row('forward GFLOPs', f'{gf:.1f}', 'torch.utils.flop_counter')
    row('matmul peak fp32 / bf16', f'{peak32:.2f} / {peak16:.2f} TFLOP/s', '4096² matmul, measured now')
    row('forward fp32', f'{t32:.2f} s', f'{gf / t32 / 1e3:.2f} TFLOP/s = {gf / t32 / 1e3 / peak32:.0%} of fp32 peak')
    row('forward bf16 autocast', f'{t16:.2f} s', f'{t32 / t16:.2f}× fp32; {gf / t16 / 1e3:.2f} TFLOP/s = {gf / t16 / 1e3 / peak16:.0%} of bf16 peak')
    row('forward bf16 weights', f'{tw:.2f} s', f'{t32 / tw:.2f}× fp32; {gf / tw / 1e3 / peak16:.0%} of bf16 peak')
    row('forward bf16 weights, channels-last', f'{tc:.2f} s', f'{t32 / tc:.2f}× fp32; {gf / tc / 1e3 / peak16:.0%} of bf16 peak: what the predictor runs on CPUs with fast bf16 (#21 item 1)')
    row('training step fp32', f'{s32:.2f} s', 'Adam (fused, as training runs it), batch 1')
    row('training step bf16 autocast', f'{s16:.2f} s', f'{s32 / s16:.2f}× faster than fp32 (#21 item 2: ≥ 3.5× on AMX)' + ('; fp32 weight gradients for the convolutions whose geometry fails `conv_wgrad_ok` on this CPU' if wgrad32 else ''))
