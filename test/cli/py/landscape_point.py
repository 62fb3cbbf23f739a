"""PyTorch's side of test/cli/landscape.test.ts: one landscape point computed from
its definition. Reads the centre's weights (or the two ends of a line) and the
plane's directions from safetensors, forms w + x d1 + y d2 (or (1 - t) a + t b),
optionally recomputes the batch-norm running statistics on the given batches as
torch.optim.swa_utils.update_bn does (reset, momentum None, train-mode forwards),
then prints the mean cross-entropy and accuracy on the train and test batches,
and the filter norms of the directions beside the weights'."""
import json
import sys

import torch
import torch.nn.functional as F

from ref_models import build
from st import st_load

inp = json.load(sys.stdin)
torch.set_num_threads(1)
data, _ = st_load(inp['data'])
model = build(inp['model'], inp['shape'], inp['classes'])
if 'line' in inp:
    a, _ = st_load(inp['line'][0])
    b, _ = st_load(inp['line'][1])
    t = inp['t']
    state = {k: (1 - t) * v + t * b[k] if v.is_floating_point() else v for k, v in a.items()}
else:
    w, _ = st_load(inp['center'])
    d, _ = st_load(inp['directions'])
    x, y = inp['x'], inp['y']
    state = {k: v + x * d['x/' + k] + y * d['y/' + k] if 'x/' + k in d else v for k, v in w.items()}
model.load_state_dict(state)
if inp['recompute']:
    bns = [m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    for m in bns:
        m.reset_running_stats()
        m.momentum = None
    model.train()
    with torch.no_grad():
        for i in range(inp['bnBatches']):
            model(data['bn%d' % i])
model.eval()
out = {}
with torch.no_grad():
    for split in ('train', 'test'):
        logits = model(data['x_' + split])
        target = data['y_' + split]
        out[split] = {'loss': F.cross_entropy(logits, target).item(),
                      'acc': (logits.argmax(1) == target).double().mean().item()}
print(json.dumps(out))
