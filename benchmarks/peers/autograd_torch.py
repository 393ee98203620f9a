#!/usr/bin/python3
"""PyTorch peer of benchmarks/autograd.cpp: the same autograd work, timed the same way.

bench_autograd runs it itself; to run it by hand (Debian's PyTorch 1.13 is under
/usr/bin/python3, not the python3 first on PATH):

    /usr/bin/python3 benchmarks/peers/autograd_torch.py SPEC.json

SPEC.json is what bench_autograd writes:

    {"warmup": 2, "min_runs": 5, "min_seconds": 0.5, "chain_length": 32,
     "cnn_batch": 32, "node_ops": ["add", "mul", "matmul", "tanh", "softmax", "transpose"]}

It prints one JSON object on stdout: the library, its thread count, the median
seconds per node of each node_ops chain (forward + backward of chain_length
nodes and a final sum, divided by chain_length + 1) and the median seconds of one
forward + backward of the small CNN. Both sides run the same graphs on the same
shapes in f32; PyTorch's figures include its Python front end, which is how it
is used. A fair peer uses both cores: torch.set_num_threads(2).
"""

import json
import sys

import torch
import torch.nn.functional as F

from peer_common import median_seconds

THREADS = 2


STEPS = {
    "add": lambda y, p: y + p,
    "mul": lambda y, p: y * p,
    "matmul": lambda y, p: y @ p,
    "tanh": lambda y, p: torch.tanh(y),
    "softmax": lambda y, p: torch.softmax(y, 1),
    "transpose": lambda y, p: y.transpose(0, 1),
}


def seconds_per_node(op, spec):
    step, length = STEPS[op], spec["chain_length"]
    x = (torch.rand(4, 4) * 2 - 1).requires_grad_()
    p = (torch.rand(4, 4) * 2 - 1).requires_grad_()

    def run():
        y = x
        for _ in range(length):
            y = step(y, p)
        y.sum().backward()
        x.grad = None
        p.grad = None
    return median_seconds(run, spec) / (length + 1)


def cnn_seconds(spec):
    """conv-bn-gelu-pool twice, global average pool, linear, cross-entropy."""
    batch = spec["cnn_batch"]
    conv1 = torch.nn.Conv2d(3, 16, 3, padding=1, bias=False)
    conv2 = torch.nn.Conv2d(16, 32, 3, padding=1, bias=False)
    bn1, bn2 = torch.nn.BatchNorm2d(16), torch.nn.BatchNorm2d(32)
    fc = torch.nn.Linear(32, 10)
    params = [*conv1.parameters(), *conv2.parameters(), *bn1.parameters(), *bn2.parameters(),
              *fc.parameters()]
    x = torch.rand(batch, 3, 32, 32) * 2 - 1
    target = torch.arange(batch) % 10

    def run():
        h = F.max_pool2d(F.gelu(bn1(conv1(x))), 2)
        h = F.max_pool2d(F.gelu(bn2(conv2(h))), 2)
        loss = F.cross_entropy(fc(F.adaptive_avg_pool2d(h, 1).flatten(1)), target)
        loss.backward()
        for p in params:
            p.grad = None
    return median_seconds(run, spec)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: /usr/bin/python3 benchmarks/peers/autograd_torch.py SPEC.json")
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    torch.set_num_threads(THREADS)
    torch.manual_seed(0)
    result = {
        "library": "PyTorch " + torch.__version__,
        "threads": torch.get_num_threads(),
        "node_seconds_per_node": [seconds_per_node(op, spec) for op in spec["node_ops"]],
        "cnn_seconds": cnn_seconds(spec),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
