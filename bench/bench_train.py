"""Training throughput: bf16 vs fp32 step on the demo model, and epoch wall time vs the sum of the steps' compute time
(data loading hidden by workers and the cache)."""
import argparse, shutil, tempfile, time, dataclasses
from pathlib import Path
from seg3d.preprocess import PreprocessSettings, preprocess_dataset
from seg3d.data import make_demo_cohort
from seg3d.demo import demo_config
from seg3d.train import build_learner, Callback
from common import machine, row

class StepTimer(Callback):
    "Compute time of each batch: from the batch on the device to after the optimizer step"
    order = 100
    def before_fit(self): self.compute, self.epochs = [], []
    def before_epoch(self): self.t_epoch, self.compute = time.perf_counter(), []
    def before_batch(self): self.t = time.perf_counter()
    def after_batch(self): self.compute.append(time.perf_counter() - self.t)
    def after_train(self): self.epochs.append((time.perf_counter() - self.t_epoch, sum(self.compute)))

if __name__ == '__main__':
    ap = argparse.ArgumentParser(); ap.add_argument('--subjects', type=int, default=12); ap.add_argument('--epochs', type=int, default=3); a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp())
    make_demo_cohort(tmp/'raw', n=a.subjects, seed=0)
    preprocess_dataset(tmp/'raw', tmp/'preprocessed', PreprocessSettings(target=(64, 80, 32), channels=2, num_classes=5), workers=2, progress=False)
    import nibabel as nib, numpy as np
    from seg3d.data import preprocessed_cases, build_cache, SegDataset
    cases = preprocessed_cases(tmp/'preprocessed', verbose=False)
    t0 = time.perf_counter()
    for c in cases: nib.load(tmp/'preprocessed'/'images'/f'{c}.nii.gz').get_fdata(dtype=np.float32); np.asanyarray(nib.load(tmp/'preprocessed'/'labels'/f'{c}.nii.gz').dataobj)
    t_gz = time.perf_counter() - t0
    t0 = time.perf_counter(); metas = build_cache(tmp/'preprocessed', cases, verbose=False); t_build = time.perf_counter() - t0
    ds = SegDataset(tmp/'preprocessed', cases, demo_config(tmp), metas=metas)
    t0 = time.perf_counter()
    for i in range(len(ds)): ds[i]
    t_cache = time.perf_counter() - t0
    res = {}
    for prec in ('bf16', 'fp32'):
        cfg = dataclasses.replace(demo_config(tmp, epochs=a.epochs), precision=prec, out_dir=str(tmp/f'm_{prec}'), early_stop=False)
        timer = StepTimer(); learn = build_learner(cfg, progress='none', cbs=[timer]); learn.fit()
        res[prec] = timer.epochs[1:] or timer.epochs                              # first epoch warms up workers
    wall = {k: sum(e[0] for e in v) / len(v) for k, v in res.items()}; comp = {k: sum(e[1] for e in v) / len(v) for k, v in res.items()}
    print(f"\n### Training epoch, demo model on {a.subjects} subjects at 64×80×32 (batch 2, 2 loader workers, cache)\n\n{machine()}\n\n| measure | value | note |\n|---|---|---|")
    row('epoch (train part) bf16', f"{wall['bf16']:.2f} s", f"compute {comp['bf16']:.2f} s → wall/compute {wall['bf16'] / comp['bf16']:.2f} (goal ≤ 1.10)")
    row('epoch data, reading .nii.gz', f'{t_gz:.2f} s', f'{len(cases)} cases, decompression only')
    row(f"epoch data, from the cache ({metas[cases[0]]['format']})", f'{t_cache:.2f} s', f'{t_gz / t_cache:.1f}× faster, incl. normalization; cache built once in {t_build:.1f} s')
    row('epoch (train part) fp32', f"{wall['fp32']:.2f} s", f"bf16 is {comp['fp32'] / comp['bf16']:.2f}× faster in compute")
    shutil.rmtree(tmp, ignore_errors=True)
