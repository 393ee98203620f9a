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
import statistics
import sys
import time

import torch

THREADS = 2


def median_seconds(fn, warmup, min_runs, min_seconds):
    """Median time of one call, after `warmup` calls; at least `min_runs` runs
    and at least `min_seconds` of measuring in all."""
    for _ in range(warmup):
        fn()
    times = []
    started = time.perf_counter()
    while len(times) < min_runs or time.perf_counter() - started < min_seconds:
        begin = time.perf_counter()
        fn()
        times.append(time.perf_counter() - begin)
    return statistics.median(times)


def conv_call(case):
    """A closure doing the case's convolution pass in f32, as autograd would."""
    n, ci, co = case["batch"], case["in_channels"], case["out_channels"]
    k, groups = case["kernel"], case["groups"]
    stride, padding = [case["stride"]] * 2, [case["padding"]] * 2
    x = torch.randn(n, ci, case["height"], case["width"])
    w = torch.randn(co, ci // groups, k, k)
    if case["op"] == "conv2d_forward":
        return lambda: torch.nn.functional.conv2d(x, w, None, stride, padding, 1, groups)
    grad_out = torch.randn_like(torch.nn.functional.conv2d(x, w, None, stride, padding, 1,
                                                           groups))
    # [grad_input, grad_weight, grad_bias]: ask for exactly one of the first two.
    mask = [True, False, False] if case["op"] == "conv2d_backward_input" else \
        [False, True, False]
    return lambda: torch.ops.aten.convolution_backward(
        grad_out, x, w, None, stride, padding, [1, 1], False, [0, 0], groups, mask)


def call_for(case):
    if case["op"] == "matmul":
        a, b = torch.randn(case["n"], case["n"]), torch.randn(case["n"], case["n"])
        return lambda: torch.mm(a, b)
    if case["op"].startswith("conv2d_"):
        return conv_call(case)
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
            seconds.append(median_seconds(call_for(case), spec["warmup"], spec["min_runs"],
                                          spec["min_seconds"]))
    json.dump({"library": "pytorch " + torch.__version__, "threads": torch.get_num_threads(),
               "seconds": seconds}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
