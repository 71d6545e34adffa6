"""#23 check: do the pooled deepest features of a trained multi-task demo model carry the atrophy label?
`python probe_task_features.py DEMO_OUT` — leave-one-out logistic regression (scikit-learn) on several poolings."""
import torch, json, numpy as np
from pathlib import Path
from seg3d.model import load_checkpoint, model_from_checkpoint, pad_to_16
from seg3d.data import SegDataset, config_from_dict, build_cache, preprocessed_cases
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score, LeaveOneOut
import sys
d = Path(sys.argv[1])
ck = load_checkpoint(d/'models_3d'/'best_resnet3d_segmentation.pth'); m = model_from_checkpoint(ck)
cfg = config_from_dict(ck['config'])
cases = preprocessed_cases(d/'preprocessed', verbose=False)
ds = SegDataset(d/'preprocessed', cases, cfg, metas=build_cache(d/'preprocessed', cases, verbose=False))
lab = {l.split(',')[0]: l.split(',')[1] for l in (d/'preprocessed'/'case_labels.csv').read_text().split()[1:]}
F = {'mean4': [], 'max4': [], 'mean_all': [], 'std4': []}; y = []
with torch.no_grad():
    for i in range(len(ds)):
        x = ds[i]['image'][None]
        h = m.stem(pad_to_16(x)); means = []
        for st in m.stages:
            h = st(h); means.append(h.mean((2, 3, 4)))
        F['mean4'].append(h.mean((2, 3, 4))[0].numpy()); F['max4'].append(h.amax((2, 3, 4))[0].numpy())
        F['std4'].append(h.std((2, 3, 4))[0].numpy())
        F['mean_all'].append(torch.cat(means, 1)[0].numpy()); y.append(lab[cases[i]] == 'yes')
y = np.array(y)
for k, v in F.items():
    X = np.array(v); X = (X - X.mean(0)) / (X.std(0) + 1e-6)
    print(k, X.shape, 'LOO acc', cross_val_score(LogisticRegression(C=0.1, max_iter=2000), X, y, cv=LeaveOneOut()).mean().round(3))
# intensity baseline: mean of normalized image channel stats within brain
X = np.array([[ds[i]['image'][c][ds[i]['label'] > 0].mean().item() for c in (0, 1)] + [(ds[i]['label'] == 1).sum().item() + (ds[i]['label'] == 2).sum().item()] for i in range(len(ds))])
X = (X - X.mean(0)) / X.std(0)
print('handcrafted', cross_val_score(LogisticRegression(max_iter=2000), X, y, cv=LeaveOneOut()).mean().round(3))
