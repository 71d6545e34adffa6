"""fp32 gradients of one training step, channels-first and channels-last, against the same network in float64, with
1 and 2 threads (each in a fresh process): the worst relative error over the parameters (|difference| over the
parameter's largest |gradient|), and the parameter where it is worst. The small network and batch of 03_train's check.
`python bench/experiments/channels_last_grads.py [--threads 1 2]`"""
import argparse, copy, json, subprocess, sys

def child(threads:int):
    "One measurement in this process with `threads` threads; prints a JSON line"
    import torch, torch.nn.functional as F
    from seg3d.model import ResNet3DSeg
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    net = ResNet3DSeg(2, 3, width=8, layers=(1, 1, 1, 1), skip='concat', input_skip=True)
    x, y = torch.randn(2, 2, 16, 24, 20), torch.randint(0, 3, (2, 16, 24, 20))
    def grads(m, xx):
        F.cross_entropy(m(xx).double(), y).backward()
        return {n: p.grad.double() for n, p in m.named_parameters()}
    ref = grads(copy.deepcopy(net).double(), x.double())
    cl = torch.channels_last_3d
    out = {}
    for name, g in (('channels-first', grads(copy.deepcopy(net), x)),
                    ('channels-last', grads(copy.deepcopy(net).to(memory_format=cl), x.contiguous(memory_format=cl)))):
        errs = {n: ((g[n] - ref[n]).abs().max() / ref[n].abs().max()).item() for n in ref}
        worst = max(errs, key=errs.get)
        out[name] = (errs[worst], worst)
    print(json.dumps(out))

if __name__ == '__main__':
    a = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    a.add_argument('--threads', type=int, nargs='+', default=[1, 2])
    a.add_argument('--child', type=int, help=argparse.SUPPRESS)
    args = a.parse_args()
    if args.child: child(args.child); sys.exit()
    for t in args.threads:
        r = subprocess.run([sys.executable, __file__, '--child', str(t)], capture_output=True, text=True, check=True)
        for layout, (err, where) in json.loads(r.stdout.strip().splitlines()[-1]).items():
            print(f"{t} thread(s)  {layout:15} worst {err:.1e} ({where})")
