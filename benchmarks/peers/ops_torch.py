#!/usr/bin/python3
"""PyTorch peer of benchmarks/ops.cpp: times the same ops on the same shapes.

bench_ops runs it itself; to run it by hand (Debian's PyTorch 1.13 is under
/usr/bin/python3, not the python3 first on PATH):

    /usr/bin/python3 benchmarks/peers/ops_torch.py SPEC.json

SPEC.json is what bench_ops writes (see benchmarks/README.md):

    {"warmup": 2, "min_runs": 5, "min_seconds": 0.25,
     "cases": [{"op": "matmul", "n": 256},
               {"op": "conv2d_forward" | "conv2d_backward_input" | "conv2d_backward_weight",
                "batch": 64, "in_channels": 32, "out_channels": 64, "height": 32,
                "width": 32, "kernel": 3, "stride": 2, "padding": 1, "groups": 1}]}

It prints one JSON object on stdout: the library, its thread count and, per
case in SPEC order, the median seconds of one call. FLOP counts are bench_ops'
business, so that both sides are divided by the same number.

A fair peer uses both cores (torch.set_num_threads(2); PyTorch's default here is
one thread) and OpenBLAS (libopenblas0-pthread: Debian's PyTorch calls the
system BLAS for mm, and the reference BLAS is ~20x slower). Convolutions go
through oneDNN (mkldnn) inside PyTorch whatever the BLAS.
"""

import json
import sys

import torch

from peer_common import conv_call, median_seconds

THREADS = 2


def call_for(case):
    if case["op"] == "matmul":
        a, b = torch.randn(case["n"], case["n"]), torch.randn(case["n"], case["n"])
        return lambda: torch.mm(a, b)
    if case["op"].startswith("conv2d_"):
        return conv_call(case, torch.randn)
    raise ValueError("ops_torch.py: unknown op %r" % case["op"])


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: /usr/bin/python3 benchmarks/peers/ops_torch.py SPEC.json")
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    torch.set_num_threads(THREADS)
    torch.manual_seed(0)
    seconds = []
    with torch.no_grad():
        for case in spec["cases"]:
            seconds.append(median_seconds(call_for(case), spec))
    json.dump({"library": "pytorch " + torch.__version__, "threads": torch.get_num_threads(),
               "seconds": seconds}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
