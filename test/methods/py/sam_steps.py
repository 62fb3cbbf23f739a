"""PyTorch's side of test/methods/sam-pytorch.test.ts: SAM (Foret et al. 2021,
Algorithm 1) and ASAM (Kwon et al. 2021, Algorithm 1 as their released code runs
it) over micro-batches, written from the papers, on a small float64 conv net with
batch norm, with torch.optim.SGD (momentum, weight decay) as the base optimizer.

For each case (ascent 'micro-batch' or 'step', adaptive or not), from the given
state, every step: the gradient at w (per micro-batch, or the mean over the
step's micro-batches), the ascent e = rho T^2 g / ||T g|| (T = 1, or |w| + eta on
the parameters named 'weight' and 1 on the others), the gradient at w + e of each
micro-batch averaged over k, w restored, then the SGD step. The passes at w + e
leave batch norm's running statistics alone by the reference SAM code's trick
(momentum 0 for that pass), and the batch count they add is taken back.
Prints per case the final state and each step's mean loss at w, mean sharpness
L(w + e) - L(w) and the norm of the averaged gradient at w + e."""
import json
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

from ref_models import conv_bn_net

torch.set_num_threads(1)
d = json.load(sys.stdin)
net = conv_bn_net(d['state'])
named = list(net.named_parameters())
params = [p for _, p in named]
bns = [m for m in net.modules() if isinstance(m, nn.BatchNorm2d)]
initial = {k: v.clone() for k, v in net.state_dict().items()}


def batch(mb):
    return torch.tensor(mb['x'], dtype=torch.float64).reshape(mb['xshape']), torch.tensor(mb['y'])


def ascent(grads, rho, adaptive, eta):
    """e = rho T^2 g / ||T g||: Kwon et al.'s T = |w| + eta for 'weight' parameters, else 1."""
    with torch.no_grad():
        t = [(p.abs() + eta) if adaptive and name.endswith('weight') else torch.ones_like(p)
             for name, p in named]
        norm = torch.sqrt(sum(((ti * g) ** 2).sum() for ti, g in zip(t, grads)))
        return [rho * ti * ti * g / norm for ti, g in zip(t, grads)]


def loss_at_perturbed(x, y):
    """The loss at the perturbed weights, batch norm's running statistics untouched."""
    saved = [(m.momentum, m.num_batches_tracked.clone()) for m in bns]
    for m in bns:
        m.momentum = 0.0
    loss = F.cross_entropy(net(x), y)
    for m, (momentum, count) in zip(bns, saved):
        m.momentum = momentum
        m.num_batches_tracked.copy_(count)
    return loss


def sam_step(step, k, rho, ascent_kind, adaptive, eta):
    grads_sum = [torch.zeros_like(p) for p in params]
    losses, sharp, n = [], [], 0
    batches = [batch(mb) for mb in step]
    if ascent_kind == 'micro-batch':
        for x, y in batches:
            loss = F.cross_entropy(net(x), y)
            g = torch.autograd.grad(loss, params)
            e = ascent(g, rho, adaptive, eta)
            with torch.no_grad():
                for p, ei in zip(params, e):
                    p.add_(ei)
            lp = loss_at_perturbed(x, y)
            gp = torch.autograd.grad(lp, params)
            with torch.no_grad():
                for p, ei in zip(params, e):
                    p.sub_(ei)
            for s, gi in zip(grads_sum, gp):
                s.add_(gi / k)
            losses.append(loss.item() * len(y))
            sharp.append(lp.item() - loss.item())
            n += len(y)
    else:
        g = [torch.zeros_like(p) for p in params]
        at_w = []
        for x, y in batches:
            loss = F.cross_entropy(net(x), y)
            for s, gi in zip(g, torch.autograd.grad(loss, params)):
                s.add_(gi / k)
            at_w.append(loss.item())
            losses.append(loss.item() * len(y))
            n += len(y)
        e = ascent(g, rho, adaptive, eta)
        with torch.no_grad():
            for p, ei in zip(params, e):
                p.add_(ei)
        for (x, y), lw in zip(batches, at_w):
            lp = loss_at_perturbed(x, y)
            for s, gi in zip(grads_sum, torch.autograd.grad(lp, params)):
                s.add_(gi / k)
            sharp.append(lp.item() - lw)
        with torch.no_grad():
            for p, ei in zip(params, e):
                p.sub_(ei)
    for p, s in zip(params, grads_sum):
        p.grad = s
    return {'loss': sum(losses) / n, 'sharpness': sum(sharp) / len(sharp),
            'gradNorm': torch.sqrt(sum((s ** 2).sum() for s in grads_sum)).item()}


def run(case):
    net.load_state_dict(initial)
    opt = torch.optim.SGD(params, lr=d['lr'], momentum=d['momentum'], weight_decay=d['wd'])
    stats = []
    for step in d['steps']:
        opt.zero_grad()
        stats.append(sam_step(step, d['k'], case['rho'], case['ascent'], case['adaptive'], case['eta']))
        opt.step()
    state = {k: v.detach().flatten().double().tolist() for k, v in net.state_dict().items()}
    return {'state': state, 'stats': stats}


print(json.dumps([run(c) for c in d['cases']]))
