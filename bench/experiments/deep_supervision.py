"""Deep supervision's cost (`model.deep_supervision`, session 16): one bf16 training step (forward, loss over the
resolutions, backward, Adam) of the demo network with 0 and with 3 lower-resolution heads, side by side, alternating,
on the demo's batch (2 × 2 × 32 × 80 × 64); prints seconds per step and the ratio per round, and the CPU.
`python bench/experiments/deep_supervision.py [--shape 2 32 80 64] [--rounds 4] [--steps 3]`"""
import argparse, sys, time
from pathlib import Path
import torch
sys.path.insert(0, str(Path(__file__).parent.parent))
from common import machine
from seg3d.data import Config
from seg3d.demo import demo_config
from seg3d.model import ResNet3DSeg
from seg3d.train import make_loss, make_optimizer

def stepper(n:int, shape, g):
    "A closure running one training step of the demo network with `n` deep supervision heads"
    torch.manual_seed(0)
    cfg = demo_config(Path('unused'))
    model = ResNet3DSeg(2, 5, **{**cfg.model.__dict__, 'deep_supervision': n}).train()
    loss = make_loss(Config(num_classes=5, loss='dice_ce'))
    opt, _ = make_optimizer(model, cfg)
    x, y = torch.randn(*shape, generator=g), torch.randint(0, 5, (shape[0], *shape[2:]), generator=g)
    def step():
        with torch.autocast('cpu', torch.bfloat16): out = model(x)
        l = loss(out, y)
        l.backward()
        opt.step(); opt.zero_grad(set_to_none=True)
        return l.item()
    return step

def timed(step, steps:int) -> float:
    "Median seconds of `steps` steps"
    ts = []
    for _ in range(steps):
        t = time.perf_counter(); step(); ts.append(time.perf_counter() - t)
    return sorted(ts)[len(ts) // 2]

if __name__ == '__main__':
    a = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    a.add_argument('--shape', type=int, nargs=4, default=[2, 32, 80, 64], metavar=('B', 'Z', 'Y', 'X'))
    a.add_argument('--rounds', type=int, default=4)
    a.add_argument('--steps', type=int, default=3)
    args = a.parse_args()
    g = torch.Generator().manual_seed(0)
    shape = (args.shape[0], 2, *args.shape[1:])
    steps = {n: stepper(n, shape, g) for n in (0, 3)}
    for s in steps.values(): s()                                                     # warm-up
    print(f"{machine()}; batch {shape}, bf16 autocast")
    ratios = []
    for r in range(args.rounds):
        order = (0, 3) if r % 2 == 0 else (3, 0)
        t = {n: timed(steps[n], args.steps) for n in order}
        ratios.append(t[3] / t[0])
        print(f"round {r}: no deep supervision {t[0]:.3f} s/step, 3 heads {t[3]:.3f} s/step, ratio {ratios[-1]:.3f}")
    print(f"median ratio (3 heads / none): {sorted(ratios)[len(ratios) // 2]:.3f}")
