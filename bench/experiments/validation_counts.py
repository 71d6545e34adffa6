"""Validation's per-voxel counting at the seed's grid: the confusion matrix (`seg3d.train.confusion_counts`, one
bincount of true × predicted; session 14) against the three per-class bincounts it replaced (agreeing voxels, predicted,
true), side by side, alternating, on a 1×32×1024×512 label map with 5 classes; prints milliseconds, the ratio, and that
the diagonal, column and row sums equal the three counts.
`python bench/experiments/validation_counts.py [--rounds 3] [--repeats 5]`"""
import argparse, platform, time
import torch
from seg3d.train import confusion_counts

def three_counts(pred, y, k):
    "The counts validation summed before session 14: per class, agreeing, predicted and true voxels"
    count = lambda t: torch.bincount(t.flatten(), minlength=k).cpu().double()
    return torch.stack([count(y[pred == y]), count(pred), count(y)])

def timed(f, repeats):
    t = time.perf_counter()
    for _ in range(repeats): f()
    return (time.perf_counter() - t) / repeats * 1000

if __name__ == '__main__':
    a = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    a.add_argument('--rounds', type=int, default=3)
    a.add_argument('--repeats', type=int, default=5)
    args = a.parse_args()
    g = torch.Generator().manual_seed(0)
    y = torch.randint(0, 5, (1, 32, 1024, 512), generator=g)
    pred = y.clone()
    pred[..., :100] = torch.randint(0, 5, (1, 32, 1024, 100), generator=g)       # a fifth of the voxels wrong-ish
    cm, old = confusion_counts(pred, y, 5), three_counts(pred, y, 5)
    same = torch.equal(cm.diag(), old[0]) and torch.equal(cm.sum(0), old[1]) and torch.equal(cm.sum(1), old[2])
    print(f"{platform.processor() or platform.machine()}, torch {torch.__version__}, {torch.get_num_threads()} threads; "
          f"counts identical: {same}")
    for r in range(args.rounds):
        t_old = timed(lambda: three_counts(pred, y, 5), args.repeats)
        t_new = timed(lambda: confusion_counts(pred, y, 5), args.repeats)
        print(f"round {r}: three counts {t_old:.1f} ms, confusion {t_new:.1f} ms, ratio {t_old / t_new:.2f}x")
