"""numpy's side of test/methods/grad-noise.test.ts: from the micro-batch
gradients the test dumped (safetensors: tensor 'g<j>.<i>' is parameter i's
gradient of micro-batch j's mean objective), the step's gradient-noise
statistics in float64. Prints them as JSON."""
import json
import sys

import numpy as np

from st import st_load

d = json.load(sys.stdin)
tensors, _ = st_load(d['path'])
n = 1 + max(int(k[1:].split('.')[0]) for k in tensors)
g = np.stack([np.concatenate([tensors[f'g{j}.{i}'].double().numpy().ravel()
                              for i in range(d['params'])]) for j in range(n)])
mean = g.mean(axis=0)
mean_sq = float(mean @ mean)
u = g / np.linalg.norm(g, axis=1, keepdims=True)
trace = float(((g - mean) ** 2).sum() / (n - 1))
print(json.dumps({
    'microGradSqNormMean': float((g ** 2).sum(axis=1).mean()),
    'gradNoiseTrace': trace,
    'gradSnr': mean_sq / (trace / n),
    'gradNoiseScale': d['m'] * trace / mean_sq,
    'microGradCosMean': float(np.mean([u[i] @ u[j] for i in range(n) for j in range(n) if i != j])),
}))
