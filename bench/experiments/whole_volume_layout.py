"""#21 item 3 option: the layer-by-layer pass channels-last (`whole_volume_forward(..., channels_last=True)`) against
channels-first, at the seed's size (full-width model, 1×2×32×1024×512, bf16 weights, random).
First four stage-1 operations with pre-touched memory in one process, alternating (bottleneck expansion with its
shortcut, the 256 → 64 reduction with its norm, a 3×3×3 convolution with its norm, the last up-convolution with the
head); then the whole pass in fresh processes, alternating (channels-first, channels-last, channels-last,
channels-first, …), seconds and peak resident memory.
`python bench/experiments/whole_volume_layout.py [REPEATS=2]`"""
import json, statistics, subprocess, sys, time
from pathlib import Path
import torch
sys.path.insert(0, str(Path(__file__).parent.parent))
from common import machine
import seg3d.predictor as P
from seg3d.model import ResNet3DSeg
from seg3d.core import hold_freed_memory

PASS = """
import json, resource, time, torch
import seg3d.predictor as P
from seg3d.model import ResNet3DSeg
from seg3d.core import hold_freed_memory
hold_freed_memory(); torch.manual_seed(0)
m = ResNet3DSeg().eval().to(torch.bfloat16); x = torch.randn(1, 2, 32, 1024, 512, dtype=torch.bfloat16)
with torch.no_grad():
    t = time.perf_counter(); P.whole_volume_forward(m, x, channels_last={cl}); t = time.perf_counter() - t
print(json.dumps(dict(t=t, peak=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20)))
"""

def stage1_ops(repeats:int=3) -> dict:
    "Median seconds of four stage-1 operations, channels-first and channels-last, alternating in this process"
    hold_freed_memory(); torch.manual_seed(0)
    m = ResNet3DSeg().eval().to(torch.bfloat16)
    with torch.no_grad():
        for p in m.parameters(): p.uniform_(-0.1, 0.1)
    blk, up = m.stages[0][1], m.ups[-1].up
    h64 = torch.randn(1, 64, 16, 512, 256).relu_().bfloat16()
    s256 = torch.randn(1, 256, 16, 512, 256).bfloat16()
    def ops(cl):
        ar = P.Arena(channels_last=cl)
        lay = (lambda t: t.contiguous(memory_format=torch.channels_last_3d)) if cl else (lambda t: t)
        a64, a256 = lay(h64), lay(s256)
        def conv_norm(seq, x):
            y = P.chunked_conv(seq[0], x, arena=ar, moments=cl)
            y, mom = y if cl else (y, None)
            ar.release(P.norm_(seq[1], y, relu=True, moments=mom))
        expand = blk.body[2]
        return {'bottleneck expansion + shortcut (64 → 256)':
                    lambda: P.fused_conv_norm(expand[0], expand[1], a64, relu=True, add=a256, out=a256, arena=ar),
                'reduction + norm (256 → 64)': lambda: conv_norm(blk.body[0], a256),
                '3×3×3 convolution + norm (64 → 64)': lambda: conv_norm(blk.body[1], a64),
                'last up-convolution + norm + head (64 → 64 → 5)':
                    lambda: ar.release(P.fused_conv_norm(up[0], up[1], a64, relu=True, then=m.head, arena=ar))}
    fns = {(k, cl): f for cl in (False, True) for k, f in ops(cl).items()}
    res = {}
    with torch.no_grad():
        for f in fns.values(): f()                                   # touch every buffer once
        for r in range(repeats):
            for key in (list(fns) if r % 2 == 0 else list(fns)[::-1]):
                t = time.perf_counter(); fns[key](); res.setdefault(key, []).append(time.perf_counter() - t)
    names = [k for k, cl in fns if not cl]
    return {k: (statistics.median(res[(k, False)]), statistics.median(res[(k, True)])) for k in names}

if __name__ == '__main__':
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    runs = {False: [], True: []}                  # the passes first: a child started later would count our memory
    for r in range(repeats):
        for cl in ((False, True) if r % 2 == 0 else (True, False)):
            out = subprocess.run([sys.executable, '-c', PASS.format(cl=cl)], capture_output=True, text=True, check=True)
            runs[cl].append(json.loads(out.stdout.strip().splitlines()[-1]))
    med = {cl: (statistics.median(r['t'] for r in v), max(r['peak'] for r in v)) for cl, v in runs.items()}
    print(f"{machine()}\n\n| stage-1 operation, pre-touched memory | channels-first | channels-last | last / first |")
    print("|---|---|---|---|")
    for k, (cf, cl) in stage1_ops().items(): print(f"| {k} | {cf:.3f} s | {cl:.3f} s | {cl / cf:.2f} |")
    print(f"\nwhole pass 1×2×32×1024×512, fresh processes, {repeats} each, alternating: channels-first "
          f"{med[False][0]:.2f} s (peak {med[False][1]:.2f} GiB), channels-last {med[True][0]:.2f} s (peak "
          f"{med[True][1]:.2f} GiB), last / first {med[True][0] / med[False][0]:.3f}; runs: "
          + ', '.join(f"{'CL' if cl else 'CF'} {r['t']:.2f}" for cl in (False, True) for r in runs[cl]))
