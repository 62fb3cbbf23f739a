"""torch.optim.SGD on fixed gradients, for test/methods/sgd.test.ts: for each
config, both PyTorch code paths (foreach off and on), each step's lr scaled;
prints the final parameters, per config and path."""
import json
import sys

import torch

torch.set_num_threads(1)
d = json.load(sys.stdin)
out = []
for cfg in d['configs']:
    row = []
    for foreach in (False, True):
        ps = [torch.tensor(v, dtype=torch.float64).reshape(s).requires_grad_() for v, s in zip(d['init'], d['shapes'])]
        opt = torch.optim.SGD(ps, lr=cfg['lr'], momentum=cfg.get('momentum', 0), dampening=cfg.get('dampening', 0),
                              weight_decay=cfg.get('weightDecay', 0), nesterov=cfg.get('nesterov', False),
                              foreach=foreach)
        for t, scale in enumerate(d['scales']):
            for p, g, s in zip(ps, d['grads'][t], d['shapes']):
                p.grad = torch.tensor(g, dtype=torch.float64).reshape(s)
            opt.param_groups[0]['lr'] = cfg['lr'] * scale  # our scale multiplies this step's lr
            opt.step()
        row.append([p.detach().flatten().tolist() for p in ps])
    out.append(row)
print(json.dumps(out))
