"""#21 item 3: the whole-volume pass at the seed's size (full width, 2×32×1024×512, bf16) with the chunk budget varied — time and peak RSS, each budget in a fresh process. `python bench/experiments/whole_volume_budget.py 4194304 16777216 67108864`"""
import sys, json, subprocess
CODE = '''
import torch, time, json, resource
from seg3d.model import ResNet3DSeg
import seg3d.predictor as P
from seg3d.core import hold_freed_memory
torch.manual_seed(0)
m = ResNet3DSeg().eval(); x = torch.randn(2, 32, 1024, 512)
hold_freed_memory(); P.WHOLE_VOLUME_MIN = 0
P.whole_volume_forward.__defaults__ = ({b}, None, None)
t = time.perf_counter(); p = P.predict_probs([m], x, 5, window=None, precision='bf16')
print(json.dumps(dict(b={b}, t=round(time.perf_counter() - t, 2), peak=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2))))
'''
for b in [int(v) for v in sys.argv[1:]]:
    r = subprocess.run([sys.executable, '-c', CODE.format(b=b)], capture_output=True, text=True)
    print(r.stdout.strip() or r.stderr[-500:], flush=True)
