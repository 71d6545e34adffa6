"""What `Predictor.holding_memory` trades (#21 item 3): three seed-size cases (full-width model, random weights,
2×32×1024×512, bf16, the whole volume layer by layer) predicted one after the other, each arena its own (the default)
or one arena held across them (`predict_probs(..., arenas=...)`, what `holding_memory` passes). Each mode in a fresh
process, alternating; prints each case's seconds and the process's peak RSS.
`python bench/experiments/holding_memory.py [--tta] [--repeats 1]`"""
import argparse, json, subprocess, sys
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent.parent))
from common import machine

CODE = '''
import json, resource, time, torch
from seg3d.core import hold_freed_memory
from seg3d.model import ResNet3DSeg
from seg3d.predictor import predict_probs
hold_freed_memory(); torch.manual_seed(0)
m = ResNet3DSeg().eval(); arenas = {{}} if {hold} else None; ts = []
for case in range(3):
    x = torch.randn(2, 32, 1024, 512)
    t = time.perf_counter(); p = predict_probs([m], x, 5, precision='bf16', tta_axes={tta}, dtype=torch.float16, arenas=arenas)
    ts.append(time.perf_counter() - t); del p
print(json.dumps(dict(t=ts, rss=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20)))
'''

if __name__ == '__main__':
    ap = argparse.ArgumentParser(); ap.add_argument('--tta', action='store_true'); ap.add_argument('--repeats', type=int, default=1)
    a = ap.parse_args()
    print(f"{machine()}\n\n| mode | case 1 | case 2 | case 3 | peak RSS |\n|---|---|---|---|---|")
    for i in range(a.repeats):
        for hold in ((False, True) if i % 2 == 0 else (True, False)):
            r = subprocess.run([sys.executable, '-c', CODE.format(hold=hold, tta=(2,) if a.tta else ())], capture_output=True, text=True)
            if r.returncode: raise RuntimeError(r.stderr[-2000:])
            d = json.loads(r.stdout.splitlines()[-1])
            print(f"| {'held (holding_memory)' if hold else 'own arena per pass'}{' , 2 mirrorings' if a.tta else ''} | "
                  + " | ".join(f"{t:.2f} s" for t in d['t']) + f" | {d['rss']:.2f} GiB |", flush=True)
