# n tiny torch.add calls: PyTorch's side of bench/dispatch-instructions.sh.
import sys
import torch

torch.set_num_threads(1)
n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
x, y = torch.randn(4), torch.randn(4)
for _ in range(n):
    z = torch.add(x, y)
