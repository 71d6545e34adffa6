"""What reading a 3D Slicer segmentation costs beside the same label map as NIfTI (`load_label`, side by side).

python bench/experiments/slicer_labels.py [--shape X Y Z] [--segments N] [--rounds R]

One label map of N classes (nested boxes, all classes present) is written as .nii.gz, as a one-layer .seg.nrrd, as a
.seg.nrrd whose segments were drawn in the reverse order (read with names: every value remapped) and as a two-layer
.seg.nrrd; each is read with `load_label`, alternating, and the median of the rounds is printed with its ratio to NIfTI.
"""
import argparse, sys, tempfile, time
from pathlib import Path
import numpy as np
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from common import machine
from seg3d.preprocess import _nii, _write_seg_nrrd, load_label, class_values

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--shape', type=int, nargs=3, default=[512, 512, 200])
    p.add_argument('--segments', type=int, default=20)
    p.add_argument('--rounds', type=int, default=3)
    a = p.parse_args()
    X, Y, Z = a.shape
    lab = np.zeros(a.shape, np.uint8)
    for k in range(1, a.segments + 1):                    # shrinking boxes: class k inside class k-1
        m = [int(n * k / (2.5 * a.segments)) for n in a.shape]
        lab[m[0]:X - m[0], m[1]:Y - m[1], m[2]:Z - m[2]] = k
    A = np.diag([0.8, 0.8, 1.5, 1.0])
    names = [f'structure {k}' for k in range(1, a.segments + 1)]
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        files = {'NIfTI .nii.gz': (_nii(d/'l.nii.gz', lab, A), None)}
        one = [(n, 0, k + 1) for k, n in enumerate(names)]
        files['.seg.nrrd, one layer'] = (_write_seg_nrrd(d/'a.seg.nrrd', lab, A, one), None)
        rev = np.where(lab > 0, a.segments + 1 - lab, 0).astype(np.uint8)
        by_name = class_values(['background'] + names)
        backwards = [(names[a.segments - 1 - k], 0, k + 1) for k in range(a.segments)]
        files['.seg.nrrd, reverse order, by name'] = (_write_seg_nrrd(d/'r.seg.nrrd', rev, A, backwards), by_name)
        two = np.stack([np.where(lab % 2 == 1, lab, 0), np.where((lab % 2 == 0) & (lab > 0), lab, 0)])
        layered = [(n, int((k + 1) % 2 == 0), k + 1) for k, n in enumerate(names)]
        files['.seg.nrrd, two layers'] = (_write_seg_nrrd(d/'t.seg.nrrd', two, A, layered), None)
        times = {k: [] for k in files}
        for r in range(a.rounds):
            for k in (list(files) if r % 2 == 0 else list(files)[::-1]):
                f, nm = files[k]
                t0 = time.perf_counter(); got = load_label(f, names=nm)[0]; times[k].append(time.perf_counter() - t0)
                assert np.array_equal(got, lab), k
        print(machine())
        print(f"label map {X}×{Y}×{Z} ({lab.size / 1e6:.0f} M voxels), {a.segments} classes; median of {a.rounds} rounds")
        base = np.median(times['NIfTI .nii.gz'])
        for k, t in times.items(): print(f"  {k:38} {np.median(t):6.2f} s  {np.median(t) / base:5.2f}× NIfTI")
