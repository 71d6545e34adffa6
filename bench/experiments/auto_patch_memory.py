"""How close is `auto_patch`'s estimate (`patch_size='auto'`, session 16) to the memory a training step really takes?
For each budget: the patch it plans for the seed's grid (512×1024×32, 2 channels, 5 classes, batch 2, the full-width
default network) at the precision this CPU trains in, then — in a fresh process — two real training steps (forward,
loss, backward, Adam) at that patch; prints the estimate, the measured peak (on CPU: the RSS above the process's
baseline after `import torch`, before the network is built; on CUDA: `torch.cuda.max_memory_allocated`), their ratio,
and the machine. `python bench/experiments/auto_patch_memory.py [--budgets 2 4] [--width 64] [--device cuda]`"""
import argparse, json, subprocess, sys
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent.parent))
from common import machine

STEP = '''
import resource, json, sys, torch
from seg3d.data import Config
from seg3d.model import ResNet3DSeg
from seg3d.train import make_loss, make_optimizer
torch.set_num_threads(2)
cfg = Config(**json.loads(sys.argv[1])); patch, half, dev = json.loads(sys.argv[2]), sys.argv[3] != 'fp32', sys.argv[4]
dt = torch.float16 if sys.argv[3] == 'fp16' else torch.bfloat16
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
model = ResNet3DSeg(2, 5, **cfg.model).to(dev).train(); opt, _ = make_optimizer(model, cfg); loss = make_loss(cfg, dev)
x = torch.randn(cfg.batch_size, 2, *patch, device=dev); y = torch.randint(0, 5, (cfg.batch_size, *patch), device=dev)
scaler = torch.amp.GradScaler(enabled=sys.argv[3] == 'fp16')
for _ in range(2):
    with torch.autocast(torch.device(dev).type, dt, enabled=half): out = model(x)
    scaler.scale(loss(out, y)).backward(); scaler.step(opt); scaler.update(); opt.zero_grad(set_to_none=True)
gib = (torch.cuda.max_memory_allocated() / 2**30 if dev.startswith('cuda')
       else (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) / 2**20)
print(json.dumps(dict(gib=gib)))
'''

if __name__ == '__main__':
    a = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    a.add_argument('--budgets', type=float, nargs='+', default=[2.0, 4.0])
    a.add_argument('--width', type=int, default=64)
    a.add_argument('--device', default='cpu')
    args = a.parse_args()
    import torch
    from seg3d.core import resolve_precision
    from seg3d.data import Config
    from seg3d.train import auto_patch
    cfg = Config(in_channels=2, num_classes=5, target_shape=[512, 1024, 32], batch_size=2, model=dict(width=args.width))
    prec = resolve_precision(cfg.precision, args.device)
    gpu = torch.cuda.get_device_name(0) if args.device.startswith('cuda') else None
    print(f"{machine()}{'; ' + gpu if gpu else ''}; seed grid, batch 2, width {args.width}, {prec}")
    for b in args.budgets:
        plan = auto_patch(cfg, args.device, b)
        r = subprocess.run([sys.executable, '-c', STEP, json.dumps(dict(num_classes=5, batch_size=2, model=dict(width=args.width))),
                            json.dumps(plan['patch']), prec, args.device], capture_output=True, text=True)
        if r.returncode: sys.exit(r.stderr[-2000:])
        got = json.loads(r.stdout.splitlines()[-1])['gib']
        print(f"budget {b:g} GiB: patch {plan['patch']}, estimate {plan['gib']:.2f} GiB, measured peak {got:.2f} GiB, "
              f"measured/estimate {got / plan['gib']:.2f}")
