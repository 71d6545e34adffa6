"Shared fixtures: tiny raw and preprocessed datasets made of spheres and boxes; each test worker's share of the CPUs."
import os
import numpy as np, pytest, torch
from pathlib import Path
from seg3d.preprocess import _nii, PreprocessSettings, preprocess_dataset

def cpu_share() -> int:
    "The CPU threads one test worker may use: all of them, or an equal share under pytest-xdist (`make test`'s `-n`)"
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else os.cpu_count() or 1
    return max(1, cpus // int(os.environ.get('PYTEST_XDIST_WORKER_COUNT', '1')))

# Two workers each running 2-thread kernels on 2 cores would fight over them; the notebooks' kernels, the command-line
# tools and torchrun that a test starts inherit the share through OMP_NUM_THREADS.
if 'PYTEST_XDIST_WORKER' in os.environ:
    os.environ['OMP_NUM_THREADS'] = str(cpu_share())
    torch.set_num_threads(int(os.environ['OMP_NUM_THREADS']))

def make_raw(root:Path, n:int=6, shape=(20, 24, 12), seed:int=0) -> Path:
    "n cases: 2-channel images with a sphere (class 1-2) and a box (class 3-4), labels in 0..4"
    rng = np.random.default_rng(seed)
    zz = np.stack(np.meshgrid(*[np.arange(s) for s in shape], indexing='ij'), -1)
    for i in range(n):
        c = np.array(shape) / 2 + rng.uniform(-2, 2, 3)
        ball = ((zz - c)**2).sum(-1) < (min(shape) / 3)**2
        box = np.zeros(shape, bool); box[2:6, 3:9, 2:5] = True
        lab = (ball * (1 + (zz[..., 0] >= shape[0] / 2)) + box * 3).astype(np.uint8)
        img = np.stack([lab * 10 + rng.normal(0, 1, shape), (lab > 0) * 5 + rng.normal(0, 1, shape)], -1).astype(np.float32)
        aff = np.diag([1.5, 1.5, 3.0, 1.0])
        _nii(root/'images'/f'case_{i:02d}.nii.gz', img, aff); _nii(root/'labels'/f'case_{i:02d}.nii.gz', lab, aff)
    return root

@pytest.fixture(scope='session')
def tiny_pre(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp('tiny')
    make_raw(root/'raw')
    preprocess_dataset(root/'raw', root/'pre', PreprocessSettings(target=(32, 32, 16), channels=2, num_classes=5), workers=1, progress=False)
    return root/'pre'

@pytest.fixture(scope='session')
def docs_pages() -> list:
    "The docs preview rendered once per session into _preview/ (nbdev's processing + nbconvert; see tools/docs_preview.py)"
    import sys
    sys.path.insert(0, str(Path(__file__).parent.parent/'tools'))
    from docs_preview import render
    return render('_preview')
