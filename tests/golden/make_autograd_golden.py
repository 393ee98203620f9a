#!/usr/bin/python3
"""Golden gradients from PyTorch for autograd/: every differentiable op of the
op registry (autograd/op_registry.cpp) and two small models.

Re-run (from the repository root, with Debian's PyTorch 1.13, not the python3
first on PATH):

    /usr/bin/python3 tests/golden/make_autograd_golden.py

It rewrites tests/golden/autograd/ops.json and tests/golden/autograd/models.json
in the format of tests/golden/make_golden.py ("chase-golden-1", read by
tests/golden/golden.h), with the same conventions: random inputs are exact f32
values drawn from a generator seeded by the case name; every expected value is
computed by PyTorch in float64 from them, so f32 and f64 runs are compared with
the exact answer.

ops.json: one case per registry entry that names a golden key; the case name is
that key and "op" the registry's op. inputs: "inputs" (the op's tensors, in the
registry's order) and "seed" (the gradient fed to backward, random, so that every
output element weighs differently). outputs: "out" and "grad<i>" for each input i
that requires grad. Shapes, value ranges and non-tensor arguments mirror the
registry; tests/autograd/test_golden.cpp checks that they agree.

models.json: "mlp" (linear-gelu-linear, cross-entropy) and "cnn"
(conv-batchnorm-gelu-maxpool-linear, cross-entropy; the convolution has no bias,
whose gradient batch norm would make exactly zero). inputs: x, target and the
parameters; outputs: "loss" and "grad_<name>" of the input and every parameter.

The registry's integer tensors (indices, labels, where's condition) follow
index_pattern: element i = (37 i + 11) mod bound.
"""

import json
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_golden import Rng, case, file_json  # noqa: E402

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "autograd")
GENERATOR = "tests/golden/make_autograd_golden.py"
EPS = 1e-5  # batch and layer norm, as in the registry


def index_pattern(shape, bound):
    n = 1
    for s in shape:
        n *= s
    return torch.tensor([(37 * i + 11) % bound for i in range(n)],
                        dtype=torch.int64).reshape(shape)


def spec(shape, low=-1.0, high=1.0, requires_grad=True):
    return (list(shape), low, high, requires_grad)


def positive(shape):
    return spec(shape, 0.5, 2.0)


def constant(s):
    return (s[0], s[1], s[2], False)


# ----- the op registry's golden cases: key -> (op, input specs, function) ---------------

OPS = {}


def op_case(key, op, specs, fn):
    assert key not in OPS, key
    OPS[key] = (op, specs, fn)


UNARY = [("neg", torch.neg, -1, 1), ("exp", torch.exp, -1, 1), ("log", torch.log, 0.5, 2),
         ("sqrt", torch.sqrt, 0.5, 2), ("rsqrt", torch.rsqrt, 0.5, 2),
         ("abs", torch.abs, -1, 1), ("sign", torch.sign, -1, 1), ("relu", torch.relu, -1, 1),
         ("gelu", lambda x: F.gelu(x, approximate="none"), -3, 3),
         ("sigmoid", torch.sigmoid, -3, 3), ("tanh", torch.tanh, -2, 2),
         ("erf", torch.erf, -2, 2)]
for name, fn, low, high in UNARY:
    op_case(name, name, [spec([3, 4], low, high)], fn)

# (op, function, lower bound of a's range, lower bound of b's range); upper bound 2.
BINARY = [("add", torch.add, -1, -1), ("sub", torch.sub, -1, -1), ("mul", torch.mul, -1, -1),
          ("div", torch.div, -1, 0.5), ("pow", torch.pow, 0.5, -1.5),
          ("maximum", torch.maximum, -1, -1), ("minimum", torch.minimum, -1, -1)]
for name, fn, a_low, b_low in BINARY:
    op_case(name, name, [spec([3, 4], a_low, 2), spec([3, 4], b_low, 2)], fn)
    op_case(name + "_broadcast", name, [spec([3, 1], a_low, 2), spec([1, 4], b_low, 2)], fn)

op_case("add_scalar", "add", [spec([3, 4])], lambda x: x + 0.5)
op_case("sub_scalar", "sub", [spec([3, 4])], lambda x: x - 0.5)
op_case("mul_scalar", "mul", [spec([3, 4])], lambda x: x * -1.5)
op_case("div_scalar", "div", [spec([3, 4])], lambda x: x / 4.0)
op_case("pow_scalar", "pow", [positive([3, 4])], lambda x: x ** 2.5)
op_case("rsub", "rsub", [spec([3, 4])], lambda x: 2.0 - x)
op_case("rdiv", "rdiv", [positive([3, 4])], lambda x: 2.0 / x)

op_case("where", "where", [spec([3, 4]), spec([3, 4])],
        lambda a, b: torch.where(index_pattern([3, 4], 2) != 0, a, b))
op_case("clamp", "clamp", [spec([3, 4])], lambda x: torch.clamp(x, -0.5, 0.5))

for name, fn in [("sum", torch.sum), ("mean", torch.mean)]:
    op_case(name + "_all", name, [spec([3, 4])], fn)
    op_case(name + "_dim", name, [spec([3, 4, 2])], lambda x, fn=fn: fn(x, dim=1))
for name, fn in [("max", torch.amax), ("min", torch.amin)]:
    op_case(name + "_all", name, [spec([3, 4])], lambda x, fn=fn: fn(x, dim=(0, 1)))
    op_case(name + "_dim", name, [spec([3, 4, 2])], lambda x, fn=fn: fn(x, dim=1))
op_case("var_dim", "var", [spec([3, 5])], lambda x: torch.var(x, dim=1, unbiased=True))
op_case("var_all", "var", [spec([3, 4])], lambda x: torch.var(x, unbiased=False))
op_case("sum_to", "sum_to", [spec([2, 3, 4])], lambda x: x.sum(dim=(0, 2)).reshape(3, 1))

op_case("matmul", "matmul", [spec([3, 4]), spec([4, 5])], torch.matmul)
op_case("matmul_batched", "matmul", [spec([2, 3, 4]), spec([4, 5])], torch.matmul)
op_case("matmul_vector", "matmul", [spec([4]), spec([4, 5])], torch.matmul)
op_case("bmm", "bmm", [spec([2, 3, 4]), spec([2, 4, 5])], torch.bmm)

op_case("conv2d", "conv2d", [spec([2, 3, 5, 5]), spec([4, 3, 3, 3]), spec([4])],
        lambda x, w, b: F.conv2d(x, w, b, padding=1))
op_case("conv2d_stride", "conv2d", [spec([1, 2, 6, 5]), spec([3, 2, 3, 2])],
        lambda x, w: F.conv2d(x, w, stride=2))
op_case("conv2d_groups", "conv2d", [spec([1, 4, 6, 6]), spec([6, 2, 3, 3]), spec([6])],
        lambda x, w, b: F.conv2d(x, w, b, padding=2, dilation=2, groups=2))

op_case("max_pool2d", "max_pool2d", [spec([2, 3, 4, 4])], lambda x: F.max_pool2d(x, 2, 2))
op_case("max_pool2d_padded", "max_pool2d", [spec([1, 2, 5, 5])],
        lambda x: F.max_pool2d(x, 3, 2, 1))
op_case("avg_pool2d", "avg_pool2d", [spec([2, 3, 4, 4])], lambda x: F.avg_pool2d(x, 2, 2))
op_case("avg_pool2d_padded", "avg_pool2d", [spec([1, 2, 4, 5])],
        lambda x: F.avg_pool2d(x, 3, 1, 1))
op_case("avg_pool2d_exclude_pad", "avg_pool2d", [spec([1, 2, 5, 5])],
        lambda x: F.avg_pool2d(x, 3, 2, 1, count_include_pad=False))
op_case("adaptive_avg_pool2d", "adaptive_avg_pool2d", [spec([2, 2, 7, 5])],
        lambda x: F.adaptive_avg_pool2d(x, (3, 2)))
op_case("global_avg_pool2d", "global_avg_pool2d", [spec([2, 3, 3, 4])],
        lambda x: F.adaptive_avg_pool2d(x, 1))

op_case("batch_norm", "batch_norm", [spec([4, 3, 3, 3]), spec([3]), spec([3])],
        lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True, eps=EPS))
op_case("batch_norm_2d", "batch_norm", [spec([6, 4])],
        lambda x: F.batch_norm(x, None, None, training=True, eps=EPS))
op_case("batch_norm_inference", "batch_norm_inference",
        [spec([2, 3, 3, 3]), spec([3]), spec([3])],
        lambda x, w, b: F.batch_norm(
            x, 0.1 * torch.arange(3, dtype=torch.float64) - 0.2,
            0.5 + 0.25 * torch.arange(3, dtype=torch.float64), w, b, training=False, eps=EPS))
op_case("layer_norm", "layer_norm", [spec([3, 5]), spec([5]), spec([5])],
        lambda x, w, b: F.layer_norm(x, [5], w, b, eps=EPS))
op_case("layer_norm_2d", "layer_norm", [spec([2, 3, 4]), spec([3, 4]), spec([3, 4])],
        lambda x, w, b: F.layer_norm(x, [3, 4], w, b, eps=EPS))

for name, fn in [("softmax", torch.softmax), ("log_softmax", torch.log_softmax)]:
    op_case(name, name, [spec([3, 5])], lambda x, fn=fn: fn(x, 1))
    op_case(name + "_dim0", name, [spec([4, 2, 3])], lambda x, fn=fn: fn(x, 0))
op_case("cross_entropy", "cross_entropy", [spec([4, 5])],
        lambda x: F.cross_entropy(x, index_pattern([4], 5)))
op_case("cross_entropy_large", "cross_entropy", [spec([3, 6], -20, 20)],
        lambda x: F.cross_entropy(x, index_pattern([3], 6)))

op_case("view", "view", [spec([3, 4])], lambda x: x.view(2, 6))
op_case("reshape", "reshape", [spec([3, 4])], lambda x: x.reshape(4, 3))
op_case("flatten", "flatten", [spec([2, 3, 2, 2])], lambda x: x.flatten(1, 2))
op_case("permute", "permute", [spec([2, 3, 4])], lambda x: x.permute(2, 0, 1))
op_case("transpose", "transpose", [spec([2, 3, 2])], lambda x: x.transpose(0, 2))
op_case("narrow", "narrow", [spec([3, 4])], lambda x: x.narrow(1, 1, 2))
op_case("slice", "slice", [spec([6, 2])], lambda x: x[1:6:2])
op_case("select", "select", [spec([3, 4, 2])], lambda x: x.select(1, -1))
op_case("expand", "expand", [spec([3, 1])], lambda x: x.expand(2, 3, 4))
op_case("squeeze", "squeeze", [spec([3, 1, 2])], lambda x: x.squeeze(1))
op_case("unsqueeze", "unsqueeze", [spec([3, 2])], lambda x: x.unsqueeze(-1))
op_case("contiguous", "contiguous", [spec([3, 4])], lambda x: x.contiguous())

op_case("concat", "concat", [spec([2, 1, 3]), spec([2, 3, 3]), spec([2, 2, 3])],
        lambda *xs: torch.cat(xs, 1))


def split_rejoined(x):
    parts = torch.split(x, [1, 2, 3], 1)
    return torch.cat([parts[2], parts[0] * 2.0, parts[1]], 1)


op_case("split", "split", [spec([2, 6])], split_rejoined)
op_case("stack", "stack", [spec([2, 3]), spec([2, 3]), spec([2, 3])],
        lambda *xs: torch.stack(xs, 0))
op_case("gather", "gather", [spec([3, 5])],
        lambda x: torch.gather(x, 1, index_pattern([3, 4], 5)))
op_case("scatter_add", "scatter_add", [spec([3, 3]), spec([3, 4])],
        lambda base, src: torch.scatter_add(base, 1, index_pattern([3, 4], 3), src))
op_case("index_select", "index_select", [spec([3, 4])],
        lambda x: torch.index_select(x, 0, index_pattern([5], 3)))
op_case("index_add", "index_add", [spec([2, 3]), spec([2, 4])],
        lambda base, src: torch.index_add(base, 1, index_pattern([4], 3), src))


def op_golden_case(key):
    op, specs, fn = OPS[key]
    rng = Rng("autograd/" + key)
    inputs = [rng.uniform(shape, low, high) for shape, low, high, _ in specs]
    leaves = [x.double().requires_grad_(grad) for x, (_, _, _, grad) in zip(inputs, specs)]
    out = fn(*leaves)
    seed = rng.uniform(list(out.shape))
    out.backward(seed.double())
    outputs = {"out": out}
    for i, leaf in enumerate(leaves):
        if specs[i][3]:
            outputs["grad%d" % i] = leaf.grad
    return case(key, op, {"inputs": inputs, "seed": seed}, outputs)


# ----- models -------------------------------------------------------------------------

def parameter(rng, shape, fan_in):
    bound = fan_in ** -0.5  # PyTorch's default init range for Linear and Conv2d
    return rng.uniform(shape, -bound, bound)


def model_case(name, inputs, forward):
    leaves = {k: (v.double().requires_grad_(True) if v.is_floating_point() else v)
              for k, v in inputs.items()}
    loss = forward(leaves)
    loss.backward()
    outputs = {"loss": loss}
    for k, leaf in leaves.items():
        if leaf.is_floating_point():
            outputs["grad_" + k] = leaf.grad
    return case(name, name, inputs, outputs)


def mlp_case():
    rng = Rng("autograd/mlp")
    inputs = {"x": rng.uniform([4, 6]), "target": index_pattern([4], 5),
              "w1": parameter(rng, [8, 6], 6), "b1": parameter(rng, [8], 6),
              "w2": parameter(rng, [5, 8], 8), "b2": parameter(rng, [5], 8)}

    def forward(p):
        h = F.gelu(F.linear(p["x"], p["w1"], p["b1"]))
        return F.cross_entropy(F.linear(h, p["w2"], p["b2"]), p["target"])
    return model_case("mlp", inputs, forward)


def cnn_case():
    rng = Rng("autograd/cnn")
    inputs = {"x": rng.uniform([2, 3, 8, 8]), "target": index_pattern([2], 5),
              "conv_w": parameter(rng, [4, 3, 3, 3], 27),
              "bn_w": rng.uniform([4], 0.5, 1.5), "bn_b": rng.uniform([4], -0.5, 0.5),
              "fc_w": parameter(rng, [5, 64], 64), "fc_b": parameter(rng, [5], 64)}

    def forward(p):
        h = F.conv2d(p["x"], p["conv_w"], padding=1)
        h = F.batch_norm(h, None, None, p["bn_w"], p["bn_b"], training=True, eps=EPS)
        h = F.max_pool2d(F.gelu(h), 2)
        return F.cross_entropy(F.linear(h.flatten(1), p["fc_w"], p["fc_b"]), p["target"])
    return model_case("cnn", inputs, forward)


def write(file_name, cases):
    text = file_json(cases)
    generator_field = '"generator": "tests/golden/make_golden.py"'
    assert generator_field in text
    text = text.replace(generator_field, '"generator": "%s"' % GENERATOR, 1)
    json.loads(text)  # the file must be valid JSON
    path = os.path.join(OUT_DIR, file_name)
    with open(path, "w") as f:
        f.write(text)
    print("%-40s %3d cases %8d bytes" % (os.path.relpath(path), len(cases), len(text)))


def main():
    torch.set_default_dtype(torch.float64)
    os.makedirs(OUT_DIR, exist_ok=True)
    write("ops.json", [op_golden_case(key) for key in OPS])
    write("models.json", [mlp_case(), cnn_case()])


if __name__ == "__main__":
    main()
