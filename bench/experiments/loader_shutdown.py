"""How long freeing a trained `Learner` takes once `fit` has ended: with `fit` ending its loaders' worker processes
(`release_workers`, session 23) and without (a no-op in its place, as before), each in a fresh process, one after the
other. A `Learner` and its callbacks refer to each other, so the cycle collector frees it; without the release PyTorch
then waits up to its 5 s join timeout for each worker. Prints seconds of `del learn; gc.collect()` and the workers' exit codes.
`python bench/experiments/loader_shutdown.py [--workers 2]`"""
import argparse, dataclasses, gc, json, platform, subprocess, sys, tempfile, time
from pathlib import Path

def child(data:str, out:str, workers:int, release:bool):
    "One run in this process: train 1 epoch on `data`, free the Learner, print a JSON line"
    from unittest import mock
    import seg3d.train
    from seg3d.demo import demo_config
    cfg = dataclasses.replace(demo_config(Path(data).parent), data_dir=data, out_dir=out, epochs=1, num_workers=workers)
    class Spy(seg3d.train.Callback):                  # the workers, seen while they work
        def after_epoch(self): self.procs = [w for dl in (self.learn.train_dl, self.learn.val_dl) for w in dl._iterator._workers]
    spy = Spy()
    with mock.patch.object(seg3d.train, 'release_workers', seg3d.train.release_workers if release else lambda dl: 0):
        learn = seg3d.train.train(cfg, progress='none', cbs=[spy])
    procs = spy.procs; del spy
    t = time.perf_counter(); del learn; gc.collect(); secs = time.perf_counter() - t
    for w in procs: w.join(10)
    print(json.dumps(dict(release=release, seconds=round(secs, 2), exitcodes=[w.exitcode for w in procs])))

if __name__ == '__main__':
    a = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    a.add_argument('--workers', type=int, default=2, help="DataLoader workers per loader")
    a.add_argument('--child', nargs=3, help=argparse.SUPPRESS)
    args = a.parse_args()
    if args.child: child(args.child[0], args.child[1], args.workers, args.child[2] == '1'); sys.exit()
    from seg3d.data import make_demo_cohort
    from seg3d.preprocess import PreprocessSettings, preprocess_dataset
    print(f"{platform.processor() or platform.machine()}; {args.workers} worker(s) per loader")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        make_demo_cohort(tmp/'raw', n=8, seed=0)
        preprocess_dataset(tmp/'raw', tmp/'pre', PreprocessSettings(target=(64, 80, 32), channels=2, num_classes=5),
                           workers=1, progress=False)
        for i, release in enumerate((True, False)):
            r = subprocess.run([sys.executable, __file__, '--workers', str(args.workers), '--child', str(tmp/'pre'),
                                str(tmp/f'm{i}'), '1' if release else '0'], capture_output=True, text=True, check=True)
            res = json.loads(r.stdout.strip().splitlines()[-1])
            print(f"{'fit releases the workers' if release else 'left to the collector  '}: free the Learner "
                  f"{res['seconds']:6.2f} s, worker exit codes {res['exitcodes']}")
