"""The training cache at the seed's scale (#22): bytes per case, build time, decode time per patch and the largest
error of each cache format, for two 2×32×1024×512 cases side by side — an MNI demo subject preprocessed onto the seed's
grid (smooth anatomy with its noise, background around it) and pure Gaussian noise (the incompressible worst case)."""
import argparse, shutil, tempfile, time
from pathlib import Path
import numpy as np, nibabel as nib
from seg3d.preprocess import PreprocessSettings, preprocess_dataset, _nii
from seg3d.data import make_demo_cohort, build_cache, CACHE_FORMATS, _cache_files, _read_image, _read_label
from common import machine, row

SEED = 488            # cases in the seed's dataset

def noise_case(pre:Path, case:str, shape=(512, 1024, 32)):
    "A preprocessed case of Gaussian noise (float32) with a random 5-class label, in the preprocessed layout"
    rng = np.random.default_rng(0)
    _nii(pre/'images'/f'{case}.nii.gz', rng.normal(100, 30, (*shape, 2)).astype(np.float32), np.eye(4))
    _nii(pre/'labels'/f'{case}.nii.gz', rng.integers(0, 5, shape).astype(np.uint8), np.eye(4))

if __name__ == '__main__':
    ap = argparse.ArgumentParser(); ap.add_argument('--patches', type=int, default=10); a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp())
    make_demo_cohort(tmp/'raw', n=1, seed=0)
    preprocess_dataset(tmp/'raw', tmp/'pre', PreprocessSettings(target=(512, 1024, 32), channels=2, num_classes=5), workers=1, progress=False)
    noise_case(tmp/'pre', 'noise')
    print(f"\n### Training cache at the seed's size: one 2×32×1024×512 case (float32 144 MiB with its labels)\n\n{machine()}\n")
    print("| case | format | bytes per case | 488 cases | build | decode 32×256×256 patch | decode whole case | largest error (std) |\n|---|---|---|---|---|---|---|---|")
    rng = np.random.default_rng(1)
    for case, what in (('sub-000', 'MNI subject'), ('noise', 'Gaussian noise')):
        ref = nib.load(tmp/'pre'/'images'/f'{case}.nii.gz').get_fdata(dtype=np.float32).T
        starts = [(0, int(rng.integers(0, 1024 - 256)), int(rng.integers(0, 512 - 256))) for _ in range(a.patches)]
        for fmt in CACHE_FORMATS:
            cache = tmp/f'cache_{fmt}'
            t0 = time.perf_counter(); m = build_cache(tmp/'pre', [case], cache, verbose=False, fmt=fmt)[case]; t_build = time.perf_counter() - t0
            size = sum(f.stat().st_size for f in _cache_files(cache, case, fmt).values())
            t0 = time.perf_counter()
            for s in starts:
                region = [slice(z, z + d) for z, d in zip(s, (32, 256, 256))]
                _read_image(cache, case, m, region); _read_label(cache, case, m, region)
            t_patch = (time.perf_counter() - t0) / len(starts)
            t0 = time.perf_counter(); whole = _read_image(cache, case, m); t_whole = time.perf_counter() - t0
            err = float((np.abs(whole - ref).max((1, 2, 3)) / ref.std((1, 2, 3))).max())
            row(what, fmt, f"{size / 2**20:.1f} MiB", f"{size * SEED / 2**30:.1f} GiB", f"{t_build:.2f} s", f"{t_patch * 1e3:.0f} ms",
                f"{t_whole:.2f} s", f"{err:.1e}")
            shutil.rmtree(cache, ignore_errors=True)
    shutil.rmtree(tmp, ignore_errors=True)
