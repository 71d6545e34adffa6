#!/usr/bin/env bash
# GPU check, sized to finish in under 10 minutes on one GPU: runs the `cuda`-flagged notebook cells, then measures the
# seed configuration's training step (full-width model, batch 2 at 512×1024×32, bf16) and memory, and projects the
# seed's 50 epochs × 342 volumes. Usage on a CUDA machine: bash bench/gpu.sh
set -euo pipefail
cd "$(dirname "$0")/.."
python -c "import torch; assert torch.cuda.is_available(), 'no CUDA device'; print(torch.cuda.get_device_name(0))"
timeout 240 nbdev_test --flags cuda --n_workers 1 || echo "cuda-flagged notebook cells failed or timed out"
timeout 300 python - <<'PY'
import time, torch, torch.nn.functional as F
from seg3d.model import ResNet3DSeg
dev = 'cuda'; m = ResNet3DSeg().to(dev); opt = torch.optim.Adam(m.parameters(), 1e-3)
x = torch.randn(2, 2, 32, 1024, 512, device=dev); y = torch.randint(0, 5, (2, 32, 1024, 512), device=dev)
w = torch.tensor([0.1, 1, 1, 1, 1], device=dev)
def step():
    with torch.autocast('cuda', dtype=torch.bfloat16): loss = F.cross_entropy(m(x).float(), y, weight=w)
    loss.backward(); torch.nn.utils.clip_grad_norm_(m.parameters(), 1.0); opt.step(); opt.zero_grad(set_to_none=True)
for _ in range(2): step()
torch.cuda.synchronize(); torch.cuda.reset_peak_memory_stats(); t = time.perf_counter()
for _ in range(5): step()
torch.cuda.synchronize(); dt = (time.perf_counter() - t) / 5
peak = torch.cuda.max_memory_allocated() / 2**30
print(f"seed step (batch 2, 512x1024x32, bf16): {dt:.3f} s, peak {peak:.1f} GiB")
print(f"projected seed training: 50 epochs x 171 steps = {50 * 171 * dt / 60:.1f} min (+ validation)")
PY
timeout 180 python bench/experiments/auto_patch_memory.py --device cuda --budgets 8 24 \
  || echo "auto_patch_memory on CUDA failed or timed out"
