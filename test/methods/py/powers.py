"""Python's float powers b ** k (the C library's pow), as torch.optim.Adam's bias
corrections compute them, for test/methods/exact-pow.test.ts."""
import json
import sys

d = json.load(sys.stdin)
print(json.dumps([[b ** k for k in range(1, d['upTo'] + 1)] for b in d['bases']]))
