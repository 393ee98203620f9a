#!/usr/bin/python3
"""PyTorch peer of benchmarks/cuda_ops.cpp: the same ops on the same shapes, on
the same GPU. Needs a CUDA build of PyTorch (Debian's python3-torch is
CPU-only); bench_cuda_ops runs it with the interpreter given by --python, or by
hand:

    PYTHON benchmarks/peers/ops_cuda_torch.py SPEC.json

SPEC.json is what bench_cuda_ops writes: timing settings and the cases
({"op": "matmul", "n": N}, the conv2d passes as in ops_torch.py, and
{"op": "add" | "sum" | "softmax", "rows": R, "cols": C}). It prints one JSON
object: the library, the device and, per case in SPEC order, the median seconds
of one call, each call followed by torch.cuda.synchronize() as chase's are.

Like chase, the peer computes f32 products in f32: TF32 is switched off for
cuBLAS and cuDNN. cuDNN picks algorithms by heuristics (benchmark mode off), as
chase does.
"""

import json
import sys

import torch

from peer_common import conv_call, median_seconds


def synchronized(fn):
    """fn followed by a wait for the GPU work it queued: what one timed call covers."""
    def call():
        fn()
        torch.cuda.synchronize()
    return call


def randn(*shape):
    return torch.rand(*shape, device="cuda") * 2 - 1


def call_for(case):
    op = case["op"]
    if op == "matmul":
        a, b = randn(case["n"], case["n"]), randn(case["n"], case["n"])
        return lambda: torch.mm(a, b)
    if op.startswith("conv2d_"):
        return conv_call(case, randn)
    a, b = randn(case["rows"], case["cols"]), randn(case["rows"], case["cols"])
    if op == "add":
        return lambda: a + b
    if op == "sum":
        return lambda: a.sum(1)
    if op == "softmax":
        return lambda: torch.softmax(a, 1)
    raise ValueError("ops_cuda_torch.py: unknown op %r" % op)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: PYTHON benchmarks/peers/ops_cuda_torch.py SPEC.json")
    if not torch.cuda.is_available():
        sys.exit("ops_cuda_torch.py: this PyTorch (%s) has no usable CUDA device" %
                 torch.__version__)
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cudnn.benchmark = False
    torch.manual_seed(0)
    seconds = []
    with torch.no_grad():
        for case in spec["cases"]:
            seconds.append(median_seconds(synchronized(call_for(case)), spec))
    json.dump({"library": "pytorch " + torch.__version__,
               "device": torch.cuda.get_device_name(0), "seconds": seconds}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
