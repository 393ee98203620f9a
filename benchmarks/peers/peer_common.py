"""What the PyTorch peers share: the timing loop of benchmarks/bench_util.cpp
and the convolution passes of the conv2d cases. The peers import it from their
own folder (Python puts a script's folder first on its path)."""

import statistics
import time

import torch


def median_seconds(fn, spec):
    """Median time of one call, after spec["warmup"] calls; at least
    spec["min_runs"] runs and at least spec["min_seconds"] of measuring in all."""
    for _ in range(spec["warmup"]):
        fn()
    times = []
    started = time.perf_counter()
    while len(times) < spec["min_runs"] or time.perf_counter() - started < spec["min_seconds"]:
        begin = time.perf_counter()
        fn()
        times.append(time.perf_counter() - begin)
    return statistics.median(times)


def conv_call(case, random):
    """A closure doing the case's convolution pass in f32, as autograd would;
    random(*shape) makes its inputs."""
    n, ci, co = case["batch"], case["in_channels"], case["out_channels"]
    k, groups = case["kernel"], case["groups"]
    stride, padding = [case["stride"]] * 2, [case["padding"]] * 2
    x = random(n, ci, case["height"], case["width"])
    w = random(co, ci // groups, k, k)
    conv = torch.nn.functional.conv2d
    if case["op"] == "conv2d_forward":
        return lambda: conv(x, w, None, stride, padding, 1, groups)
    grad_out = random(*conv(x, w, None, stride, padding, 1, groups).shape)
    # [grad_input, grad_weight, grad_bias]: ask for exactly one of the first two.
    mask = [True, False, False] if case["op"] == "conv2d_backward_input" else \
        [False, True, False]
    return lambda: torch.ops.aten.convolution_backward(
        grad_out, x, w, None, stride, padding, [1, 1], False, [0, 0], groups, mask)
