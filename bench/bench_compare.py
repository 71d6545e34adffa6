"""This checkout against an earlier commit, side by side in one run (#18: nothing lost): seed-size inference (sliding
window, the whole volume layer by layer, and the whole volume twice — two mirrorings — in one call), the full-width bf16 forward (channels-last) and training step, and preprocessing at
seed size. Each
measurement runs in a fresh process, alternating between the two code bases, repeated; medians are printed with the
ratio now/base (< 1: faster now); the order alternates (base, now, now, base, …) so a drift of a shared machine
over the run does not fall on one side. `python bench/bench_compare.py --base 61e2563` (slow: about ten minutes)."""
import argparse, json, os, statistics, subprocess, sys, tempfile
from pathlib import Path
from common import machine, row

ROOT = Path(__file__).parent.parent
PRED = '''
import torch, time, json
try: from seg3d.predictor import predict_probs
except ImportError: from seg3d.inference import predict_probs
try: from seg3d.core import hold_freed_memory
except ImportError: from seg3d.model import hold_freed_memory
from seg3d.model import ResNet3DSeg
hold_freed_memory(); torch.manual_seed(0)
m = ResNet3DSeg().eval(); x = torch.randn(2, 32, 1024, 512)
t = time.perf_counter(); p = predict_probs([m], x, 5, window={win}, overlap=0.25, precision='bf16', tta_axes={tta})
print(json.dumps(dict(t=time.perf_counter() - t)))
'''
FWD = '''
import torch, time, json
try: from seg3d.core import hold_freed_memory
except ImportError: from seg3d.model import hold_freed_memory
from seg3d.model import ResNet3DSeg
hold_freed_memory(); torch.manual_seed(0)
cl = torch.channels_last_3d
m = ResNet3DSeg().eval().to(torch.bfloat16).to(memory_format=cl)
x = torch.randn(1, 2, 32, 128, 128).to(torch.bfloat16).contiguous(memory_format=cl)
with torch.no_grad():
    m(x); ts = []
    for _ in range(5):
        t = time.perf_counter(); m(x); ts.append(time.perf_counter() - t)
print(json.dumps(dict(t=sorted(ts)[2])))
'''
STEP = '''
import torch, time, json, contextlib
try: from seg3d.core import hold_freed_memory
except ImportError: from seg3d.model import hold_freed_memory
from seg3d.model import ResNet3DSeg
hold_freed_memory(); torch.manual_seed(0)
m = ResNet3DSeg(); x = torch.randn(1, 2, 32, 128, 128); y = torch.randint(0, 5, (1, 32, 128, 128))
try:                                                   # what training runs: its optimizer, its weight-gradient guard
    from seg3d.train import make_optimizer, Config
    opt = make_optimizer(m, Config())[0]
except ImportError: opt = torch.optim.Adam(m.parameters(), 1e-3)
try:
    from seg3d.train import bf16_conv_grads_ok
    from seg3d.model import fp32_weight_grads
    guard = lambda: fp32_weight_grads(not bf16_conv_grads_ok())
except ImportError: guard = contextlib.nullcontext
def step():
    with guard():
        with torch.autocast('cpu', dtype=torch.bfloat16): loss = torch.nn.functional.cross_entropy(m(x).float(), y)
        loss.backward(); opt.step(); opt.zero_grad(set_to_none=True)
step(); ts = []
for _ in range(3):
    t = time.perf_counter(); step(); ts.append(time.perf_counter() - t)
print(json.dumps(dict(t=sorted(ts)[1])))
'''
PREP = '''
import time, json, tempfile, shutil
from pathlib import Path
import numpy as np
from seg3d.preprocess import PreprocessSettings, preprocess_dataset, _nii
root = Path(tempfile.mkdtemp()); rng = np.random.default_rng(0)
for i in range(4):
    _nii(root/'raw'/'images'/f'c{i}.nii.gz', (rng.normal(size=(400, 900, 20, 2)) * 100).astype(np.float32), np.diag([0.8, 0.8, 4, 1]))
    _nii(root/'raw'/'labels'/f'c{i}.nii.gz', rng.integers(0, 5, (400, 900, 20)).astype(np.uint8), np.diag([0.8, 0.8, 4, 1]))
t = time.perf_counter()
rep = preprocess_dataset(root/'raw', root/'pre', PreprocessSettings(target=(512, 1024, 32), channels=2, num_classes=5), workers=2,
                         progress=False)
assert rep['totals']['ok'] == 4, rep['cases']
print(json.dumps(dict(t=time.perf_counter() - t))); shutil.rmtree(root)
'''

def run(code:str, tree:Path) -> tuple:
    "Seconds and peak RSS (GiB) of `code` in a fresh Python that imports seg3d from `tree`"
    env = dict(os.environ, PYTHONPATH=str(tree))
    r = subprocess.run([sys.executable, '-c', code + "\nimport resource; print(json.dumps(dict(rss=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)))"],
                       capture_output=True, text=True, env=env, cwd=tempfile.gettempdir())
    if r.returncode: raise RuntimeError(r.stderr[-3000:])
    d = [json.loads(l) for l in r.stdout.splitlines() if l.startswith('{')]
    return d[0]['t'], d[1]['rss'] / 2**20

if __name__ == '__main__':
    ap = argparse.ArgumentParser(); ap.add_argument('--base', default='61e2563'); ap.add_argument('--repeats', type=int, default=2)
    ap.add_argument('--only', help="measure only the rows whose name contains this")
    a = ap.parse_args()
    base = Path(tempfile.mkdtemp())/'base'
    subprocess.run(['git', 'worktree', 'add', '--detach', str(base), a.base], cwd=ROOT, check=True, capture_output=True)
    try:
        print(f"\n### This checkout vs {a.base}, side by side\n\n{machine()}\n\n| measure | base | now | now / base |\n|---|---|---|---|")
        cases = [('seed-size inference, windows 32×256×256 (bf16)', PRED.format(win=(32, 256, 256), tta=())),
                 ('seed-size inference, whole volume layer by layer (bf16)', PRED.format(win=None, tta=())),
                 ('seed-size inference, whole volume, 2 mirrorings (tta X, bf16)', PRED.format(win=None, tta=(2,))),
                 ('forward, full width, 1×2×32×128×128 (bf16, channels-last: what the predictor runs where bf16 is fast)', FWD),
                 ('training step, full width, 1×2×32×128×128 (bf16 autocast, as training runs it)', STEP),
                 ('preprocessing 4 cases 400×900×20×2 → 512×1024×32, 2 workers', PREP)]
        for name, code in [c for c in cases if not a.only or a.only in c[0]]:
            res = {'base': [], 'now': []}
            for i in range(a.repeats):          # ABBA order: a drift of the machine over the run falls on both
                pair = (('base', base), ('now', ROOT))
                for k, tree in pair if i % 2 == 0 else pair[::-1]: res[k].append(run(code, tree))
            t = {k: statistics.median(v[0] for v in res[k]) for k in res}
            mem = {k: max(v[1] for v in res[k]) for k in res}
            row(name, f"{t['base']:.2f} s, {mem['base']:.2f} GiB", f"{t['now']:.2f} s, {mem['now']:.2f} GiB", f"{t['now'] / t['base']:.3f}")
    finally:
        subprocess.run(['git', 'worktree', 'remove', '--force', str(base)], cwd=ROOT, capture_output=True)
