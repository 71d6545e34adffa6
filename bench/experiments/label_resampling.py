"""`label_resampling='linear'` against 'nearest' (#21 item 4), side by side:
1. cost at the seed's size: one 400×900×20 label map of 5 classes → 512×1024×32, seconds of each and their ratio;
2. with a raw demo cohort folder (`seg3d_demo OUT` writes OUT/raw): how much the two rules disagree on the demo's
   64×80×32 grid — mean foreground Dice between the two label maps per subject.
`python bench/experiments/label_resampling.py [OUT/raw]`"""
import sys, time, glob, resource
import numpy as np, torch, nibabel as nib
from seg3d.preprocess import resample_label, plan_grid

def timed(lab, p, mode, reps=3):
    ts = []
    for _ in range(reps):
        t = time.perf_counter()
        out = resample_label(lab, p, mode)
        ts.append(time.perf_counter() - t)
    return float(np.median(ts)), out

def fg_dice(a, b, k=5):
    return float(np.mean([2 * ((a == c) & (b == c)).sum() / max(1, (a == c).sum() + (b == c).sum()) for c in range(1, k)]))

if __name__ == '__main__':
    torch.set_num_threads(2)
    X, Y, Z = np.meshgrid(np.linspace(-1, 1, 400), np.linspace(-1, 1, 900), np.linspace(-1, 1, 20), indexing='ij')
    r = np.sqrt(X**2 + Y**2 + Z**2) + 0.05 * np.sin(9 * X) * np.cos(7 * Y)
    lab = np.asfortranarray(np.select([r < 0.35, r < 0.5, r < 0.7, r < 0.8], [4 - (X < 0), 2 - (X < 0), 3, 1], 0)
                            .astype(np.uint8))
    p = plan_grid(lab.shape, (512, 1024, 32))
    tn, n = timed(lab, p, 'nearest')
    tl, l = timed(lab, p, 'linear')
    print(f"seed size {lab.shape} → {tuple(p['out_shape'])} ({p['z_mode']}): nearest {tn:.3f} s, linear {tl:.3f} s "
          f"({tl / tn:.1f}×), voxels that differ {np.mean(n != l):.2%}, "
          f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f} GiB")
    if len(sys.argv) > 1:
        ds = []
        for f in sorted(glob.glob(f'{sys.argv[1]}/labels/*.nii*')):
            lab = np.asarray(nib.load(f).dataobj)
            p = plan_grid(lab.shape, (64, 80, 32))
            ds.append(fg_dice(resample_label(lab, p, 'nearest'), resample_label(lab, p, 'linear')))
        print(f"demo cohort, {len(ds)} subjects on 64×80×32: mean foreground Dice between the two rules "
              f"{np.mean(ds):.4f} (min {np.min(ds):.4f}, max {np.max(ds):.4f})")
