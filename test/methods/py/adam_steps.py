"""torch.optim.Adam and AdamW on fixed gradients, for test/methods/adam.test.ts:
for each config, both PyTorch code paths (foreach off and on), in the config's
dtype, each step's lr multiplied by that step's scale (what our update-rule
scale does); prints the final parameters, per config and path."""
import json
import sys

import torch

torch.set_num_threads(1)
d = json.load(sys.stdin)
out = []
for cfg in d['configs']:
    dtype = getattr(torch, cfg['dtype'])
    kind = torch.optim.AdamW if cfg['kind'] == 'adamw' else torch.optim.Adam
    row = []
    for foreach in (False, True):
        ps = [torch.tensor(v, dtype=dtype).reshape(s).requires_grad_() for v, s in zip(d['init'], d['shapes'])]
        opt = kind(ps, lr=cfg['lr'], betas=tuple(cfg['betas']), eps=cfg['eps'], weight_decay=cfg['weightDecay'],
                   amsgrad=cfg['amsgrad'], foreach=foreach)
        for t, scale in enumerate(d['scales']):
            for p, g, s in zip(ps, d['grads'][t], d['shapes']):
                p.grad = torch.tensor(g, dtype=dtype).reshape(s)
            opt.param_groups[0]['lr'] = cfg['lr'] * scale
            opt.step()
        row.append([p.detach().flatten().tolist() for p in ps])
    out.append(row)
print(json.dumps(out))
