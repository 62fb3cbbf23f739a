# The PyTorch side of bench/engine.ts: exactly the same workloads (shapes, float32,
# ops, repeats) as bench/engine-workloads.ts. Reads the config JSON at argv[1],
# prints the results of one part ('timing' or 'memory') as JSON.
import json
import resource
import statistics
import sys
import time

import torch
import torch.nn.functional as F
from torch_threads import set_threads

cfg = json.load(open(sys.argv[1]))


def median_time(fn, warmup, repeats):
    """Median wall and process CPU seconds of fn, after warm-up calls."""
    for _ in range(warmup):
        fn()
    wall, cpu = [], []
    for _ in range(repeats):
        c0, t0 = time.process_time(), time.perf_counter()
        fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return statistics.median(wall), statistics.median(cpu)


def dispatch_overhead(c):
    x, y = torch.randn(4), torch.randn(4)
    ops = {
        'add': lambda: torch.add(x, y),
        'mul': lambda: torch.mul(x, y),
        'relu': lambda: torch.relu(x),
        'sum': lambda: torch.sum(x),
        'view': lambda: x.view(2, 2),
    }
    n = c['opsPerBlock']

    def block(op):
        def run():
            for _ in range(n):
                op()
        return run
    return {k: median_time(block(op), c['warmup'], c['repeats'])[0] / n * 1e6 for k, op in ops.items()}


def make_net(spec):
    params, buffers = [], []
    cin = spec['in'][0]
    for cout in spec['channels']:
        params += [torch.randn(cout, cin, 3, 3) * (2 / (9 * cin)) ** 0.5, torch.zeros(cout),
                   torch.ones(cout), torch.zeros(cout)]
        buffers += [torch.zeros(cout), torch.ones(cout)]
        cin = cout
    params += [torch.randn(spec['classes'], cin) * cin ** -0.5, torch.zeros(spec['classes'])]
    for p in params:
        p.requires_grad_()
    return params, buffers


def forward(spec, params, buffers, x):
    h = x
    n = len(spec['channels'])
    for i in range(n):
        cw, cb, bw, bb = params[4 * i:4 * i + 4]
        h = F.conv2d(h, cw, cb, padding=1)
        h = F.relu(F.batch_norm(h, buffers[2 * i], buffers[2 * i + 1], bw, bb, training=True))
        if i < n - 1 and spec['pool']:
            h = F.max_pool2d(h, 2)
    h = F.adaptive_avg_pool2d(h, 1).flatten(1)
    return F.linear(h, params[-2], params[-1])


def batch(spec):
    return torch.randn(spec['batch'], *spec['in']), torch.randint(0, spec['classes'], (spec['batch'],))


def train_step(spec, params, buffers, x, y):
    loss = F.cross_entropy(forward(spec, params, buffers, x), y)
    return torch.autograd.grad(loss, params)


def penalty_step(spec, params, buffers, x, y, lam):
    loss = F.cross_entropy(forward(spec, params, buffers, x), y)
    grads = torch.autograd.grad(loss, params, create_graph=True)
    r = sum(g.square().sum() for g in grads)
    return torch.autograd.grad(loss + lam * r, params)


def step_times(c):
    spec = c['net']
    params, buffers = make_net(spec)
    x, y = batch(spec)
    fb = median_time(lambda: train_step(spec, params, buffers, x, y), c['warmup'], c['repeats'])
    dbl = median_time(lambda: penalty_step(spec, params, buffers, x, y, c['lambda']), c['warmup'], c['repeats'])
    return {'forwardBackwardMs': fb[0] * 1e3, 'doubleBackwardMs': dbl[0] * 1e3,
            'forwardBackwardCpuMs': fb[1] * 1e3, 'doubleBackwardCpuMs': dbl[1] * 1e3}


def rss_bytes():
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * resource.getpagesize()


def memory_growth(c):
    spec = c['net']
    params, buffers = make_net(spec)
    x, y = batch(spec)

    def sgd_step():
        grads = penalty_step(spec, params, buffers, x, y, c['lambda'])
        with torch.no_grad():
            for p, g in zip(params, grads):
                p.sub_(g, alpha=c['lr'])
    for _ in range(c['warmup']):
        sgd_step()
    before = mid = rss_bytes()
    t0 = time.perf_counter()
    for i in range(c['steps']):
        sgd_step()
        if i == c['steps'] // 2:
            mid = rss_bytes()
    ms = (time.perf_counter() - t0) / c['steps'] * 1e3
    return {'rssBeforeMB': before / 2**20, 'rssMidMB': mid / 2**20, 'rssAfterMB': rss_bytes() / 2**20, 'msPerStep': ms}


torch.manual_seed(0)
if cfg['part'] == 'timing':
    out = {}
    for n in cfg['threads']:
        set_threads(n)
        out[str(n)] = {'dispatchUs': dispatch_overhead(cfg['dispatch']), **step_times(cfg['steps'])}
else:
    set_threads(cfg['threads'][0])
    out = memory_growth(cfg['memory'])
print(json.dumps({'torchVersion': torch.__version__, 'result': out}))
