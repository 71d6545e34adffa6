"""16-bit probabilities vs float32 on a trained model (issue #22 item 2's accuracy check): the same Predictor policy
with probabilities summed and returned in float16 (the default) and in float32, on the held-out cases of a
preprocessed folder — mean foreground Dice against the labels for both, their difference, the largest probability
difference and the share of voxels whose label differs; then the raw scans of `--raw` (if given) predicted back on
their own grids (slab-by-slab mapping) both ways.
Usage: python bench/bench_probs16.py MODEL_DIR PREPROCESSED_DIR [--raw RAW_IMAGES_DIR] [--window Z Y X]
(e.g. after `make demo`: demo_out/models_3d demo_out/preprocessed --raw demo_out/raw/imagesTr)."""
import argparse
from pathlib import Path
import numpy as np, torch
from seg3d.core import hold_freed_memory
from seg3d.data import SegDataset
from seg3d.evaluate import _cases_for, segmentation_metrics
from seg3d.model import load_checkpoint
from seg3d.predictor import Predictor, checkpoints_of, argmax_u8
from common import machine, row

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('model')
    ap.add_argument('data')
    ap.add_argument('--raw')
    ap.add_argument('--window', type=int, nargs=3)
    a = ap.parse_args()
    hold_freed_memory()
    ckpt = checkpoints_of(a.model)[0]
    p16, p32 = [Predictor.from_checkpoints(a.model, window=a.window, dtype=d) for d in ('float16', 'float32')]
    cases = _cases_for(load_checkpoint(ckpt), a.data, 'test')
    ds = SegDataset(a.data, cases, p32.cfg)
    k, rows = p32.cfg.num_classes, []
    for i in range(len(ds)):
        s = ds[i]
        q16, q32 = p16.probs(s['image']), p32.probs(s['image'])
        l16, l32, gt = argmax_u8(q16), argmax_u8(q32), s['label'].numpy()
        d16, d32 = (segmentation_metrics(lab, gt, k)['mean_fg_dice'] for lab in (l16, l32))
        rows.append((s['case'], d16, d32, float((q16.float() - q32).abs().max()), float((l16 != l32).mean())))
    print(f"\n### 16-bit vs float32 probabilities, {ckpt} ({p32.settings()['precision']}, window "
          f"{p32.settings()['window']})\n\n{machine()}\n\n| case | Dice float16 | Dice float32 | max |Δp| | labels differ |"
          "\n|---|---|---|---|---|")
    for c, d16, d32, dp, dl in rows: row(c, f"{d16:.4f}", f"{d32:.4f}", f"{dp:.2e}", f"{dl:.2e}")
    m16, m32 = np.mean([r[1] for r in rows]), np.mean([r[2] for r in rows])
    row('**mean**', f"{m16:.4f}", f"{m32:.4f}", f"Dice difference {abs(m16 - m32):.5f}",
        f"{np.mean([r[4] for r in rows]):.2e}")
    if a.raw:
        scans = sorted(p for p in Path(a.raw).iterdir() if p.name.endswith(('.nii.gz', '.nii')))
        scans = [p for p in scans if any(p.name.startswith(c) for c in cases)]
        diff = [float((p16.predict_case([p])['label'] != p32.predict_case([p])['label']).mean()) for p in scans]
        row('raw grids (slab by slab)', f"{len(scans)} scans", '', '', f"{np.mean(diff):.2e}")
