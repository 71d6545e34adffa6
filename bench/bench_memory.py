"""Inference memory as the volume grows (issue #22 item 2): peak resident memory (ru_maxrss of a fresh process) and time
of the seed's full-width model (random weights, bf16) at the seed's grid 2×32×1024×512 and at 4× its voxels
(2×64×1024×1024), on both prediction paths — sliding windows 32×256×256 (overlap 0.25) and the whole volume layer by
layer — first `predict_probs` alone (float16 probabilities where the API has them), then end to end through
`predict_folder` (what `seg3d_predict` runs, default policy; the whole volume also with spilling off): a raw 2-channel
NIfTI scan of another size (448×896×40, resp. 896×896×80; Z resampled) loaded, preprocessed, predicted and written
back on its own grid. `--src DIR` runs another checkout's seg3d (e.g. a git worktree of an older commit) for a
side-by-side comparison; `--only` picks rows (e.g. `--only e2e`). Slow: about 10 minutes on 2 cores."""
import argparse, json, os, sys, tempfile
from pathlib import Path
from common import peak_rss_of, machine, row

SIZES = {'seed': ((2, 32, 1024, 512), (448, 896, 40)), '4x': ((2, 64, 1024, 1024), (896, 896, 80))}
WINDOW, OVERLAP = (32, 256, 256), 0.25

HEAD = '''
import sys; sys.path.insert(0, {src!r})
import torch, time, json
import seg3d.predictor
from seg3d.core import hold_freed_memory
hold_freed_memory()
'''
PROBS = HEAD + '''
from seg3d.model import ResNet3DSeg
from seg3d.predictor import predict_probs
import inspect
torch.manual_seed(0)
m = ResNet3DSeg().eval(); x = torch.randn({shape})
half = dict(dtype=torch.float16) if 'dtype' in inspect.signature(predict_probs).parameters else {{}}  # as Predictor
t = time.perf_counter()
p = predict_probs([m], x, 5, window={window}, overlap={overlap}, precision='bf16', **half)
print(json.dumps(dict(t=time.perf_counter() - t, dtype=str(p.dtype), file=seg3d.predictor.__file__)))
'''
E2E = HEAD + '''
from seg3d.inference import predict_folder
import inspect
from seg3d.predictor import Predictor
spill = {spill!r}
kw = dict(spill=spill) if spill != 'default' and 'spill' in inspect.signature(Predictor).parameters else {{}}
t = time.perf_counter()
rep = predict_folder({inp!r}, {out!r}, {ckpt!r}, progress=False, window={window}, overlap={overlap}, precision='bf16',
                     overwrite=True, **kw)
c = rep['cases'][0]
assert c['status'] == 'ok', c
print(json.dumps(dict(t=time.perf_counter() - t, shape=c['prediction_shape'], file=seg3d.predictor.__file__)))
'''

def make_case(folder:Path, grid, raw) -> tuple:
    "A random-weight full-width checkpoint on `grid` (C, Z, Y, X) and one raw 2-channel scan (X, Y, Z)"
    import numpy as np, nibabel as nib, torch
    from seg3d.model import ResNet3DSeg, save_checkpoint
    from seg3d.data import Config
    folder.mkdir(parents=True, exist_ok=True)
    target = [grid[3], grid[2], grid[1]]
    torch.manual_seed(0)
    cfg = Config(target_shape=target, in_channels=2, num_classes=5, precision='bf16',
                 class_names=['background', 'a', 'b', 'c', 'd'], class_weights=[0.1, 1, 1, 1, 1])
    ckpt = save_checkpoint(folder/'model.pth', ResNet3DSeg().eval(), cfg, epoch=0,
                           preprocessing={'target': target, 'z_policy': 'resample', 'compresslevel': 1})
    rng = np.random.default_rng(0)
    img = rng.normal(size=(*raw, 2)).astype(np.float32)
    (folder/'in').mkdir(exist_ok=True)
    nib.save(nib.Nifti1Image(img, np.diag([0.8, 0.8, 2.5, 1.0])), folder/'in'/'case.nii.gz')
    return ckpt, folder/'in'

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--src', default=str(Path(__file__).resolve().parents[1]), help="checkout whose seg3d runs")
    ap.add_argument('--only', default='', help="run only rows whose name contains this")
    ap.add_argument('--sizes', default='seed,4x')
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix='bench_memory_'))
    print(f"\n### Inference memory, seed size and 4×, full-width model, bf16 (`python bench/bench_memory.py`)\n\n"
          f"{machine()} · seg3d from {a.src}\n\n| path | size | time | peak | vs seed size |\n|---|---|---|---|---|",
          flush=True)
    res = {}
    for path in ('probs windows', 'probs whole', 'e2e windows', 'e2e whole, no spill', 'e2e whole'):
        if a.only not in path: continue
        for size in a.sizes.split(','):
            grid, raw = SIZES[size]
            window = WINDOW if 'windows' in path else None
            if path.startswith('probs'):
                code = PROBS.format(src=a.src, shape=grid, window=window, overlap=OVERLAP)
            else:
                ckpt, inp = make_case(tmp/size, grid, raw)
                code = E2E.format(src=a.src, inp=str(inp), out=str(tmp/size/'out'), ckpt=str(ckpt), window=window,
                                  overlap=OVERLAP, spill=None if 'no spill' in path else 'default')
            peak, out = peak_rss_of(code)
            res[path, size] = peak
            base = res.get((path, 'seed'))
            ratio = f"{peak / base:.2f}×" if base and size != 'seed' else ''
            shape = f"{'×'.join(map(str, grid))}" + (f" (raw {'×'.join(map(str, raw))})" if 'e2e' in path else '')
            row(path, shape, f"{out[0]['t']:.1f} s", f"{peak:.2f} GiB", ratio)
