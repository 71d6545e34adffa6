"""#23 demo variants: `python demo_multitask.py SEVERITY TASK_WEIGHT HEAD_DROPOUT HEAD_HIDDEN OUT [val_loss|combined|st]`;
env N (subjects, default 24) and HG (head_grad). The atrophy range is SEVERITY ± 0.05; `st` as the last argument trains
segmentation only. Each run is one `run_demo` with `demo_config` overridden; prints Dice, the task's figures and seconds."""
import sys, json, dataclasses
import seg3d.data as D, seg3d.demo as M
if __name__ == '__main__':
    sev, tw, hd, hh, out = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    D.DEMO_ATROPHY = (sev - 0.05, sev + 0.05)
    orig = M.demo_config
    def cfg(*a, **k):
        c = orig(*a, **k)
        return dataclasses.replace(c, best_by=(sys.argv[6] if len(sys.argv) > 6 and sys.argv[6] != 'st' else c.best_by), task_weight=tw, model={**c.model, 'head_dropout': hd, 'head_hidden': hh, 'head_grad': float(__import__('os').environ.get('HG', 1))})
    M.demo_config = cfg
    s = M.run_demo(out, n=int(__import__('os').environ.get('N', 24)), verbose=False, multitask=sys.argv[-1] != 'st')
    print(out, 'dice', round(s['mean_fg_dice'], 4), 'tasks', {k: v for k, v in (s['tasks'] or {}).get('atrophy', {}).items() if k in ('accuracy', 'balanced_accuracy', 'auc')}, s['seconds'], s['predicted_classes'])
    m = json.load(open(out + '/models_3d/metrics_3d.json')); print('best', m['best_epoch'])
