"""Region-based training's loss (`seg3d.train.region_loss`: a sigmoid per region, BCE + soft Dice, one region at a
time; session 15) against the class loss it stands beside (`dice_ce`: softmax cross-entropy + soft Dice), forward and
backward, side by side, alternating, on a batch of BraTS-like label maps (classes 0..3, regions whole/core/enhancing =
[1, 2, 3], [2, 3], [3]); prints milliseconds and the ratio per round, and the CPU.
`python bench/experiments/region_loss.py [--shape 2 32 256 256] [--rounds 3] [--repeats 3]`"""
import argparse, platform, time
import torch
from seg3d.data import Config
from seg3d.train import region_loss, make_loss

REGIONS = [[1, 2, 3], [2, 3], [3]]

def timed(loss, logits, y, repeats):
    "Best of `repeats` forward + backward passes, milliseconds"
    best = float('inf')
    for _ in range(repeats):
        x = logits.clone().requires_grad_()
        t = time.perf_counter()
        loss(x, y).backward()
        best = min(best, time.perf_counter() - t)
    return best * 1000

if __name__ == '__main__':
    a = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    a.add_argument('--shape', type=int, nargs=4, default=[2, 32, 256, 256], metavar=('B', 'Z', 'Y', 'X'))
    a.add_argument('--rounds', type=int, default=3)
    a.add_argument('--repeats', type=int, default=3)
    args = a.parse_args()
    g = torch.Generator().manual_seed(0)
    b, *zyx = args.shape
    y = torch.randint(0, 4, (b, *zyx), generator=g)
    regions = torch.randn(b, len(REGIONS), *zyx, generator=g)
    classes = torch.randn(b, 4, *zyx, generator=g)
    dice_ce = make_loss(Config(num_classes=4, loss='dice_ce'))
    print(f"{platform.processor() or platform.machine()}, torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"label maps {tuple(y.shape)}")
    for r in range(args.rounds):
        order = [('regions', lambda: timed(lambda x, t: region_loss(x, t, REGIONS), regions, y, args.repeats)),
                 ('dice_ce', lambda: timed(dice_ce, classes, y, args.repeats))]
        ms = dict((n, f()) for n, f in (order if r % 2 == 0 else order[::-1]))
        print(f"round {r + 1}: region_loss {ms['regions']:.0f} ms, dice_ce {ms['dice_ce']:.0f} ms, "
              f"ratio {ms['regions'] / ms['dice_ce']:.2f}")
