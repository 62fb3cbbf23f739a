"""Learning rates of PyTorch's schedulers, for test/methods/warmup.test.ts: per
case, LinearLR(start_factor=1/W, total_iters=W-1) then the schedule, joined by
SequentialLR(milestones=[W]) (LinearLR alone for the constant schedule); prints
the lr of every step 0..total-1, read before the step as the trainer uses it."""
import json
import math
import sys
import warnings

import torch
from torch.optim import lr_scheduler as S

warnings.filterwarnings('ignore')  # SequentialLR's step(epoch) deprecation notice
out = []
for c in json.load(sys.stdin):
    w, total = c['warmup'], c['total']
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=c['lr'])
    warm = S.LinearLR(opt, start_factor=1 / w, end_factor=1.0, total_iters=w - 1)
    if c['kind'] == 'constant':
        sched = warm
    else:
        after = (S.StepLR(opt, step_size=c['every'], gamma=c['gamma']) if c['kind'] == 'step'
                 else S.CosineAnnealingLR(opt, T_max=total - w, eta_min=c['floor']))
        sched = S.SequentialLR(opt, schedulers=[warm, after], milestones=[w])
    lrs = []
    for _ in range(total):
        lrs.append(opt.param_groups[0]['lr'])
        opt.step()
        sched.step()
    out.append(lrs)
print(json.dumps(out))
