"""Which conv3d geometries get a wrong bf16 weight gradient on this CPU (the oneDNN fault `conv_wgrad_ok` guards against;
see 02_model). For 3×3×3 stride-1 convolutions over 1–8 slices and for strided 1×1×1 / 3×3×3 / 5×5×5 / 7×7×7 layers, each
at several widths, in-plane sizes and batch sizes, it prints how many geometries fail. A CPU without the fault prints
zeros everywhere. `python bench/experiments/wgrad_fault.py`"""
import itertools, sys, time
from pathlib import Path
import torch
sys.path.insert(0, str(Path(__file__).parent.parent))
from common import machine
from seg3d.model import conv_wgrad_ok

if __name__ == '__main__':
    print(machine())
    t0 = time.perf_counter()
    print("\n| kernel | stride | slices in | geometries failing |\n|---|---|---|---|")
    for D in (1, 2, 3, 4, 8):
        geos = list(itertools.product((4, 7, 16, 33), (1, 3), (16, 128)))          # in-plane size, batch, channels
        bad = sum(not conv_wgrad_ok((B, C, D, hw, hw), (C, C, 3, 3, 3)) for hw, B, C in geos)
        print(f"| 3×3×3 | 1 | {D} | {bad} of {len(geos)} |")
    for k, s in ((1, 2), (3, 2), (5, 1), (7, 2)):
        for D in (1, 2, 3, 4, 6, 8):
            geos = list(itertools.product((8, 20), (1, 2)))
            bad = sum(not conv_wgrad_ok((B, 8, D, hw, hw), (16, 8, k, k, k), (s,) * 3, (k // 2,) * 3) for hw, B in geos)
            print(f"| {k}×{k}×{k} | {s} | {D} | {bad} of {len(geos)} |")
    print(f"\n{time.perf_counter() - t0:.0f} s")
