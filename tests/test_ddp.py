"Data-parallel training under torchrun (gloo, 2 CPU processes) agrees across ranks and with one process at the same global batch."
import json, subprocess, sys, textwrap
import torch
from seg3d.core import assert_close_rel, REL_FP32

SCRIPT = textwrap.dedent('''
    import sys, json, torch, torch.distributed as dist
    from seg3d.data import Config
    from seg3d.train import train, Callback
    from seg3d.core import unwrap_model
    out, data, batch = sys.argv[1], sys.argv[2], int(sys.argv[3])
    sgd, ds = 'sgd' in sys.argv[4:], 'ds' in sys.argv[4:]        # plain SGD; deep supervision at 1/2 and 1/4
    auto = dict(patch_size='auto', memory_gb=100.0) if 'auto' in sys.argv[4:] else {}   # planned: the whole grid
    class PlainSGD(Callback):                    # weights that move by lr × gradient: comparable element by element
        order = -20
        def before_fit(self): self.learn.opt = torch.optim.SGD(self.learn.model.parameters(), lr=0.01)
    class GradSpy(Callback):
        grads = None
        def before_step(self):
            if self.grads is None: self.grads = [p.grad.clone() for p in self.learn.model.parameters()]
    class FailOnRank1(Callback):               # an error on one rank only, after its first batch
        def after_batch(self):
            if self.learn.rank == 1 and self.learn.epoch == 0 and self.learn.i == 0: raise RuntimeError('failed on rank 1')
    class StopOnRank1(Callback):               # a stop asked on one rank only, after its first batch
        def after_batch(self):
            l = self.learn
            if l.rank == 1 and l.epoch == 0 and l.i == 0: l.stop, l.stop_reason = True, 'asked on rank 1'
    spy = GradSpy()
    cfg = Config(data_dir=data, out_dir=out, target_shape=[32, 32, 16], epochs=2, batch_size=batch, num_workers=0, precision='fp32',
                 lr=1e-4, class_weights=[1.0] * 5, split=[0.6, 0.2, 0.2], seed=3, **auto,
                 model=dict(block='basic', layers=[1, 1, 1, 1], width=4, skip='add', dropout=0.0, norm='instance',
                            deep_supervision=2 if ds else 0))
    learn = train(cfg, progress='none', cbs=[spy] + ([PlainSGD()] if sgd else []) + [c() for c, flag in ((StopOnRank1, 'stop1'), (FailOnRank1, 'fail1')) if flag in sys.argv[4:]])
    rank = dist.get_rank() if dist.is_initialized() else 0
    m = unwrap_model(learn.model)
    torch.save(dict(state=m.state_dict(), grads=spy.grads, history=learn.history, stop_reason=learn.stop_reason), f"{out}/rank{rank}.pt")
''')

def test_ddp_matches_single_process(tiny_pre, tmp_path):
    script = tmp_path/'run.py'; script.write_text(SCRIPT)
    ddp = subprocess.run([sys.executable, '-m', 'torch.distributed.run', '--standalone', '--nproc_per_node', '2', str(script),
                          str(tmp_path/'ddp'), str(tiny_pre), '1'], capture_output=True, text=True, timeout=600)
    assert ddp.returncode == 0, ddp.stderr[-3000:]
    single = subprocess.run([sys.executable, str(script), str(tmp_path/'single'), str(tiny_pre), '2'], capture_output=True, text=True, timeout=600)
    assert single.returncode == 0, single.stderr[-3000:]
    r0, r1, s = [torch.load(tmp_path/d/f, weights_only=True) for d, f in (('ddp', 'rank0.pt'), ('ddp', 'rank1.pt'), ('single', 'rank0.pt'))]
    for k in r0['state']: assert torch.equal(r0['state'][k], r1['state'][k]), f"ranks differ in {k}"
    flat = [torch.cat([g.flatten() for g in r['grads']]) for r in (r0, s)]   # the model's gradient as one vector
    assert_close_rel(flat[0], flat[1], what='DDP gradient')                  # DDP's averaged gradient = batch of 2
    for a, b in zip(r0['history'], s['history']):   # two epochs compound the rounding of the first step's different sums
        assert_close_rel([a['val_loss'], a['train_loss']], [b['val_loss'], b['train_loss']], rel=10 * REL_FP32, what='losses')
    assert (tmp_path/'ddp'/'last.pth').exists() and not (tmp_path/'ddp'/'rank1').exists()
    m = json.loads((tmp_path/'ddp'/'metrics_3d.json').read_text()); assert m['world_size'] == 2

def test_ddp_with_deep_supervision(tiny_pre, tmp_path):
    ("Deep supervision's heads take part in every rank's forward (DDP needs each parameter used), and the averaged"
     " gradient — the heads' included — is the one-process gradient of the batch of 2; patch_size 'auto' is rank 0's"
     " plan on every rank (here the whole grid: the same samples)")
    script = tmp_path/'run.py'; script.write_text(SCRIPT)
    ddp = subprocess.run([sys.executable, '-m', 'torch.distributed.run', '--standalone', '--nproc_per_node', '2', str(script),
                          str(tmp_path/'ddp'), str(tiny_pre), '1', 'ds', 'auto'], capture_output=True, text=True, timeout=600)
    assert ddp.returncode == 0, ddp.stderr[-3000:]
    single = subprocess.run([sys.executable, str(script), str(tmp_path/'single'), str(tiny_pre), '2', 'ds', 'auto'], capture_output=True, text=True, timeout=600)
    assert single.returncode == 0, single.stderr[-3000:]
    r0, r1, s = [torch.load(tmp_path/d/f, weights_only=True) for d, f in (('ddp', 'rank0.pt'), ('ddp', 'rank1.pt'), ('single', 'rank0.pt'))]
    assert {'deep.0.weight', 'deep.1.weight'} <= set(r0['state']) and 'deep.2.weight' not in r0['state']
    assert ddp.stdout.count("patch_size 'auto': [16, 32, 32]") == 1, ddp.stdout                # printed once, by rank 0
    for k in r0['state']: assert torch.equal(r0['state'][k], r1['state'][k]), f"ranks differ in {k}"
    flat = [torch.cat([g.flatten() for g in r['grads']]) for r in (r0, s)]
    assert_close_rel(flat[0], flat[1], what='DDP gradient with deep supervision')

def _free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]

def test_two_nodes_match_single_process(tiny_pre, tmp_path):
    "Multi-node data parallel through torchrun: two 'nodes' on 127.0.0.1 (c10d rendezvous, gloo) = one process, same global batch"
    import os
    script = tmp_path/'run.py'; script.write_text(SCRIPT)
    port = _free_port()
    node = lambda rank: [sys.executable, '-m', 'torch.distributed.run', '--nnodes', '2', '--node_rank', str(rank), '--nproc_per_node', '1',
                         '--rdzv_backend', 'c10d', '--rdzv_endpoint', f'127.0.0.1:{port}', '--rdzv_id', f'seg3d-{port}',
                         '--max_restarts', '0', str(script), str(tmp_path/'nodes'), str(tiny_pre), '1', 'sgd']
    env = dict(os.environ, GLOO_SOCKET_IFNAME='lo', MASTER_ADDR='127.0.0.1')
    procs = [subprocess.Popen(node(r), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) for r in (0, 1)]
    try: outs = [p.communicate(timeout=600) for p in procs]          # bounded: a hung rendezvous fails the test
    finally:
        for p in procs:
            if p.poll() is None: p.kill()
    for p, (_, err) in zip(procs, outs): assert p.returncode == 0, err[-3000:]
    single = subprocess.run([sys.executable, str(script), str(tmp_path/'single'), str(tiny_pre), '2', 'sgd'], capture_output=True, text=True,
                            timeout=600)
    assert single.returncode == 0, single.stderr[-3000:]
    n0, n1, s = [torch.load(tmp_path/d/f, weights_only=True) for d, f in (('nodes', 'rank0.pt'), ('nodes', 'rank1.pt'), ('single', 'rank0.pt'))]
    for k in n0['state']: assert torch.equal(n0['state'][k], n1['state'][k]), f"nodes differ in {k}"
    for a, b in zip(n0['grads'], s['grads']):                       # the first step's gradient, element by element
        assert torch.allclose(a, b, rtol=1e-4, atol=1e-6), 'two nodes vs one process: gradient'
    # The weights after two epochs of plain SGD (the run's Adam moves a weight whose gradient is ~0 by lr·g/|g|, which
    # turns rounding-level gradient differences into lr-sized weight differences: measured up to 8.6e-5 with Adam)
    for k in n0['state']:
        a, b = n0['state'][k].float(), s['state'][k].float()
        assert torch.allclose(a, b, rtol=1e-4, atol=1e-6), f"two nodes vs one process: {k} differs by {(a - b).abs().max():.2g}"
    assert json.loads((tmp_path/'nodes'/'metrics_3d.json').read_text())['world_size'] == 2

def test_ddp_with_a_case_level_task(tiny_pre, tmp_path):
    "Two ranks train a model with a classification head: same weights on both ranks, task metrics over every rank's cases"
    import shutil
    data = tmp_path/'pre'
    shutil.copytree(tiny_pre, data, ignore=shutil.ignore_patterns('.cache'))
    (data/'case_labels.csv').write_text('case,site\n' + ''.join(f"case_{i:02d},{'AB'[i % 2]}\n" for i in range(6)))
    script = tmp_path/'run.py'; script.write_text(SCRIPT)
    ddp = subprocess.run([sys.executable, '-m', 'torch.distributed.run', '--standalone', '--nproc_per_node', '2', str(script),
                          str(tmp_path/'ddp'), str(data), '1'], capture_output=True, text=True, timeout=600)
    assert ddp.returncode == 0, ddp.stderr[-3000:]
    r0, r1 = [torch.load(tmp_path/'ddp'/f, weights_only=True) for f in ('rank0.pt', 'rank1.pt')]
    assert any(k.startswith('heads.site') for k in r0['state'])
    for k in r0['state']: assert torch.equal(r0['state'][k], r1['state'][k]), f"ranks differ in {k}"
    val = json.loads((tmp_path/'ddp'/'split.json').read_text())['val']
    for r in (r0, r1): assert r['history'][-1]['val_tasks']['site']['n'] == len(val)          # gathered from both ranks

def _ddp_bounded(tmp_path, data, flag:str, timeout:int=180):
    ("SCRIPT under torchrun, 2 ranks of batch 1 into tmp_path/'ddp' with `flag`: (returncode, stderr), or None if it hung"
     " (then torchrun and both ranks are killed: none left waiting in a collective)")
    import os, signal
    script = tmp_path/'run.py'; script.write_text(SCRIPT)
    p = subprocess.Popen([sys.executable, '-m', 'torch.distributed.run', '--standalone', '--nproc_per_node', '2', str(script),
                          str(tmp_path/'ddp'), str(data), '1', flag], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         start_new_session=True)
    try: _, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.communicate()
        return None
    return p.returncode, err

def test_a_stop_on_one_rank_stops_all(tiny_pre, tmp_path):
    ("A stop asked on rank 1 only ends both ranks after the same batch: no rank waits alone in a collective (bounded in"
     " time: a hang fails the test), the weights stay equal, the run ends after the first epoch and is validated")
    r = _ddp_bounded(tmp_path, tiny_pre, 'stop1')
    assert r is not None, "the ranks hung: a stop asked on one rank left the other in a collective"
    assert r[0] == 0, r[1][-3000:]
    r0, r1 = [torch.load(tmp_path/'ddp'/f, weights_only=True) for f in ('rank0.pt', 'rank1.pt')]
    for k in r0['state']: assert torch.equal(r0['state'][k], r1['state'][k]), f"ranks differ in {k}"
    assert [len(r['history']) for r in (r0, r1)] == [1, 1]
    assert (r0['stop_reason'], r1['stop_reason']) == ('stopped on another rank', 'asked on rank 1')
    assert r0['history'][0]['val_dice'] is not None                  # the epoch a stop ends is validated
    assert (tmp_path/'ddp'/'last.pth').exists()

def test_an_error_on_one_rank_ends_the_run(tiny_pre, tmp_path):
    ("An exception on rank 1 only ends the whole run promptly, with that rank's error, instead of leaving rank 0 waiting"
     " (in a collective, or at the end-of-training barrier) until the process group's 30-minute timeout")
    r = _ddp_bounded(tmp_path, tiny_pre, 'fail1')
    assert r is not None, "the ranks hung after an error on one of them"
    assert r[0] != 0 and 'failed on rank 1' in r[1], r[1][-3000:]
