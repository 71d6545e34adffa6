"""#21 item 1 option: the whole forward in `channels_last_3d`, which seg3d's layers keep — the 1×1×1 convolutions
and the 2×2×2 up-convolutions as plain GEMMs over (voxels, channels) rows, instance norm through `batch_norm` on the
channels-last tensor (batch 1: the same statistics, no `contiguous()` copy; see 02_model) — against the channels-first
eager forward, side by side, bf16 weights, full width.
`python bench/experiments/channels_last_forward.py [--shape 1 2 32 128 128] [--train] [--windows]`; `--train` times the
bf16 autocast training step (forward, cross-entropy, backward, fused Adam; batch 1) eager vs channels-last instead;
`--windows` times seg3d's own predictor (`predict_probs`, the seed's network in 32×256×256 windows, overlap 0.25, bf16,
over a 2×32×1024×512 volume) with `seg3d.predictor.CHANNELS_LAST` False and True, each in a fresh process, first call;
`--dice MODELS DATA` evaluates a trained model (e.g. `demo_out/models_3d demo_out/preprocessed`) on its test split in
bf16 channels-first and channels-last (CPUs with fast bf16 only) and fp32 channels-first and channels-last: mean
foreground Dice of each."""
import argparse, copy, time
import torch, torch.nn.functional as F
from seg3d.model import ResNet3DSeg, model_summary
from seg3d.core import hold_freed_memory
from forward_profile import matmul_peak, median, breakdown

CL = torch.channels_last_3d

WINDOWS = """
import json, time, torch
import seg3d.predictor as P
from seg3d.model import ResNet3DSeg
from seg3d.core import hold_freed_memory
hold_freed_memory(); torch.manual_seed(0)
m = ResNet3DSeg().eval(); x = torch.randn(2, 32, 1024, 512)
P.CHANNELS_LAST = {flag}
t = time.perf_counter(); p = P.predict_probs([m], x, 5, window=(32, 256, 256), overlap=0.25, precision='bf16')
print(json.dumps(dict(t=time.perf_counter() - t))); torch.save(p, '{out}')
"""

def windows_main():
    import json, subprocess, sys, tempfile
    d, t = tempfile.mkdtemp(), {}
    for flag in (False, True):
        r = subprocess.run([sys.executable, '-c', WINDOWS.format(flag=flag, out=f'{d}/{flag}.pt')], capture_output=True,
                           text=True)
        t[flag] = json.loads(r.stdout.strip().splitlines()[-1])['t']
    a, b = torch.load(f'{d}/False.pt'), torch.load(f'{d}/True.pt')
    print(f"predict_probs, seed network, 32×256×256 windows on 2×32×1024×512, bf16: channels-first {t[False]:.1f} s, "
          f"channels-last {t[True]:.1f} s ({t[False] / t[True]:.2f}×); probabilities max |Δ| {float((a - b).abs().max()):.1e}, "
          f"argmax agreement {float((a.argmax(0) == b.argmax(0)).float().mean()):.4f}")

def dice_main(models, data):
    import seg3d.predictor as P
    from seg3d.evaluate import evaluate
    from seg3d.core import cpu_has_fast_bf16
    res, runs = {}, [('fp32 channels-first', False, 'fp32'), ('fp32 channels-last', True, 'fp32')]
    if cpu_has_fast_bf16(): runs = [('bf16 channels-first', False, 'bf16'), ('bf16 channels-last', True, 'bf16'), *runs]
    for name, flag, prec in runs:                 # bf16 only where it is fast: elsewhere PyTorch emulates it slowly
        P.CHANNELS_LAST = flag
        res[name] = evaluate(P.Predictor.from_folder(models, precision=prec), data, progress=False)['mean_fg_dice']
    print('test mean foreground Dice: ' + ', '.join(f'{k} {v:.5f}' for k, v in res.items()))

def train_main(shape):
    torch.manual_seed(0)
    base, x = ResNet3DSeg(), torch.randn(*shape)
    y = torch.randint(0, 5, (shape[0], *shape[2:]))
    t_e = train_step_time(copy.deepcopy(base), x, y)
    t_c = train_step_time(copy.deepcopy(base).to(memory_format=CL), x.contiguous(memory_format=CL), y)
    print(f"bf16 training step on {tuple(shape)}: eager {t_e:.3f} s, channels-last layers {t_c:.3f} s ({t_e / t_c:.2f}×)")

if __name__ == '__main__':
    ap = argparse.ArgumentParser()
    ap.add_argument('--shape', type=int, nargs=5, default=[1, 2, 32, 128, 128])
    ap.add_argument('--train', action='store_true')
    ap.add_argument('--windows', action='store_true')
    ap.add_argument('--dice', nargs=2, metavar=('MODELS', 'DATA'))
    a = ap.parse_args()
    hold_freed_memory()
    if a.train:
        train_main(a.shape)
        raise SystemExit
    if a.windows:
        windows_main()
        raise SystemExit
    if a.dice:
        dice_main(*a.dice)
        raise SystemExit
    torch.manual_seed(0)
    base = ResNet3DSeg().eval()
    gf = model_summary(base, a.shape[1:], batch=a.shape[0], verbose=False)['gflops_forward']
    x = torch.randn(*a.shape)
    m = copy.deepcopy(base).to(torch.bfloat16)
    xb = x.to(torch.bfloat16)
    peak = matmul_peak()
    with torch.no_grad():
        ref32 = base(x)
        eager = m(xb).float()
        t_e = median(lambda: m(xb)); p_e = breakdown(lambda: m(xb))
        mc = copy.deepcopy(m).to(memory_format=CL)
        xc = xb.contiguous(memory_format=CL)
        cl = mc(xc).float()
        cl32 = copy.deepcopy(base).to(memory_format=CL)(x.contiguous(memory_format=CL))
        t_c = median(lambda: mc(xc)); p_c = breakdown(lambda: mc(xc))
    rel = lambda t, r: float((t - r).abs().max() / r.abs().max())
    print(f"forward {gf:.1f} GFLOP on {tuple(a.shape)}; bf16 matmul peak {peak:.2f} TFLOP/s (measured now)")
    for name, t, p in [('eager, bf16 weights', t_e, p_e), ('channels-last layers, bf16 weights', t_c, p_c)]:
        share = ', '.join(f"{k} {v:.0%}" for k, v in p.items() if v >= 0.005)
        print(f"| {name} | {t:.3f} s | {gf / t / 1e3:.2f} TFLOP/s = {gf / t / 1e3 / peak:.0%} of peak | {share} |")
    print(f"channels-last in fp32 vs the fp32 model: max |Δ| {rel(cl32, ref32):.1e} of max |ref| (the layers are exact); "
          f"bf16: channels-last vs eager {rel(cl, eager):.2f}, each vs fp32 {rel(cl, ref32):.2f} / {rel(eager, ref32):.2f} "
          f"(random weights amplify bf16 rounding: compare on a trained model)")
