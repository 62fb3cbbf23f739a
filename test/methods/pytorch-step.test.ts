// Whole optimizer steps (forward per micro-batch, penalty by double backprop,
// accumulation, SGD with momentum and weight decay) against the same steps done
// in PyTorch the authors' way, on a small conv net with batch norm, float64:
// two full steps of k = 3 micro-batches, then the short step that ends an epoch
// under the authors' protocol (2 micro-batches, still divided by 3). Also the
// logged norm of the averaged inner gradient, computed as the authors' code does.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildMethod, largeBatchStep, SGD } from '../../src/methods/index.js';
import { manualSeed, setNumThreads } from '../../src/tensor/index.js';
import { requireTorch, runPython } from '../helpers/pytorch.js';
import { convBnNet, imageBatches } from './models.js';

setNumThreads(1);
const SIZES = [
  [4, 4, 3],
  [4, 4, 3],
  [4, 2],
]; // two steps, the last micro-batch short; then a short step
const K = 3; // micro-batches of a full step: every step divides by it
const LR = 0.1,
  LAMBDA = 0.5,
  MOMENTUM = 0.9,
  WD = 1e-3;

const SCRIPT = `
import json, sys, torch
import torch.nn as nn, torch.nn.functional as F
torch.set_num_threads(1)
d = json.load(open(sys.argv[1]))
net = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                    nn.Conv2d(4, 6, 3, stride=2, padding=1), nn.BatchNorm2d(6), nn.ReLU(),
                    nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(6, 5)).double()
net.load_state_dict({k: torch.tensor(v['data'], dtype=getattr(torch, v['dtype'])).reshape(v['shape'])
                     for k, v in d['state'].items()})
net.train()
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
          grads = torch.autograd.grad(target, params, create_graph=True)
          inner = [g.detach() / k for g in grads] if inner is None else [a + g.detach() / k for a, g in zip(inner, grads)]
          R = sum((g ** 2).sum() for g in grads)
          ((loss + d['lam'] * R) / k).backward()
          rs.append(R.item()); losses.append(loss.item() * len(y))
      stats.append({'penalty': sum(rs) / len(step) if rs else 0.0,
                    'inner': None if inner is None else sum((g ** 2).sum() for g in inner).sqrt().item(),
                    'loss': sum(losses) / sum(len(mb['y']) for mb in step)})
      opt.step()
  state = {k: v.detach().flatten().double().tolist() for k, v in net.state_dict().items()}
  return {'state': state, 'stats': stats}

print(json.dumps({m: run(m) for m in d['methods']}))
`;

const METHODS = ['lb', 'gn', 'ft', 'aj', 'uj'];
type Result = { state: Record<string, number[]>; stats: { penalty: number; inner: number | null; loss: number }[] };
const steps = SIZES.map((sizes, i) => imageBatches(sizes, 1000 + 100 * i));
for (const mb of steps.flat()) {
  mb.x.keep();
  mb.y.keep();
}
let cached: Record<string, Result> | undefined;

/** PyTorch's results for every method, from one python run (starting torch is slow). */
function pytorchResults(py: string): Record<string, Result> {
  if (cached) return cached;
  const model = convBnNet(5);
  const state = Object.fromEntries(
    [...model.stateDict()].map(([k, v]) => [k, { data: v.toArray(), shape: v.shape, dtype: v.dtype }]),
  );
  model.dispose();
  cached = runPython<Record<string, Result>>(py, SCRIPT, {
    state,
    methods: METHODS,
    lr: LR,
    lam: LAMBDA,
    momentum: MOMENTUM,
    wd: WD,
    seed: 77,
    k: K,
    steps: steps.map((mbs) => mbs.map((mb) => ({ x: mb.x.toArray(), xshape: mb.x.shape, y: mb.y.toArray() }))),
  });
  return cached;
}

for (const method of METHODS) {
  test(`two ${method} steps and a short one match PyTorch to 1e-10 (weights, BN buffers, loss, penalty, inner gradient norm)`, (t) => {
    const py = requireTorch(t);
    if (!py) return;
    const theirs = pytorchResults(py)[method];
    const model = convBnNet(5);
    const { penalty, rule } = buildMethod(method);
    const optimizer = new SGD(model.namedParameters(), { lr: LR, momentum: MOMENTUM, weightDecay: WD });
    manualSeed(77);
    const stats = steps.map((microBatches, step) =>
      largeBatchStep({
        model,
        microBatches,
        divisor: K,
        lambda: LAMBDA,
        penalty,
        rule,
        optimizer,
        step,
        measureNorms: true,
      }),
    );
    stats.forEach((s, i) => {
      const ref = theirs.stats[i];
      assert.ok(Math.abs(s.loss - ref.loss) < 1e-12, `step ${i} loss ${s.loss} vs ${ref.loss}`);
      assert.ok(
        Math.abs(s.penalty - ref.penalty) <= 1e-10 * Math.max(1, ref.penalty),
        `step ${i} penalty ${s.penalty} vs ${ref.penalty}`,
      );
      if (ref.inner === null) assert.equal(s.innerGradNorm, undefined, 'no penalty, no inner gradient');
      else
        assert.ok(
          Math.abs(s.innerGradNorm! - ref.inner) <= 1e-10 * ref.inner,
          `step ${i} inner gradient norm ${s.innerGradNorm} vs ${ref.inner}`,
        );
    });
    let worst = 0;
    for (const [k, v] of model.stateDict()) {
      const ref = theirs.state[k];
      assert.ok(ref, `PyTorch has ${k}`);
      v.toArray().forEach((a, j) => {
        worst = Math.max(worst, Math.abs(a - ref[j]));
      });
    }
    assert.ok(worst < 1e-10, `largest difference in the state ${worst}`);
    model.dispose();
    optimizer.dispose();
  });
}
