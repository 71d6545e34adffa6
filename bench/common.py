"Helpers shared by the benchmark scripts: medians of repeats, machine facts, peak memory of a child process."
import json, os, platform, statistics, subprocess, sys, time
from datetime import date

def median_time(fn, repeats=3, warmup=1):
    "Median wall time of `fn()` over `repeats` runs after `warmup` runs"
    for _ in range(warmup): fn()
    ts = []
    for _ in range(repeats):
        t = time.perf_counter(); fn(); ts.append(time.perf_counter() - t)
    return statistics.median(ts)

def machine() -> str:
    import torch
    cpu = next((l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name')), platform.processor())
    return f"{date.today()} · {cpu} · {os.cpu_count()} cores · torch {torch.__version__} ({torch.get_num_threads()} threads) · Python {platform.python_version()}"

def peak_rss_of(code:str) -> tuple:
    "Run `code` in a fresh Python; returns (peak RSS in GiB, whatever it printed last as JSON)"
    r = subprocess.run([sys.executable, '-c', code + "\nimport resource, json; print(json.dumps(dict(rss=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)))"],
                       capture_output=True, text=True)
    if r.returncode: raise RuntimeError(r.stderr[-2000:])
    lines = [json.loads(l) for l in r.stdout.splitlines() if l.startswith('{')]
    return lines[-1]['rss'] / 2**20, lines[:-1]

def row(*cells):
    "One Markdown table row (at least three cells)"
    cells = cells + ("",) * (3 - len(cells))
    print("| " + " | ".join(str(c) for c in cells) + " |", flush=True)
