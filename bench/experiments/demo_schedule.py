"""#21 data point: the demo with overrides from the environment — EPOCHS, SCHED (plateau|poly), LR, WIDTH, INPUT_SKIP (0|1), FINE (fine_width), N (subjects), SHAPE (X,Y,Z),
BATCH, PATCH (Z,Y,X training patch), VAL_EVERY, SKIP (concat|add);
unset ones keep the demo's own (`demo_config`). `EPOCHS=150 python demo_schedule.py OUT`; prints test Dice, raw-grid Dice, seconds and the best epoch."""
import os, sys, json, dataclasses
import seg3d.demo as M
if __name__ == '__main__':
    out = sys.argv[1]
    E = lambda k, d: type(d)(os.environ.get(k, d))
    orig = M.demo_config
    def cfg(*a, **k):
        c = orig(*a, **k)
        if 'PATCH' in os.environ: c = dataclasses.replace(c, patch_size=[int(v) for v in os.environ['PATCH'].split(',')])
        return dataclasses.replace(c, schedule=E('SCHED', c.schedule), lr=E('LR', c.lr), epochs=E('EPOCHS', c.epochs),
                                   batch_size=E('BATCH', c.batch_size), val_every=E('VAL_EVERY', c.val_every), model={**c.model, 'width': E('WIDTH', c.model['width']),
                                                                      'input_skip': bool(E('INPUT_SKIP', 1)), 'skip': E('SKIP', c.model['skip']),
                                                                      **({'fine_width': int(os.environ['FINE'])} if 'FINE' in os.environ else {})})
    M.demo_config = cfg
    shape = tuple(int(v) for v in os.environ.get('SHAPE', ','.join(map(str, M.DEMO_SHAPE))).split(','))
    s = M.run_demo(out, n=E('N', 24), shape=shape, epochs=E('EPOCHS', M.DEMO_EPOCHS), verbose=False)
    m = json.load(open(out + '/models_3d/metrics_3d.json'))
    print(out, {k: os.environ.get(k) for k in ('SCHED', 'LR', 'EPOCHS', 'WIDTH', 'INPUT_SKIP', 'FINE', 'N', 'SHAPE', 'BATCH', 'PATCH', 'VAL_EVERY', 'SKIP')}, 'dice', round(s['mean_fg_dice'], 4), 'raw', round(s['raw_grid']['mean_fg_dice'], 4),
          s['seconds'], s['stages'], 'best', m['best_epoch'], 'val', [round(sum(h['val_dice'][1:]) / 4, 3) for h in m['epochs'][-1:]])
