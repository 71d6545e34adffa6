"""Does one whole-volume pass at 4× the seed's voxels fit under a hard memory cap of 1.5× the seed size's peak?
Runs `predict_folder` (what `seg3d_predict` runs) on the 4× case of bench_memory.py inside a cgroup-v1 memory limit
(as root; the page cache of the spill files counts against the limit and must be reclaimed), with and without
spilling. Usage: python bench/experiments/memory_cap.py [CAP_GIB]  (default 3.3 = 1.5 × the seed size's 2.21 GiB)."""
import os, subprocess, sys, tempfile, time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import bench_memory as B

cap = float(sys.argv[1]) if len(sys.argv) > 1 else 3.3
cg = Path('/sys/fs/cgroup/memory/seg3d_cap')
cg.mkdir(exist_ok=True)
(cg/'memory.limit_in_bytes').write_text(str(int(cap * 2**30)))
tmp = Path(tempfile.mkdtemp(prefix='memory_cap_'))
grid, raw = B.SIZES['4x']
ckpt, inp = B.make_case(tmp, grid, raw)
for spill in ('none', str(tmp/'spill')):
    (tmp/'spill').mkdir(exist_ok=True)
    code = f'''
from seg3d.core import hold_freed_memory
hold_freed_memory()
from seg3d.inference import predict_folder
rep = predict_folder({str(inp)!r}, {str(tmp/'out')!r}, {str(ckpt)!r}, progress=False, precision='bf16', overwrite=True,
                     spill={None if spill == 'none' else spill!r})
print(rep['cases'][0]['status'], rep['cases'][0].get('error'))'''
    t = time.time()
    r = subprocess.run(['sh', '-c', f'echo $$ > {cg}/cgroup.procs && exec {sys.executable} -c "$0"', code],
                       capture_output=True, text=True)
    print(f"cap {cap} GiB, spill {spill}: exit {r.returncode} ({'killed' if r.returncode == -9 or r.returncode == 137 else r.stdout.strip()[-80:]}), "
          f"{time.time() - t:.0f} s, cgroup peak {int((cg/'memory.max_usage_in_bytes').read_text()) / 2**30:.2f} GiB")
    (cg/'memory.max_usage_in_bytes').write_text('0')
