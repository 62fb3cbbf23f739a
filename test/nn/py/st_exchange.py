"""Safetensors both ways (test/nn/safetensors.test.ts): writes one tensor of every
dtype at inp['write'], reads inp['read'] (written by ireg) and prints its
metadata, its keys and, per key, whether it equals the same tensor here."""
import json
import math
import sys

import torch

from st import st_load, st_save

torch.set_num_threads(1)
inp = json.load(sys.stdin)
t = {
    'f32': (torch.arange(12, dtype=torch.float32) / 7).reshape(3, 4),
    'f64': torch.tensor([math.pi, -1e-300, 1e300, -0.0], dtype=torch.float64),
    'i64': torch.tensor([2**53 + 1, -(2**62), 0, -1], dtype=torch.int64).reshape(2, 2),
    'i32': torch.tensor([-2147483648, 2147483647, 5], dtype=torch.int32),
    'u8': torch.tensor([[0, 1, 254, 255]], dtype=torch.uint8),
    'bool': torch.tensor([True, False, True]),
    'scalar': torch.tensor(7, dtype=torch.int64),
    'empty': torch.zeros(0, 3),
}
st_save(inp['write'], t, {'model': 'resnet18', 'note': 'ünïcode ok'})
got, meta = st_load(inp['read'])
same = {k: bool(got[k].dtype == v.dtype and got[k].shape == v.shape and torch.equal(got[k], v)) for k, v in t.items()}
print(json.dumps({'meta': meta, 'same': same, 'keys': list(got)}))
