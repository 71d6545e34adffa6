"""Sliding window, and seg3d's bounded-memory whole-volume pass (`whole_volume_forward`), vs one plain full-volume pass
(`model(x)`) of the same *trained* model: foreground Dice between the predictions on the test cases of a preprocessed
folder (the inference issue's "Dice ≥ 0.99 against a single-pass prediction").
Usage: python bench/bench_agreement.py MODEL.pth PREPROCESSED_DIR [--window Z Y X] [--overlap F] [--precision P]
(e.g. after `make demo`: demo_out/models_3d/best_resnet3d_segmentation.pth demo_out/preprocessed)."""
import argparse, copy, time
import numpy as np, torch
from seg3d.model import load_checkpoint, model_from_checkpoint
from seg3d.core import hold_freed_memory
from seg3d.data import config_from_dict, SegDataset
from seg3d.evaluate import _cases_for, confusion_matrix, overlap_from_confusion
import seg3d.predictor
from seg3d.predictor import predict_probs, _forward_fn, Mirrors
from common import machine, row

def fg_dice(a, b, k):
    "Mean Dice over the foreground classes present in either map"
    d = [v for v in overlap_from_confusion(confusion_matrix(a, b, k))[1][1:] if v is not None]
    return float(np.mean(d)) if d else 1.0

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__); ap.add_argument('model'); ap.add_argument('data')
    ap.add_argument('--window', type=int, nargs=3); ap.add_argument('--overlap', type=float, default=0.25); ap.add_argument('--precision', default='fp32')
    a = ap.parse_args(); hold_freed_memory()
    seg3d.predictor.WHOLE_VOLUME_MIN = 0          # predict_probs' one pass goes layer by layer whatever the size: that path is measured
    ckpt = load_checkpoint(a.model); cfg = config_from_dict(ckpt['config']); m = model_from_checkpoint(ckpt); k = cfg.num_classes
    cases = _cases_for(ckpt, a.data, 'test'); ds = SegDataset(a.data, cases, cfg)
    plain = copy.deepcopy(m).to(torch.bfloat16) if a.precision == 'bf16' else m      # the weights predict_probs runs with
    rows = []
    for i in range(len(ds)):
        s = ds[i]; img, lab = s['image'], s['label'].numpy(); size = img.shape[1:]
        win = tuple(a.window) if a.window else tuple(max(16, (int(d * 0.6) // 16) * 16) if d > 16 else d for d in size)
        t = time.perf_counter(); sw = predict_probs([m], img, k, window=win, overlap=a.overlap, precision=a.precision).argmax(0).numpy(); t_sw = time.perf_counter() - t
        t = time.perf_counter(); whole = predict_probs([m], img, k, precision=a.precision).argmax(0).numpy(); t_whole = time.perf_counter() - t
        t = time.perf_counter(); one = _forward_fn(plain, Mirrors(), a.precision, "cpu")(img[None])[0].argmax(0).numpy(); t_one = time.perf_counter() - t   # plain model(x)
        rows.append((fg_dice(sw, one, k), float((sw == one).mean()), fg_dice(sw, lab, k), fg_dice(one, lab, k), t_sw, t_one,
                     fg_dice(whole, one, k), float((whole == one).mean()), t_whole, win, size))
    r = np.array([x[:9] for x in rows])
    print(f"\n### Sliding window vs single pass, trained model {a.model} on {len(rows)} test case(s)\n\n{machine()}\n\n| measure | value | note |\n|---|---|---|")
    row('volume / window', f"{tuple(rows[0][10])} / {rows[0][9]}", f'overlap {a.overlap}, {a.precision}')
    row('agreement: fg Dice (sliding vs single)', f'{r[:, 0].mean():.4f} (min {r[:, 0].min():.4f})', 'goal ≥ 0.99')
    row('agreement: voxels equal', f'{r[:, 1].mean():.4%}', '')
    row('fg Dice vs ground truth', f'sliding {r[:, 2].mean():.4f}, single {r[:, 3].mean():.4f}', '')
    row('whole_volume_forward vs single: fg Dice', f'{r[:, 6].mean():.4f} (min {r[:, 6].min():.4f}), voxels equal {r[:, 7].mean():.4%}', "seg3d_predict's path when no window is smaller than the volume")
    row('seconds per case', f'sliding {r[:, 4].mean():.2f}, whole_volume_forward {r[:, 8].mean():.2f}, plain single {r[:, 5].mean():.2f}', '')
