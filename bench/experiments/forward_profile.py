"""#21 item 1: where the full-width bf16 forward spends its time, per option, measured side by side in one run.
`python bench/experiments/forward_profile.py [--shape 1 2 32 128 128] [--only eager,channels_last,compile,fused_norm,onednn_norm]`
Prints, for each option: median forward time, achieved TFLOP/s as a share of the bf16 matmul peak measured in the same
run, and the profile grouped by kind of work (convolutions, matrix products, norms, copies/reorders, ReLU, adds,
fused kernels of torch.compile, the rest). `fused_norm`: the convolutions eager, each norm → (+ shortcut) → ReLU one
torch.compile'd function with fp32 statistics on the bf16 conv output (one reduction pass, one pointwise pass).
`onednn_norm`: the channels-last model; each instance norm (+ shortcut) (+ ReLU) after a convolution as a statistics pass
(`torch.batch_norm_update_stats`, fp32) and one oneDNN pass (`mkldnn._convolution_pointwise`: a depthwise 1×1×1
convolution holding the norm's scale and shift, with the shortcut's sum and the ReLU as post-ops) — no compiler."""
import argparse, copy, time
import torch
from torch.profiler import profile, ProfilerActivity
import torch.nn as nn
from seg3d.model import ResNet3DSeg, model_summary, Steps, UpConv3d
from seg3d.core import hold_freed_memory

KINDS = [('conv', ('convolution', 'conv3d', 'mkldnn_conv')), ('matmul', ('bmm', 'addmm', 'aten::mm', 'matmul', 'linear')),
         ('norm', ('batch_norm', 'instance_norm', 'group_norm', 'var_mean')),
         ('copy/reorder', ('copy_', 'aten::to', 'contiguous', 'clone', 'reorder', 'permute', 'reshape')),
         ('relu', ('relu', 'clamp_min')), ('add', ('aten::add', 'aten::add_')), ('compiled fused', ('cpp_fused', 'graph_', 'Torch-Compiled')),
         ('pad/crop', ('constant_pad', 'aten::pad', 'slice', 'narrow'))]

torch._dynamo.config.cache_size_limit = 64        # one compiled variant per (ReLU, shortcut, rank) is fine
@torch.compile(dynamic=True)
def _norm_act(y, w, b, short, relu:bool, eps:float):
    "Instance norm of a bf16 (B, C, ...) `y` with fp32 statistics, affine, + `short`, ReLU — one fused pass after one reduction"
    yf = y.float()
    var, mean = torch.var_mean(yf, dim=(2, 3, 4), unbiased=False, keepdim=True)
    o = (yf - mean) * torch.rsqrt(var + eps) * w.float().view(1, -1, 1, 1, 1) + b.float().view(1, -1, 1, 1, 1)
    if short is not None: o = o + short.float()
    return (o.relu() if relu else o).to(y.dtype)

class FusedSteps(Steps):
    "Eager convolutions; each instance norm (+ shortcut) (+ ReLU) as one compiled function"
    def _na(self, norm, y, short=None, relu=False):
        if not isinstance(norm, nn.InstanceNorm3d): raise TypeError(f"fused_norm handles instance norm only, got {norm}")
        return _norm_act(y, norm.weight, norm.bias, short, relu, norm.eps)
    def cnr(self, seq, x, then=None):
        y = self._na(seq[1], seq[0](x), relu=len(seq) > 2)
        return y if then is None else then(y)
    def residual(self, last, h, short, x): return self._na(last[1], last[0](h), short, relu=True)
    def stage(self, net, stage, x):
        for blk in stage: x = blk.run(x, self)
        return x

_PW = torch.ops.mkldnn._convolution_pointwise

def _onednn_norm_act(norm, c, short=None, relu=False, into_short=False):
    "norm(c) (+ short) (ReLU) for a channels-last (1, C, ...) `c`: fp32 statistics, then one oneDNN pass"
    C, z, o = c.shape[1], [0, 0, 0], [1, 1, 1]
    mu, var = torch.batch_norm_update_stats(c, torch.zeros(C), torch.ones(C), 1.0)   # fp32 buffers: fp32 results
    s = torch.rsqrt(var + norm.eps) * norm.weight.float(); t = norm.bias.float() - mu * s
    W, B = s.to(c.dtype).view(C, 1, 1, 1, 1), t.to(c.dtype)
    if short is None: return _PW(c, W, B, z, o, o, C, 'relu' if relu else 'none', [], '')
    if into_short: return torch.ops.mkldnn._convolution_pointwise_.binary(short, c, W, B, z, o, o, C, 'add', None, 'relu', [], '')
    return _PW.binary(c, short, W, B, z, o, o, C, 'add', None, None, [], '').relu_()

class OneDNNSteps(Steps):
    "Channels-last eager convolutions; each instance norm (+ shortcut) (+ ReLU) after one as `_onednn_norm_act`"
    def cnr(self, seq, x, then=None):
        if then is not None or isinstance(seq[0], UpConv3d): return super().cnr(seq, x, then)   # the late shuffle as is
        return _onednn_norm_act(seq[1], seq[0](x), relu=len(seq) > 2)
    def residual(self, last, h, short, x):
        return _onednn_norm_act(last[1], last[0](h), short, relu=True, into_short=short is not x)   # a block's own sum
    def stage(self, net, stage, x):
        for blk in stage: x = blk.run(x, self)
        return x

class Fused(nn.Module):
    def __init__(self, m, steps=None): super().__init__(); self.m, self.steps = m, steps or FusedSteps()
    def forward(self, x): return self.m.run(x, self.steps)

def matmul_peak(n=4096):
    a, b = torch.randn(n, n, dtype=torch.bfloat16), torch.randn(n, n, dtype=torch.bfloat16)
    return 2 * n**3 / median(lambda: a @ b, 5) / 1e12

def median(fn, repeats=3):
    fn()
    ts = []
    for _ in range(repeats):
        t = time.perf_counter(); fn(); ts.append(time.perf_counter() - t)
    return sorted(ts)[len(ts) // 2]

def kind(name:str) -> str:
    return next((k for k, keys in KINDS if any(s in name for s in keys)), 'other')

def breakdown(fn) -> dict:
    "Self CPU time per kind of work, as shares of the total"
    with profile(activities=[ProfilerActivity.CPU]) as prof: fn()
    tot, out = 0.0, {}
    for e in prof.key_averages():
        t = e.self_cpu_time_total
        out[kind(e.key)] = out.get(kind(e.key), 0) + t
        tot += t
    return {k: v / tot for k, v in sorted(out.items(), key=lambda kv: -kv[1])}

if __name__ == '__main__':
    ap = argparse.ArgumentParser()
    ap.add_argument('--shape', type=int, nargs=5, default=[1, 2, 32, 128, 128])
    ap.add_argument('--only', default='eager,channels_last,compile')
    a = ap.parse_args()
    hold_freed_memory()
    torch.manual_seed(0)
    base = ResNet3DSeg().eval()
    gf = model_summary(base, a.shape[1:], batch=a.shape[0], verbose=False)['gflops_forward']
    x = torch.randn(*a.shape).to(torch.bfloat16)
    m = copy.deepcopy(base).to(torch.bfloat16)
    with torch.no_grad(): ref = m(x).float()
    peak = matmul_peak()
    print(f"forward {gf:.1f} GFLOP on {tuple(a.shape)}; bf16 matmul peak {peak:.2f} TFLOP/s (measured now)")
    variants = {}
    if 'eager' in a.only: variants['eager bf16 weights'] = (m, x)
    if 'channels_last' in a.only:
        mc = copy.deepcopy(m).to(memory_format=torch.channels_last_3d)
        variants['channels_last_3d'] = (mc, x.contiguous(memory_format=torch.channels_last_3d))
    if 'compile' in a.only:
        t0 = time.perf_counter()
        mcomp = torch.compile(copy.deepcopy(m))
        with torch.no_grad(): mcomp(x)
        print(f"torch.compile: first call (compilation) {time.perf_counter() - t0:.0f} s")
        variants['torch.compile (inductor)'] = (mcomp, x)
    if 'fused_norm' in a.only:
        t0 = time.perf_counter()
        mf = Fused(m)
        with torch.no_grad(): mf(x)
        print(f"fused_norm: first call (compilation) {time.perf_counter() - t0:.0f} s")
        variants['fused norm+add+ReLU (compiled), convs eager'] = (mf, x)
    if 'onednn_norm' in a.only:
        mc = copy.deepcopy(m).to(memory_format=torch.channels_last_3d)
        variants['channels-last, norm (+ add) + ReLU as oneDNN post-ops'] = (Fused(mc, OneDNNSteps()),
                                                                              x.contiguous(memory_format=torch.channels_last_3d))
    for name, (net, inp) in variants.items():
        with torch.no_grad():
            err = float((net(inp).float() - ref).abs().max() / ref.abs().max())
            t = median(lambda: net(inp))
            prof = breakdown(lambda: net(inp))
        share = ', '.join(f"{k} {v:.0%}" for k, v in prof.items() if v >= 0.005)
        print(f"| {name} | {t:.3f} s | {gf / t / 1e3:.2f} TFLOP/s = {gf / t / 1e3 / peak:.0%} of peak | "
              f"max |Δ| {err:.1e} of max |ref| | {share} |")
