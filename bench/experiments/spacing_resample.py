"""What resampling to one voxel size (`PreprocessSettings.spacing`) costs beside the seed's XY fit, side by side.

python bench/experiments/spacing_resample.py [--shape X Y Z] [--rounds R]

A seed-size scan (400×900×20, 2 channels, 0.8×0.8×4 mm) goes onto the 512×1024×32 grid two ways: fitted in XY with Z
padded (the seed's), and at 0.7×0.7×2.5 mm, where every axis is resized (trilinear) and then padded or cropped.
Image, nearest label and linear label are each timed in alternating rounds (medians printed); MONAI's `Resize` +
`ResizeWithPadOrCrop` does the spacing plan's image too, when MONAI is installed.
"""
import argparse, sys, time
from pathlib import Path
import numpy as np, torch
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from common import machine
from seg3d.preprocess import plan_grid, resample_image, resample_label

if __name__ == '__main__':
    ap = argparse.ArgumentParser()
    ap.add_argument('--shape', type=int, nargs=3, default=[400, 900, 20])
    ap.add_argument('--rounds', type=int, default=5)
    a = ap.parse_args()
    shape, target = tuple(a.shape), (512, 1024, 32)
    rng = np.random.default_rng(0)
    img = rng.normal(size=(*shape, 2)).astype(np.float32, order='F')
    X, Y, Z = np.meshgrid(*[np.linspace(-1, 1, n, dtype=np.float32) for n in shape], indexing='ij')
    lab = np.asfortranarray(np.clip((np.sqrt(X ** 2 + Y ** 2 + Z ** 2) * 5).astype(np.uint8), 0, 4))
    plans = {'fitted (seed)': plan_grid(shape, target),
             'at 0.7×0.7×2.5 mm': plan_grid(shape, target, spacing=(0.8, 0.8, 4.0), target_spacing=(0.7, 0.7, 2.5))}
    jobs = {}
    for name, p in plans.items():
        jobs[(name, 'image')] = lambda p=p: resample_image(img, p)
        jobs[(name, 'label nearest')] = lambda p=p: resample_label(lab, p, 'nearest')
        jobs[(name, 'label linear')] = lambda p=p: resample_label(lab, p, 'linear')
    try:
        from monai.transforms import Resize, ResizeWithPadOrCrop
        p = plans['at 0.7×0.7×2.5 mm']
        chw = torch.from_numpy(np.ascontiguousarray(img.transpose(3, 0, 1, 2)))
        jobs[('at 0.7×0.7×2.5 mm', 'image, MONAI')] = lambda: ResizeWithPadOrCrop(target)(
            Resize(p['mid_shape'], mode='trilinear', align_corners=False, anti_aliasing=False)(chw))
    except ImportError: pass
    times = {k: [] for k in jobs}
    for fn in jobs.values(): fn()                                    # warm-up
    for r in range(a.rounds):
        for k in (list(jobs) if r % 2 == 0 else list(jobs)[::-1]):  # alternating order
            t = time.perf_counter(); jobs[k](); times[k].append(time.perf_counter() - t)
    print(f"{machine()}\n{shape} × 2 channels → {target}; resized grid at the target spacing "
          f"{plans['at 0.7×0.7×2.5 mm']['mid_shape']}; medians of {a.rounds} alternating rounds\n")
    print('| plan | step | seconds | / fitted |\n|---|---|---|---|')
    for (name, step), ts in times.items():
        base = np.median(times[('fitted (seed)', step.replace(', MONAI', ''))])
        print(f"| {name} | {step} | {np.median(ts):.3f} | {np.median(ts) / base:.2f} |")
