"""Whole-volume inference (quick mode times a second call after a warm-up call; --full times the first): our sliding window vs MONAI's sliding_window_inference (time, peak memory, agreement), a single
full-volume pass `model(x)` and ours layer by layer (`whole_volume_forward`), each in a fresh process. Random weights: the
agreement of two bf16 passes is not meaningful there (see bench_agreement.py for a trained model). Default: the demo-size model on a 2×32×256×128 volume (quick);
--full: the seed's full-width model on 2×32×1024×512 with roi 32×256×256, overlap 0.25, bf16 (slow: minutes)."""
import argparse
from common import peak_rss_of, machine, row
from bench_model import matmul_peak

SETUP = '''
import torch, time, json
from seg3d.model import ResNet3DSeg
from seg3d.predictor import predict_probs
torch.manual_seed(0)
m = ResNet3DSeg(**{kw}).eval(); x = torch.randn({shape})
win, ov = {win}, {ov}
'''
OURS = SETUP + '''
from seg3d.core import hold_freed_memory
if {hold}: hold_freed_memory()             # as predict_folder / seg3d_predict do
run = lambda: predict_probs([m], x, 5, window=win, overlap=ov, precision='bf16')
{warm}t = time.perf_counter(); p = run()
print(json.dumps(dict(t=time.perf_counter() - t))); torch.save(p.argmax(0), '{out}/ours{name}.pt')
'''
MONAI = SETUP + '''
if {plain}:                    # the seed's network as written with torch.nn layers (what a MONAI user runs): same weights
    for mod in m.modules():
        if type(mod).__name__ == 'PointwiseConv3d': mod.__class__ = torch.nn.Conv3d
        if type(mod).__name__ == 'UpConv3d': mod.__class__ = torch.nn.ConvTranspose3d
from monai.inferers import sliding_window_inference
def run():
    with torch.no_grad(), torch.autocast('cpu', dtype=torch.bfloat16): return sliding_window_inference(x[None], win, 4, lambda b: m(b).float().softmax(1), overlap=ov, mode='gaussian')
{warm}t = time.perf_counter(); p = run()
print(json.dumps(dict(t=time.perf_counter() - t))); torch.save(p[0].argmax(0), '{out}/{name}.pt')
'''
WHOLE = SETUP + '''
from seg3d.core import hold_freed_memory
import seg3d.predictor
hold_freed_memory(); seg3d.predictor.WHOLE_VOLUME_MIN = 0   # layer by layer at any size (the seed's is above the threshold anyway)
run = lambda: predict_probs([m], x, 5, window=None, precision='bf16')      # one pass, layer by layer (whole_volume_forward)
{warm}t = time.perf_counter(); p = run()
print(json.dumps(dict(t=time.perf_counter() - t))); torch.save(p.argmax(0), '{out}/whole.pt')
'''
SINGLE = SETUP + '''
def run():
    with torch.no_grad(), torch.autocast('cpu', dtype=torch.bfloat16): return m(x[None]).float().softmax(1)[0]
{warm}t = time.perf_counter(); p = run()
print(json.dumps(dict(t=time.perf_counter() - t))); torch.save(p.argmax(0), '{out}/single.pt')
'''
if __name__ == '__main__':
    import tempfile, torch
    from seg3d.predictor import window_starts
    from seg3d.model import ResNet3DSeg, model_summary
    ap = argparse.ArgumentParser(); ap.add_argument('--full', action='store_true'); a = ap.parse_args()
    out = tempfile.mkdtemp()
    if a.full: kw, shape, win, ov = {}, (2, 32, 1024, 512), (32, 256, 256), 0.25
    else: kw, shape, win, ov = dict(block='bottleneck', layers=[1, 1, 1, 1], width=16, skip='concat'), (2, 32, 256, 128), (32, 128, 128), 0.25
    fill = lambda code, name='', plain=False, hold=True: code.format(kw=kw, shape=shape, win=win, ov=ov, out=out, warm='' if a.full else 'run(); ', name=name, plain=plain, hold=hold)
    res = dict(ours=peak_rss_of(fill(OURS)), ours_nohold=peak_rss_of(fill(OURS, '_nohold', hold=False)), monai=peak_rss_of(fill(MONAI, 'monai')), monai_plain=peak_rss_of(fill(MONAI, 'monai_plain', True)),
               single=peak_rss_of(fill(SINGLE)), whole=peak_rss_of(fill(WHOLE)))
    lab = {k: torch.load(f'{out}/{k}.pt') for k in res}
    dice = lambda a, b: float(sum(2 * ((a == c) & (b == c)).sum() / max(((a == c).sum() + (b == c).sum()), 1) for c in range(1, 5)) / 4)
    print(f"\n### Inference on {shape} with window {win}, overlap {ov}, bf16 ({'full-width seed model' if a.full else 'demo model'})\n\n{machine()}\n\n| measure | value | note |\n|---|---|---|")
    t = {k: v[1][0]['t'] for k, v in res.items()}
    n_win = 1
    for d, w in zip(shape[1:], win): n_win *= len(window_starts(d, w, ov))
    with torch.device('meta'): gf = model_summary(ResNet3DSeg(**kw), (shape[0], *win), batch=1, verbose=False)['gflops_forward']
    achieved = n_win * gf / t['ours'] / 1e3; peak = matmul_peak(torch.bfloat16)
    row('ours: sliding window', f"{t['ours']:.1f} s, peak {res['ours'][0]:.2f} GiB", f"{t['monai_plain'] / t['ours']:.2f}× MONAI's speed on the torch.nn network; {t['monai'] / t['ours']:.2f}× on seg3d's")
    row('ours: achieved compute', f"{achieved:.3f} TFLOP/s", f"{n_win} windows × {gf:.0f} GFLOP; {achieved / peak:.0%} of the bf16 matmul peak ({peak:.2f} TFLOP/s, measured now)")
    row('ours without hold_freed_memory', f"{t['ours_nohold']:.1f} s, peak {res['ours_nohold'][0]:.2f} GiB", f"{t['monai_plain'] / t['ours_nohold']:.2f}× MONAI's speed on the torch.nn network; freed memory given back to the kernel")
    row("MONAI sliding_window_inference, torch.nn network", f"{t['monai_plain']:.1f} s, peak {res['monai_plain'][0]:.2f} GiB", 'the seed network with nn.Conv3d / nn.ConvTranspose3d layers; gaussian, sw_batch_size 4')
    row("MONAI sliding_window_inference, seg3d network", f"{t['monai']:.1f} s, peak {res['monai'][0]:.2f} GiB", "same weights with seg3d's matmul layers: the engines alone")
    row('single full-volume pass: model(x)', f"{t['single']:.1f} s, peak {res['single'][0]:.2f} GiB", 'bf16 autocast')
    row('ours: whole volume in one pass, layer by layer', f"{t['whole']:.1f} s, peak {res['whole'][0]:.2f} GiB", f"whole_volume_forward (predict_probs' one pass above WHOLE_VOLUME_MIN, forced here at any size): {t['monai_plain'] / t['whole']:.2f}× MONAI's speed on the torch.nn network, {t['single'] / t['whole']:.2f}× model(x)'s")
    row('agreement with single pass (fg Dice)', f"ours {dice(lab['ours'], lab['single']):.4f}, MONAI {dice(lab['monai'], lab['single']):.4f} / {dice(lab['monai_plain'], lab['single']):.4f}", 'random weights: a stress test of stitching')
