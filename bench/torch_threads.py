# Thread settings for the PyTorch side of the benchmarks, as ireg's addon makes them:
# torch.set_num_threads covers OpenMP and MKL but not OpenBLAS's own pool, which does the
# matrix products of a torch built on it (Debian's), so that pool is set too where loaded.
import ctypes
import os

import torch


def set_threads(n):
    torch.set_num_threads(n)
    try:
        blas = ctypes.CDLL('libopenblas.so.0', mode=os.RTLD_NOLOAD | os.RTLD_LAZY)
    except OSError:
        return  # not built on OpenBLAS
    blas.openblas_set_num_threads(n)
