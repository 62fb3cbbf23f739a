"""PyTorch's side of test/methods/pytorch-step.test.ts: for each method (lb, gn,
ft, aj, uj), whole SGD steps (momentum, weight decay) the authors' way on a
small float64 conv net with batch norm from the given state: micro-batches
divided by k, the penalty by double backprop. Prints per method the final state
and each step's mean loss, mean penalty and norm of the averaged inner gradient."""
import json
import sys

import torch
import torch.nn.functional as F

from penalty import penalized_backward
from ref_models import conv_bn_net

torch.set_num_threads(1)
d = json.load(sys.stdin)
net = conv_bn_net(d['state'])
params = list(net.parameters())
initial = {k: v.clone() for k, v in net.state_dict().items()}


def run(method):
    net.load_state_dict(initial)
    opt = torch.optim.SGD(params, lr=d['lr'], momentum=d['momentum'], weight_decay=d['wd'])
    torch.manual_seed(d['seed'])
    stats = []
    for step in d['steps']:
        opt.zero_grad()
        k = d['k']
        rs, losses, inner = [], [], None
        for mb in step:
            x = torch.tensor(mb['x'], dtype=torch.float64).reshape(mb['xshape'])
            y = torch.tensor(mb['y'], dtype=torch.int64)
            out = net(x)
            loss = F.cross_entropy(out, y)
            if method == 'lb':
                (loss / k).backward()
                losses.append(loss.item() * len(y))
                continue
            if method == 'gn':
                target = loss
            elif method == 'ft':
                target = F.cross_entropy(out, torch.multinomial(F.softmax(out.detach(), 1), 1).squeeze(1))
            elif method == 'aj':
                target = out.mean(0).sum()
            else:
                u = torch.randn(out.shape[1], dtype=torch.float64)
                target = out.mean(0) @ (u / u.norm())
            R, inner = penalized_backward(loss, target, params, d['lam'], k, inner)
            rs.append(R.item())
            losses.append(loss.item() * len(y))
        stats.append({'penalty': sum(rs) / len(step) if rs else 0.0,
                      'inner': None if inner is None else sum((g ** 2).sum() for g in inner).sqrt().item(),
                      'loss': sum(losses) / sum(len(mb['y']) for mb in step)})
        opt.step()
    state = {k: v.detach().flatten().double().tolist() for k, v in net.state_dict().items()}
    return {'state': state, 'stats': stats}


print(json.dumps({m: run(m) for m in d['methods']}))
