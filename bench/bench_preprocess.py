"""Preprocessing vs the I/O floor, 1 vs 2 workers, resize vs MONAI — ratios measured side by side in one run.
Default: 200×450×20×2 inputs (quick); --full: the issue's 400×900×20×2 inputs onto 512×1024×32."""
import argparse, shutil, tempfile
from pathlib import Path
import numpy as np, nibabel as nib, torch
from seg3d.preprocess import PreprocessSettings, preprocess_dataset, dataset_fingerprint, resample_image, plan_grid, _nii, save_nifti
from common import median_time, machine, row

def make_raw(root, n, shape):
    rng = np.random.default_rng(0)
    for i in range(n):
        img = (rng.normal(size=(*shape, 2)) * 100).astype(np.float32)
        _nii(root/'images'/f'c{i}.nii.gz', img, np.diag([0.8, 0.8, 4, 1])); _nii(root/'labels'/f'c{i}.nii.gz', rng.integers(0, 5, shape).astype(np.uint8), np.diag([0.8, 0.8, 4, 1]))

def io_floor(raw, done, out, n):
    "nibabel reading the same inputs and writing the same outputs (held in memory) with the same compression"
    outs = [(nib.load(done/'images'/f'c{i}.nii.gz').get_fdata(dtype=np.float32), np.asanyarray(nib.load(done/'labels'/f'c{i}.nii.gz').dataobj)) for i in range(n)]
    def run():
        for i, (img, lab) in enumerate(outs):
            nib.load(raw/'images'/f'c{i}.nii.gz').get_fdata(dtype=np.float32); np.asanyarray(nib.load(raw/'labels'/f'c{i}.nii.gz').dataobj)
            save_nifti(out/f'i{i}.nii.gz', img, np.eye(4)); save_nifti(out/f'l{i}.nii.gz', lab, np.eye(4))
    return run

if __name__ == '__main__':
    ap = argparse.ArgumentParser(); ap.add_argument('--full', action='store_true'); ap.add_argument('--n', type=int, default=8); a = ap.parse_args()
    shape, target = ((400, 900, 20), (512, 1024, 32)) if a.full else ((200, 450, 20), (256, 512, 32))
    tmp = Path(tempfile.mkdtemp()); make_raw(tmp/'raw', a.n, shape)
    s = PreprocessSettings(target=target, channels=2, num_classes=5)
    def run(workers, tag): preprocess_dataset(tmp/'raw', tmp/f'out_{tag}', s, workers=workers, overwrite=True, progress=False)
    t1 = median_time(lambda: run(1, 'w1'), repeats=2) / a.n
    t_io = median_time(io_floor(tmp/'raw', tmp/'out_w1', tmp/'io', a.n), repeats=2) / a.n
    t2 = median_time(lambda: run(2, 'w2'), repeats=2) / a.n                      # includes the fingerprint (overwrite: made afresh)
    t_fp = median_time(lambda: dataset_fingerprint(tmp/'raw', workers=2, progress=False), repeats=2) / a.n
    import resource; peak_worker = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20   # largest worker process
    img = (np.random.default_rng(1).normal(size=(*shape, 2))).astype(np.float32, order='F')
    t_ours = median_time(lambda: resample_image(img, plan_grid(shape, target)), repeats=5)
    print(f"\n### Preprocessing ({shape[0]}×{shape[1]}×{shape[2]}×2 → {target[0]}×{target[1]}×{target[2]}, {a.n} cases)\n\n{machine()}\n\n| measure | value | note |\n|---|---|---|")
    row('I/O floor per case', f'{t_io:.2f} s', 'nibabel read + write of same-size .nii.gz (level 1)')
    row('preprocess per case, 1 worker', f'{t1:.2f} s', f'{t1 / t_io:.2f}× the I/O floor (goal ≤ 1.25×)')
    row('preprocess per case, 2 workers', f'{t2:.2f} s', f'{t1 / t2:.2f}× faster than 1 worker (goal ≥ 1.7×; this process + 1 spawned worker, which imports torch)')
    row('fingerprint per case, 2 workers', f'{t_fp:.2f} s', f"adds {t_fp / (t2 - t_fp):.0%} to preprocessing without it "
        "(goal ≤ 50 %; seg3d_preprocess fingerprints first, or reuses a fingerprint whose input hashes match)")
    row('peak memory of a worker', f'{peak_worker:.2f} GiB', 'largest child process (ru_maxrss)')
    row('resize (ours, torch)', f'{t_ours:.3f} s', 'bilinear XY + Z pad, 2 threads')
    try:
        from monai.transforms import Resize
        chw = torch.from_numpy(np.ascontiguousarray(img.transpose(3, 0, 1, 2)))
        t_m = median_time(lambda: Resize((*target[:2], shape[2]), mode='trilinear', align_corners=False, anti_aliasing=False)(chw), repeats=5)
        row('resize (MONAI Resize)', f'{t_m:.3f} s', f'ours is {t_m / t_ours:.2f}× MONAI speed')
    except ImportError: row('resize (MONAI)', 'n/a', 'monai not installed')
    shutil.rmtree(tmp, ignore_errors=True)
