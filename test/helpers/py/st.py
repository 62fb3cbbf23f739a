"""A minimal reader and writer of the raw safetensors format for the reference
scripts (Debian has no python3-safetensors): 8-byte LE header length, JSON
header, little-endian data."""
import json
import struct

import torch

DT = {'F32': torch.float32, 'F64': torch.float64, 'I64': torch.int64, 'I32': torch.int32,
      'U8': torch.uint8, 'BOOL': torch.bool}
CODE = {v: k for k, v in DT.items()}


def st_load(path):
    with open(path, 'rb') as f:
        data = f.read()
    n = struct.unpack('<Q', data[:8])[0]
    header = json.loads(data[8:8 + n])
    meta = header.pop('__metadata__', {})
    out = {}
    for k, e in header.items():
        b, end = e['data_offsets']
        dt = DT[e['dtype']]
        if end > b:
            t = torch.frombuffer(bytearray(data[8 + n + b:8 + n + end]), dtype=dt)
        else:
            t = torch.empty(0, dtype=dt)
        out[k] = t.reshape(e['shape']).clone()
    return out, meta


def st_save(path, tensors, meta=None):
    header, chunks, off = {}, [], 0
    if meta:
        header['__metadata__'] = meta
    for k, t in tensors.items():
        raw = t.detach().cpu().contiguous().numpy().tobytes()
        header[k] = {'dtype': CODE[t.dtype], 'shape': list(t.shape), 'data_offsets': [off, off + len(raw)]}
        chunks.append(raw)
        off += len(raw)
    h = json.dumps(header).encode()
    h += b' ' * ((8 - len(h) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(h)) + h + b''.join(chunks))
