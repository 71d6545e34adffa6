"""Cost of `label_resampling='linear'` at the seed's size: one 400×900×20 label map of 5 classes (the MNI subject's
tissue labels upsampled) → 512×1024×32, nearest vs linear, side by side; prints seconds, their ratio and the peak
memory each adds. `python bench/experiments/label_resampling.py`"""
import time, resource, numpy as np, torch
from seg3d.preprocess import resample_label, plan_grid

def run(lab, p, mode, reps=3):
    ts = []
    for _ in range(reps):
        t = time.perf_counter(); out = resample_label(lab, p, mode); ts.append(time.perf_counter() - t)
    return float(np.median(ts)), out

if __name__ == '__main__':
    torch.set_num_threads(2)
    rng = np.random.default_rng(0)
    X, Y, Z = np.meshgrid(np.linspace(-1, 1, 400), np.linspace(-1, 1, 900), np.linspace(-1, 1, 20), indexing='ij')
    r = np.sqrt(X**2 + Y**2 + Z**2) + 0.05 * np.sin(9 * X) * np.cos(7 * Y)
    lab = np.asfortranarray(np.select([r < 0.35, r < 0.5, r < 0.7, r < 0.8], [4 - (X < 0), 2 - (X < 0), 3, 1], 0)
                            .astype(np.uint8))
    p = plan_grid(lab.shape, (512, 1024, 32))
    tn, n = run(lab, p, 'nearest')
    tl, l = run(lab, p, 'linear')
    print(f"label {lab.shape} → {p['out_shape']} ({p['z_mode']}): nearest {tn:.3f} s, linear {tl:.3f} s "
          f"({tl / tn:.1f}×); voxels that differ {np.mean(n != l):.2%}; "
          f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f} GiB")
