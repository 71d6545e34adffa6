"""Execute notebooks through a real Jupyter kernel (nbclient + ipykernel), every cell, no skip flags: what *Run All* does.

    python tools/run_notebooks.py            # check: run copies in a scratch folder, print seconds per notebook
    python tools/run_notebooks.py --inplace  # re-execute nbs/ in place and store the outputs (then nbdev_clean)

Copies run in a scratch copy of `nbs/`, `seg3d/` and `settings.ini`, so the notebooks' closing `nbdev_export()` cell
writes there and nothing under the repository changes. The kernel gets matplotlib's inline backend (MPLBACKEND is
removed from its environment), as a person's Jupyter does."""
import argparse, os, shutil, subprocess, sys, tempfile, time
from pathlib import Path
import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NBS = ROOT/'nbs'

def notebooks(root:Path=NBS) -> list:
    "Every notebook nbdev would process: none under a folder or with a name starting with '_' or '.'"
    return sorted(p for p in root.rglob('*.ipynb') if not any(x.startswith(('_', '.')) for x in p.relative_to(root).parts))

# A guard against a hung cell, not a speed check: on a 2-core CPU with AVX2 only (fp32: no fast bf16 there) the demo
# notebook's multitask cell once ran past 10 minutes (whole-volume training; on patches the whole notebook takes ~9).
CELL_TIMEOUT = 1800

def execute(path:Path, cwd:Path, timeout:int=CELL_TIMEOUT) -> tuple:
    "Run every cell of the notebook at `path` with `cwd` as working folder; returns (executed notebook, seconds)"
    nb = nbformat.read(path, as_version=4)
    env = {k: v for k, v in os.environ.items() if k not in ('MPLBACKEND', 'IN_TEST')}
    client = NotebookClient(nb, timeout=timeout, kernel_name='python3', resources={'metadata': {'path': str(cwd)}},
                            allow_errors=False)
    t0 = time.time()
    client.execute(env=env)                                # jupyter_client starts the kernel with exactly this environment
    nb.metadata.pop('widgets', None)                       # live widget state: widgets leave static pictures instead
    return nb, time.time() - t0

def scratch_copy(dest:Path) -> Path:
    "A copy of what the notebooks need to run and export: nbs/, seg3d/, settings.ini; returns the copied nbs/"
    for name in ('nbs', 'seg3d'): shutil.copytree(ROOT/name, dest/name, ignore=shutil.ignore_patterns('_proc', '__pycache__'))
    for name in ('settings.ini', 'README.md', 'setup.py'): shutil.copy(ROOT/name, dest/name)
    return dest/'nbs'

def run_copies(paths:list) -> dict:
    "Execute copies of `paths` (notebooks under nbs/) in a scratch folder; returns seconds per notebook"
    seconds = {}
    with tempfile.TemporaryDirectory(prefix='seg3d_nbs_') as tmp:
        nbs = scratch_copy(Path(tmp))
        for p in paths:
            copy = nbs/p.resolve().relative_to(NBS)
            _, seconds[str(p.resolve().relative_to(NBS))] = execute(copy, copy.parent)
    return seconds

def run_inplace(paths:list) -> dict:
    "Re-execute `paths` in place, store their outputs, then let nbdev_clean strip execution counts and metadata"
    seconds = {}
    for p in paths:
        nb, seconds[str(p.resolve().relative_to(NBS))] = execute(p, p.parent)
        nbformat.write(nb, p)
    subprocess.run(['nbdev_clean'], cwd=ROOT, check=True)
    return seconds

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('notebooks', nargs='*', type=Path, help="notebooks to run (default: all under nbs/)")
    ap.add_argument('--inplace', action='store_true', help="store the outputs in nbs/ instead of running copies")
    a = ap.parse_args()
    paths = a.notebooks or notebooks()
    t0 = time.time()
    secs = (run_inplace if a.inplace else run_copies)(paths)
    for k, v in secs.items(): print(f"{k:45} {v:6.1f} s")
    print(f"{'all':45} {time.time() - t0:6.1f} s")
