"""Where the whole-volume pass spends its time, layer by layer (#21 item 3): each chunked convolution and each fused
conv → norm of `whole_volume_forward` at the seed's size (full-width model, 1×2×32×Y×Y/2, bf16 weights, random), with
its seconds and achieved TFLOP/s (fused layers that need a statistics pass count their convolution twice), the slowest
first; then the arena's first-touch cost: the bytes it mapped anew and a first and second touch of 1 GiB on this machine.
`python bench/experiments/whole_volume_layers.py [Y=1024] [ROWS=25]`"""
import copy, math, mmap, sys, time
import numpy as np, torch
sys.path.insert(0, str(__import__('pathlib').Path(__file__).parent.parent))
from common import machine
import seg3d.predictor as P
from seg3d.model import ResNet3DSeg, UpConv3d
from seg3d.core import hold_freed_memory

def conv_flops(conv, x):
    "FLOPs of `conv` on input `x` (transposed convolutions: per input voxel)"
    vox = x[0, 0].numel() / (1 if isinstance(conv, UpConv3d) else math.prod(conv.stride))
    return 2 * vox * conv.in_channels * conv.out_channels * math.prod(conv.kernel_size)

if __name__ == '__main__':
    Y = int(sys.argv[1]) if len(sys.argv) > 1 else 1024
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 25
    hold_freed_memory(); torch.manual_seed(0)
    rows, fresh = [], []
    for name in ('chunked_conv', 'fused_conv_norm'):
        f0 = getattr(P, name)
        def timed(conv, *a, _f0=f0, _name=name, **k):
            x = a[0] if _name == 'chunked_conv' else a[1]
            passes = 2 if _name == 'fused_conv_norm' and not P._running(a[0]) and not P.gram_pays(conv) else 1
            t = time.perf_counter(); r = _f0(conv, *a, **k); dt = time.perf_counter() - t
            rows.append((_name, type(conv).__name__, conv.kernel_size[0], conv.stride[0], conv.in_channels,
                         conv.out_channels, tuple(x.shape[2:]), dt, passes * conv_flops(conv, x)))
            return r
        setattr(P, name, timed)
    b0 = P.Arena._buffer
    P.Arena._buffer = lambda self, n: fresh.append(n) or b0(self, n)
    m = copy.deepcopy(ResNet3DSeg().eval()).to(torch.bfloat16)
    x = torch.randn(1, 2, 32, Y, Y // 2, dtype=torch.bfloat16)
    with torch.no_grad():
        t = time.perf_counter(); P.whole_volume_forward(m, x); total = time.perf_counter() - t
    print(f"{machine()}\n\nwhole-volume pass 1×2×32×{Y}×{Y // 2}: {total:.2f} s; convolutions {sum(r[7] for r in rows):.2f} s, "
          f"{sum(r[8] for r in rows) / 1e12:.2f} TFLOP computed; arena mapped {sum(fresh) / 2**30:.2f} GiB anew\n")
    print("| call | layer | k | stride | channels | input (Z, Y, X) | s | TFLOP/s |\n|---|---|---|---|---|---|---|---|")
    for name, ty, k, s, ci, co, shape, dt, fl in sorted(rows, key=lambda r: -r[7])[:top]:
        print(f"| {name} | {ty} | {k} | {s} | {ci} → {co} | {shape} | {dt:.2f} | {fl / dt / 1e12:.2f} |")
    mm = mmap.mmap(-1, 2**30); a = np.frombuffer(mm, dtype=np.uint8)
    t = time.perf_counter(); a[::4096] = 1; t1 = time.perf_counter() - t
    t = time.perf_counter(); a[::4096] = 2; t2 = time.perf_counter() - t
    print(f"\n1 GiB of anonymous memory: first touch {t1:.2f} s, second {t2:.3f} s")
