"""The reference models against ireg's (test/models/models.test.ts): for each of
inp['jobs'], built after torch.manual_seed(7), prints its state-dict keys and
shapes and its parameter count; writes its seeded weights, and its logits
(eval and train), loss gradients and BN buffers in float64 for the weights and
inputs of <dir>/weights.safetensors, when the job has a dir; and, for a job
with seeded_forward, its eval logits on a given input and per-tensor sums."""
import json
import sys

import torch

from ref_models import build
from st import st_load, st_save

torch.set_num_threads(1)
inp = json.load(sys.stdin)
res = {'keys': [], 'counts': []}
for job in inp['jobs']:
    torch.manual_seed(7)
    m = build(job['name'], job['shape'], job['classes'])
    res['keys'].append([[k, list(v.shape)] for k, v in m.state_dict().items()])
    res['counts'].append(sum(p.numel() for p in m.parameters()))
    if 'seeded_forward' in job:
        f = job['seeded_forward']
        with torch.no_grad():
            logits = m.eval()(st_load(f['x'])[0]['x'])
        st_save(f['out'], {'logits': logits, **{'sum.' + k: t.double().sum() for k, t in m.state_dict().items()}})
    d = job.get('dir')
    if not d:
        continue
    st_save(d + '/seeded.safetensors', m.state_dict())
    w, _ = st_load(d + '/weights.safetensors')
    x, y = w.pop('input.x'), w.pop('input.y')
    m.double().load_state_dict(w)
    out = {}
    with torch.no_grad():
        out['logits.eval'] = m.eval()(x)
    logits = m.train()(x)
    loss = torch.nn.functional.cross_entropy(logits, y)
    grads = torch.autograd.grad(loss, list(m.parameters()))
    out['logits.train'] = logits.detach()
    for (k, _), g in zip(m.named_parameters(), grads):
        out['grad.' + k] = g
    for k, b in m.named_buffers():
        out['buffer.' + k] = b
    st_save(d + '/out.safetensors', out)
print(json.dumps(res))
