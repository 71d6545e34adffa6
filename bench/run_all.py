"`make bench`: run every benchmark at its quick default size and write BENCHMARKS.md (pass --full for the seed's sizes)."
import subprocess, sys
from pathlib import Path
here = Path(__file__).parent
scripts = ['bench_preprocess.py', 'bench_model.py', 'bench_train.py', 'bench_cache.py', 'bench_inference.py', 'bench_metrics.py']
parts = ['# Benchmarks\n\nWritten by `make bench` (`bench/run_all.py`). Every figure is a median of repeats measured side by side in one run;\n'
         'ratios matter more than seconds on a shared machine. Each script runs standalone; `--full` gives the seed\'s sizes.\n'
         'The quick sizes below are small and noisy (this 2-core machine is shared); the issues\' goals are judged at the\n'
         'seed sizes in the last section.\n']
for s in scripts:
    print(f'running {s} ...', flush=True)
    r = subprocess.run([sys.executable, str(here/s), *sys.argv[1:]], capture_output=True, text=True, cwd=here)
    out = r.stdout[r.stdout.find('\n###'):] if '\n###' in r.stdout else r.stdout
    parts.append(out.strip() + '\n' if r.returncode == 0 else f'\n### {s}\n\nfailed:\n```\n{r.stderr[-1500:]}\n```\n')
    print(parts[-1], flush=True)
dest = here.parent/'BENCHMARKS.md'
kept = dest.read_text().split('\n## Seed sizes', 1) if dest.exists() else []
tail = '\n## Seed sizes' + kept[1] if len(kept) == 2 else ''      # hand-collected --full and GPU figures survive a rerun
dest.write_text('\n'.join(parts) + tail)
