#!/usr/bin/python3
"""Golden values from PyTorch for every tensor op of tensor/ops.h.

Re-run (from the repository root, with Debian's PyTorch 1.13, not the python3
first on PATH):

    /usr/bin/python3 tests/golden/make_golden.py

It rewrites tests/golden/tensor/<group>.json (one file per op group of ops.h)
and prints their sizes. The output is deterministic: every case draws its inputs
from a generator seeded with the CRC-32 of the case name, so adding or removing a
case leaves the others byte-identical, and re-running changes nothing.
tests/tensor/test_golden.cpp checks chase's ops against these files.

File format (read by tests/golden/golden.h; autograd/ and nn/ goldens use the
same format in their own folders):

    {"format": "chase-golden-1", "generator": ..., "torch": "<version>",
     "cases": [
       {"name": "conv2d/stride2_pad1",   # unique within the file
        "op": "conv2d",                  # which runner of the test executes it
        "dtypes": ["f64", "f32"],        # floating dtypes the case runs in
        "params": {...},                 # op arguments: numbers, lists, null
        "inputs":  {"x": TENSOR, "tensors": [TENSOR, ...], ...},
        "outputs": {"out": TENSOR, ...}}]}

    TENSOR = {"shape": [2, 3], "dtype": "f32" | "f64" | "i64", "data": [...]}

data is row-major. How the values are chosen, so that one case checks both
floating dtypes:
  - Random inputs are f32 values ("dtype": "f32", written in the shortest form
    that reads back to the same float). Read as f32, they are exact in f64 too.
  - Every expected output is computed by PyTorch in float64 from those exact
    inputs ("dtype": "f64", 13 significant digits: far below the 1e-10 relative
    tolerance of the f64 check). An f32 run is therefore compared with the exact
    answer, not with PyTorch's own f32 rounding.
  - Inputs that are themselves results (a softmax output fed to its backward,
    the batch statistics fed to batch_norm_backward) are f64 at full precision;
    an f32 run rounds them, well inside its tolerance.
  - i64 entries (indices) are exact and compared exactly.
A test reads a floating entry in its stored dtype, then converts it to the dtype
of the run; an i64 entry stays i64.
"""

import json
import os
import zlib

import numpy as np
import torch
import torch.nn.functional as F

FORMAT = "chase-golden-1"
OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tensor")
BOTH = ["f64", "f32"]


# ----- inputs ------------------------------------------------------------------

class Rng:
    """A torch generator seeded from the case name (stable across runs)."""

    def __init__(self, name):
        self.gen = torch.Generator().manual_seed(zlib.crc32(name.encode()))

    def uniform(self, shape, low=-1.0, high=1.0):
        """f32 values in [low, high)."""
        u = torch.rand(shape, generator=self.gen, dtype=torch.float64)
        return (low + (high - low) * u).float()

    def away_from_zero(self, shape, low, high):
        """f32 values with |v| in [low, high) and a random sign (safe divisors)."""
        sign = torch.randint(0, 2, shape, generator=self.gen).float() * 2 - 1
        return sign * self.uniform(shape, low, high)

    def integers(self, shape, low, high):
        """Small whole numbers in [low, high) as f32, so that ties occur."""
        return torch.randint(low, high, shape, generator=self.gen).float()

    def index(self, shape, bound):
        return torch.randint(0, bound, shape, generator=self.gen, dtype=torch.int64)


def f64(t):
    return t.double()


def f64_tensors(ts):
    return [f64(t) for t in ts]


# ----- serialisation -------------------------------------------------------------

def encode(t, role):
    """A TENSOR entry with its numbers already written as JSON text."""
    t = t.detach().contiguous()
    shape = list(t.shape)
    values = t.flatten().tolist()
    if t.dtype == torch.int64:
        return {"shape": shape, "dtype": "i64", "data": [str(v) for v in values]}
    assert all(np.isfinite(values)), "golden values must be finite"
    if t.dtype == torch.float32:
        assert role == "input", "outputs are computed in f64"
        text = [str(np.float32(v)) for v in values]
        # The reader parses decimal -> double -> float; make sure that lands on v.
        assert all(np.float32(float(s)) == np.float32(v) for s, v in zip(text, values))
        return {"shape": shape, "dtype": "f32", "data": text}
    assert t.dtype == torch.float64
    digits = "%.17g" if role == "input" else "%.13g"
    return {"shape": shape, "dtype": "f64", "data": [digits % v for v in values]}


def encode_value(v, role):
    if isinstance(v, (list, tuple)):
        return [encode(t, role) for t in v]
    return encode(v, role)


def case(name, op, inputs, outputs, params=None, dtypes=BOTH):
    return {
        "name": name,
        "op": op,
        "dtypes": dtypes,
        "params": params or {},
        "inputs": {k: encode_value(v, "input") for k, v in inputs.items()},
        "outputs": {k: encode_value(v, "output") for k, v in outputs.items()},
    }


def tensor_json(entry):
    return '{"shape": %s, "dtype": "%s", "data": [%s]}' % (
        json.dumps(entry["shape"]), entry["dtype"], ", ".join(entry["data"]))


def entries_json(entries, indent):
    """One line per tensor, so that a diff of the file shows which tensor moved."""
    pad = " " * indent
    lines = []
    for key, value in entries.items():
        if isinstance(value, list):
            inner = (",\n" + pad + "  ").join(tensor_json(t) for t in value)
            lines.append('%s"%s": [\n%s  %s]' % (pad, key, pad, inner))
        else:
            lines.append('%s"%s": %s' % (pad, key, tensor_json(value)))
    return "{\n" + ",\n".join(lines) + "\n" + " " * (indent - 2) + "}"


def file_json(cases):
    names = [c["name"] for c in cases]
    assert len(names) == len(set(names)), "case names must be unique"
    parts = []
    for c in cases:
        parts.append(
            '  {"name": %s, "op": %s, "dtypes": %s, "params": %s,\n'
            '   "inputs": %s,\n'
            '   "outputs": %s}' % (
                json.dumps(c["name"]), json.dumps(c["op"]), json.dumps(c["dtypes"]),
                json.dumps(c["params"]), entries_json(c["inputs"], 5),
                entries_json(c["outputs"], 5)))
    header = {"format": FORMAT, "generator": "tests/golden/make_golden.py",
              "torch": torch.__version__}
    head = json.dumps(header)[:-1]
    return head + ', "cases": [\n' + ",\n".join(parts) + "\n]}\n"


# ----- elementwise --------------------------------------------------------------

UNARY = {
    "neg": (torch.neg, (-3, 3)),
    "exp": (torch.exp, (-3, 3)),
    "log": (torch.log, (0.05, 4)),
    "sqrt": (torch.sqrt, (0.05, 4)),
    "rsqrt": (torch.rsqrt, (0.05, 4)),
    "abs": (torch.abs, (-3, 3)),
    "sign": (torch.sign, (-3, 3)),
    "relu": (torch.relu, (-3, 3)),
    "gelu": (lambda x: F.gelu(x, approximate="none"), (-5, 5)),
    "sigmoid": (torch.sigmoid, (-8, 8)),
    "tanh": (torch.tanh, (-4, 4)),
    "erf": (torch.erf, (-3, 3)),
}

BINARY = {
    "add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div,
    "pow": torch.pow, "maximum": torch.maximum, "minimum": torch.minimum,
}

COMPARE = {"eq": torch.eq, "ne": torch.ne, "lt": torch.lt, "le": torch.le,
           "gt": torch.gt, "ge": torch.ge}

# (a shape, b shape): same shape, trailing broadcast, both sides broadcast.
BROADCASTS = {
    "same": ([3, 4], [3, 4]),
    "row": ([2, 3, 4], [4]),
    "both": ([2, 1, 4], [3, 1]),
}


def binary_operands(rng, op, a_shape, b_shape):
    if op == "pow":
        return rng.uniform(a_shape, 0.1, 3), rng.uniform(b_shape, -2, 2)
    if op == "div":
        return rng.uniform(a_shape, -3, 3), rng.away_from_zero(b_shape, 0.25, 3)
    return rng.uniform(a_shape, -3, 3), rng.uniform(b_shape, -3, 3)


def elementwise_cases():
    cases = []
    for op, (fn, (low, high)) in UNARY.items():
        name = "unary/" + op
        x = Rng(name).uniform([3, 5], low, high)
        if low < 0:
            x.view(-1)[7] = 0.0  # sign, abs, relu, gelu at exactly zero
        cases.append(case(name, op, {"x": x}, {"out": fn(f64(x))}))

    for op, fn in BINARY.items():
        for shapes_name, (a_shape, b_shape) in BROADCASTS.items():
            name = "binary/%s/%s" % (op, shapes_name)
            a, b = binary_operands(Rng(name), op, a_shape, b_shape)
            cases.append(case(name, op, {"a": a, "b": b}, {"out": fn(f64(a), f64(b))}))

    # Tensor-scalar forms: add(a, 2.5) etc.; pow with whole exponents on negative bases.
    scalar_cases = [("add", 2.5, (-3, 3)), ("sub", 0.75, (-3, 3)), ("mul", -1.5, (-3, 3)),
                    ("div", 4.0, (-3, 3)), ("pow", 2.0, (-3, 3)), ("pow", 3.0, (-3, 3)),
                    ("pow", 0.5, (0.1, 3)), ("pow", -1.5, (0.1, 3))]
    for op, scalar, (low, high) in scalar_cases:
        name = "scalar/%s/%g" % (op, scalar)
        a = Rng(name).uniform([2, 3, 2], low, high)
        cases.append(case(name, op + "_scalar", {"a": a}, {"out": BINARY[op](f64(a), scalar)},
                          {"scalar": scalar}))

    # Comparisons on small whole numbers so that equality really happens.
    for op, fn in COMPARE.items():
        name = "compare/" + op
        rng = Rng(name)
        a, b = rng.integers([2, 3, 4], -2, 3), rng.integers([3, 1], -2, 3)
        cases.append(case(name, op, {"a": a, "b": b},
                          {"out": fn(f64(a), f64(b)).double()}))
    for op, fn, scalar in [("gt", torch.gt, 0.5), ("lt", torch.lt, -0.25)]:
        name = "compare_scalar/" + op
        a = Rng(name).uniform([3, 4], -1, 1)
        cases.append(case(name, op + "_scalar", {"a": a}, {"out": fn(f64(a), scalar).double()},
                          {"scalar": scalar}))

    name = "where/broadcast"
    rng = Rng(name)
    cond = rng.integers([3, 1], 0, 2)
    a, b = rng.uniform([2, 3, 4]), rng.uniform([4])
    cases.append(case(name, "where", {"cond": cond, "a": a, "b": b},
                      {"out": torch.where(f64(cond) != 0, f64(a), f64(b))}))

    for low, high in [(-0.5, 0.25), (-0.5, None), (None, 0.25)]:
        name = "clamp/%s_%s" % (low, high)
        x = Rng(name).uniform([3, 4])
        cases.append(case(name, "clamp", {"x": x}, {"out": torch.clamp(f64(x), low, high)},
                          {"low": low, "high": high}))

    name = "gelu_backward"
    rng = Rng(name)
    x, g = rng.uniform([3, 5], -5, 5), rng.uniform([3, 5])
    x.view(-1)[4] = 0.0
    xv = f64(x).requires_grad_()
    F.gelu(xv, approximate="none").backward(f64(g))
    cases.append(case(name, "gelu_backward", {"grad_out": g, "x": x}, {"out": xv.grad}))

    # From the forward's output y (an f32 input like any other), through
    # PyTorch's own kernels for these gradients.
    for op, forward, backward in [("tanh_backward", torch.tanh, torch.ops.aten.tanh_backward),
                                  ("sigmoid_backward", torch.sigmoid,
                                   torch.ops.aten.sigmoid_backward)]:
        rng = Rng(op)
        y, g = forward(rng.uniform([3, 5], -5, 5)), rng.uniform([3, 5])
        cases.append(case(op, op, {"grad_out": g, "y": y}, {"out": backward(f64(g), f64(y))}))
    return cases


# ----- reductions -----------------------------------------------------------------

REDUCE_DIMS = [([], False), ([1], False), ([0, 2], True), ([-1], True), ([0, 1, 2], False)]


def dims_name(dims, keepdim):
    return "dims%s%s" % ("".join(str(d) for d in dims) or "_all", "_keep" if keepdim else "")


def reduction_cases():
    cases = []
    ops = {"sum": torch.sum, "mean": torch.mean, "max": torch.amax, "min": torch.amin}
    for op, fn in ops.items():
        for dims, keepdim in REDUCE_DIMS:
            name = "%s/%s" % (op, dims_name(dims, keepdim))
            x = Rng(name).uniform([3, 4, 5], -2, 2)
            out = fn(f64(x), dim=dims, keepdim=keepdim) if dims else fn(f64(x))
            cases.append(case(name, op, {"x": x}, {"out": out},
                              {"dims": dims, "keepdim": keepdim}))
    for correction in [1, 0]:
        for dims, keepdim in REDUCE_DIMS:
            name = "var/c%d/%s" % (correction, dims_name(dims, keepdim))
            x = Rng(name).uniform([3, 4, 5], -2, 2)
            out = torch.var(f64(x), dim=dims or None, unbiased=bool(correction), keepdim=keepdim)
            cases.append(case(name, "var", {"x": x}, {"out": out},
                              {"dims": dims, "correction": correction, "keepdim": keepdim}))
    for op, fn in [("argmax", torch.argmax), ("argmin", torch.argmin)]:
        for dim, keepdim in [(0, False), (1, True), (-1, False)]:
            name = "%s/dim%d%s" % (op, dim, "_keep" if keepdim else "")
            x = Rng(name).uniform([3, 4, 5])
            cases.append(case(name, op, {"x": x}, {"out": fn(f64(x), dim=dim, keepdim=keepdim)},
                              {"dim": dim, "keepdim": keepdim}))
    for shape in [[3, 1], [4], [2, 1, 4], [1]]:
        name = "sum_to/%s" % "x".join(str(s) for s in shape)
        x = Rng(name).uniform([2, 3, 4])
        cases.append(case(name, "sum_to", {"x": x}, {"out": f64(x).sum_to_size(shape)},
                          {"shape": shape}))
    return cases


# ----- linear algebra -----------------------------------------------------------------

def linalg_cases():
    cases = []
    matmul_shapes = {
        "2d": ([5, 7], [7, 3]),
        "batched": ([2, 3, 4], [2, 4, 5]),
        "batch_broadcast": ([2, 1, 3, 4], [3, 4, 2]),
        "matrix_batch": ([3, 4], [2, 4, 5]),
        "vector_matrix": ([4], [4, 3]),
        "matrix_vector": ([3, 4], [4]),
        "vector_vector": ([6], [6]),
    }
    for shape_name, (a_shape, b_shape) in matmul_shapes.items():
        name = "matmul/" + shape_name
        rng = Rng(name)
        a, b = rng.uniform(a_shape), rng.uniform(b_shape)
        cases.append(case(name, "matmul", {"a": a, "b": b}, {"out": f64(a) @ f64(b)}))
    name = "bmm"
    rng = Rng(name)
    a, b = rng.uniform([3, 2, 5]), rng.uniform([3, 5, 4])
    cases.append(case(name, "bmm", {"a": a, "b": b}, {"out": torch.bmm(f64(a), f64(b))}))
    return cases


# ----- convolution and pooling ---------------------------------------------------------

def pair(v):
    return [v, v] if isinstance(v, int) else list(v)


# name: (x shape, w shape, bias?, stride, padding, dilation, groups)
CONVS = {
    "3x3_pad1_bias": ([2, 3, 5, 6], [4, 3, 3, 3], True, 1, 1, 1, 1),
    "3x3_stride2_pad1": ([2, 3, 7, 6], [4, 3, 3, 3], False, 2, 1, 1, 1),
    "1x1": ([2, 5, 4, 3], [3, 5, 1, 1], True, 1, 0, 1, 1),
    "dilation2": ([1, 2, 7, 7], [3, 2, 3, 3], True, 1, 2, 2, 1),
    "groups2": ([2, 4, 5, 5], [6, 2, 3, 3], True, 1, 1, 1, 2),
    "depthwise_stride2": ([2, 4, 6, 6], [4, 1, 3, 3], True, 2, 1, 1, 4),
    "depthwise_multiplier2": ([1, 3, 5, 5], [6, 1, 3, 3], False, 1, 1, 1, 3),
    "rect_asymmetric": ([1, 2, 6, 7], [3, 2, 3, 2], True, (2, 1), (0, 1), (1, 2), 1),
}


def conv_cases():
    """conv2d forward, and its input and weight gradients by torch autograd."""
    cases = []
    for conv_name, (x_shape, w_shape, has_bias, stride, padding, dilation, groups) in \
            CONVS.items():
        name = "conv2d/" + conv_name
        rng = Rng(name)
        x, w = rng.uniform(x_shape), rng.uniform(w_shape)
        inputs = {"x": x, "w": w}
        if has_bias:
            inputs["bias"] = rng.uniform([w_shape[0]])
        xv, wv = f64(x).requires_grad_(), f64(w).requires_grad_()
        out = F.conv2d(xv, wv, f64(inputs["bias"]) if has_bias else None, stride, padding,
                       dilation, groups)
        inputs["grad_out"] = rng.uniform(list(out.shape))
        out.backward(f64(inputs["grad_out"]))
        params = {"stride": pair(stride), "padding": pair(padding),
                  "dilation": pair(dilation), "groups": groups}
        cases.append(case(name, "conv2d", inputs,
                          {"out": out, "grad_x": xv.grad, "grad_w": wv.grad}, params))
    return cases


def pool_params(kernel, stride, padding, count_include_pad=True):
    return {"kernel": pair(kernel), "stride": pair(stride), "padding": pair(padding),
            "count_include_pad": count_include_pad}


def pool_cases():
    """Pooling forward and backward (backward by torch autograd)."""
    cases = []
    for pool_name, (x_shape, kernel, stride, padding) in {
            "k2_s2": ([2, 2, 4, 6], 2, 2, 0),
            "k3_s2_pad1": ([1, 3, 7, 6], 3, 2, 1),
            "k3x2_s1x2": ([2, 1, 5, 6], (3, 2), (1, 2), 0)}.items():
        name = "max_pool2d/" + pool_name
        rng = Rng(name)
        x = rng.uniform(x_shape)
        xv = f64(x).requires_grad_()
        out, indices = F.max_pool2d(xv, kernel, stride, padding, return_indices=True)
        grad_out = rng.uniform(list(out.shape))
        out.backward(f64(grad_out))
        cases.append(case(name, "max_pool2d", {"x": x, "grad_out": grad_out},
                          {"out": out, "indices": indices, "grad_x": xv.grad},
                          pool_params(kernel, stride, padding)))

    for pool_name, (x_shape, kernel, stride, padding, include_pad) in {
            "k2_s2": ([2, 2, 4, 6], 2, 2, 0, True),
            "k3_s2_pad1_include_pad": ([1, 3, 7, 6], 3, 2, 1, True),
            "k3_s2_pad1_exclude_pad": ([1, 3, 7, 6], 3, 2, 1, False),
            "k3x2_s1x2_pad1x0": ([2, 1, 5, 6], (3, 2), (1, 2), (1, 0), False)}.items():
        name = "avg_pool2d/" + pool_name
        rng = Rng(name)
        x = rng.uniform(x_shape)
        xv = f64(x).requires_grad_()
        out = F.avg_pool2d(xv, kernel, stride, padding, count_include_pad=include_pad)
        grad_out = rng.uniform(list(out.shape))
        out.backward(f64(grad_out))
        cases.append(case(name, "avg_pool2d", {"x": x, "grad_out": grad_out},
                          {"out": out, "grad_x": xv.grad},
                          pool_params(kernel, stride, padding, include_pad)))

    # Non-divisible sizes give overlapping windows [floor(i H / h), ceil((i + 1) H / h)).
    for x_shape, output_size in [([2, 2, 6, 4], [3, 2]), ([1, 3, 5, 7], [3, 4]),
                                 ([2, 2, 3, 3], [1, 1])]:
        name = "adaptive_avg_pool2d/%dx%d_to_%dx%d" % (*x_shape[2:], *output_size)
        rng = Rng(name)
        x = rng.uniform(x_shape)
        xv = f64(x).requires_grad_()
        out = F.adaptive_avg_pool2d(xv, output_size)
        grad_out = rng.uniform(list(out.shape))
        out.backward(f64(grad_out))
        cases.append(case(name, "adaptive_avg_pool2d", {"x": x, "grad_out": grad_out},
                          {"out": out, "grad_x": xv.grad}, {"output_size": output_size}))

    name = "global_avg_pool2d"
    x = Rng(name).uniform([2, 3, 4, 5])
    cases.append(case(name, "global_avg_pool2d", {"x": x},
                      {"out": f64(x).mean(dim=[2, 3], keepdim=True)}))
    return cases


# ----- normalisation ------------------------------------------------------------------

def batch_norm_cases():
    """Training forward (out, batch mean, invstd = 1/sqrt(biased var + eps)) and
    the gradients of out by torch autograd; inference with running statistics."""
    cases = []
    eps = 1e-5
    for bn_name, (x_shape, affine) in {"nchw": ([4, 3, 2, 3], True),
                                       "nc": ([6, 3], True),
                                       "nchw_no_affine": ([3, 2, 3, 2], False)}.items():
        name = "batch_norm/" + bn_name
        rng = Rng(name)
        channels = x_shape[1]
        x = rng.uniform(x_shape, -2, 3)
        inputs = {"x": x}
        if affine:
            inputs["weight"] = rng.uniform([channels], 0.5, 1.5)
            inputs["bias"] = rng.uniform([channels])
        inputs["grad_out"] = rng.uniform(x_shape)
        xv = f64(x).requires_grad_()
        wv = f64(inputs["weight"]).requires_grad_() if affine else None
        bv = f64(inputs["bias"]).requires_grad_() if affine else None
        out, mean, invstd = torch.ops.aten.native_batch_norm(xv, wv, bv, None, None, True,
                                                             0.1, eps)
        out.backward(f64(inputs["grad_out"]))
        outputs = {"out": out, "mean": mean, "invstd": invstd, "grad_x": xv.grad}
        if affine:
            outputs["grad_weight"], outputs["grad_bias"] = wv.grad, bv.grad
        cases.append(case(name, "batch_norm", inputs, outputs, {"eps": eps}))

    name = "batch_norm_inference/nchw"
    rng = Rng(name)
    x = rng.uniform([2, 3, 2, 2], -2, 3)
    stats = {"weight": rng.uniform([3], 0.5, 1.5), "bias": rng.uniform([3]),
             "running_mean": rng.uniform([3]), "running_var": rng.uniform([3], 0.2, 2)}
    out = F.batch_norm(f64(x), f64(stats["running_mean"]), f64(stats["running_var"]),
                       f64(stats["weight"]), f64(stats["bias"]), False, 0.1, eps)
    cases.append(case(name, "batch_norm_inference", {"x": x, **stats}, {"out": out},
                      {"eps": eps}))
    return cases


def layer_norm_cases():
    """Forward (out, per-row mean and invstd, rows = the leading dims flattened)
    and the gradients of out by torch autograd."""
    cases = []
    eps = 1e-5
    for ln_name, (x_shape, normalized_dims, affine) in {
            "last_dim": ([2, 3, 5], 1, True),
            "last_two_dims": ([2, 3, 4], 2, True),
            "no_affine": ([4, 6], 1, False)}.items():
        name = "layer_norm/" + ln_name
        rng = Rng(name)
        normalized_shape = x_shape[-normalized_dims:]
        x = rng.uniform(x_shape, -2, 3)
        inputs = {"x": x}
        if affine:
            inputs["weight"] = rng.uniform(normalized_shape, 0.5, 1.5)
            inputs["bias"] = rng.uniform(normalized_shape)
        inputs["grad_out"] = rng.uniform(x_shape)
        xv = f64(x).requires_grad_()
        wv = f64(inputs["weight"]).requires_grad_() if affine else None
        bv = f64(inputs["bias"]).requires_grad_() if affine else None
        out, mean, invstd = torch.native_layer_norm(xv, normalized_shape, wv, bv, eps)
        out.backward(f64(inputs["grad_out"]))
        outputs = {"out": out, "mean": mean.flatten(), "invstd": invstd.flatten(),
                   "grad_x": xv.grad}
        if affine:
            outputs["grad_weight"], outputs["grad_bias"] = wv.grad, bv.grad
        cases.append(case(name, "layer_norm", inputs, outputs,
                          {"normalized_dims": normalized_dims, "eps": eps}))
    return cases


# ----- softmax ------------------------------------------------------------------------

def softmax_cases():
    """Forward, and backward (by torch autograd) given the forward's output."""
    cases = []
    for op, fn in [("softmax", F.softmax), ("log_softmax", F.log_softmax)]:
        for dim in [-1, 1, 0]:
            name = "%s/dim%d" % (op, dim)
            rng = Rng(name)
            x, grad_out = rng.uniform([2, 3, 4], -4, 4), rng.uniform([2, 3, 4])
            xv = f64(x).requires_grad_()
            out = fn(xv, dim=dim)
            out.backward(f64(grad_out))
            cases.append(case(name, op, {"x": x, "grad_out": grad_out},
                              {"out": out, "grad_x": xv.grad}, {"dim": dim}))
    return cases


# ----- joining, splitting, indexing ---------------------------------------------------------

def index_cases():
    cases = []
    name = "concat/dim1"
    rng = Rng(name)
    ts = [rng.uniform([2, n, 3]) for n in (1, 3, 2)]
    cases.append(case(name, "concat", {"tensors": ts}, {"out": torch.cat(f64_tensors(ts), 1)},
                      {"dim": 1}))
    name = "concat/dim_last"
    rng = Rng(name)
    ts = [rng.uniform([2, 3, n]) for n in (2, 4)]
    cases.append(case(name, "concat", {"tensors": ts}, {"out": torch.cat(f64_tensors(ts), -1)},
                      {"dim": -1}))

    for dim in [0, 2, -1]:
        name = "stack/dim%d" % dim
        rng = Rng(name)
        ts = [rng.uniform([2, 3]) for _ in range(3)]
        cases.append(case(name, "stack", {"tensors": ts},
                          {"out": torch.stack(f64_tensors(ts), dim)}, {"dim": dim}))

    name = "split/dim1"
    x = Rng(name).uniform([2, 6, 3])
    sizes = [1, 3, 2]
    cases.append(case(name, "split", {"x": x}, {"out": list(torch.split(f64(x), sizes, 1))},
                      {"sizes": sizes, "dim": 1}))

    for dim in [0, 1]:
        name = "gather/dim%d" % dim
        rng = Rng(name)
        x = rng.uniform([3, 4])
        index_shape = [5, 4] if dim == 0 else [3, 6]
        index = rng.index(index_shape, x.shape[dim])
        cases.append(case(name, "gather", {"x": x, "index": index},
                          {"out": torch.gather(f64(x), dim, index)}, {"dim": dim}))

    for dim in [0, 1]:
        name = "scatter_add/dim%d" % dim
        rng = Rng(name)
        base = rng.uniform([3, 4])
        index_shape = [5, 4] if dim == 0 else [3, 6]
        index = rng.index(index_shape, base.shape[dim])  # repeats: sums must accumulate
        src = rng.uniform(index_shape)
        cases.append(case(name, "scatter_add", {"base": base, "index": index, "src": src},
                          {"out": f64(base).scatter_add(dim, index, f64(src))}, {"dim": dim}))

    for dim in [0, 1, -1]:
        name = "index_select/dim%d" % dim
        rng = Rng(name)
        x = rng.uniform([3, 4, 2])
        index = rng.index([5], x.shape[dim])
        cases.append(case(name, "index_select", {"x": x, "index": index},
                          {"out": torch.index_select(f64(x), dim, index)}, {"dim": dim}))

    for dim in [0, 1]:
        name = "index_add/dim%d" % dim
        rng = Rng(name)
        base = rng.uniform([4, 3])
        index = rng.index([6], base.shape[dim])  # repeats: sums must accumulate
        src_shape = [6, 3] if dim == 0 else [4, 6]
        src = rng.uniform(src_shape)
        cases.append(case(name, "index_add", {"base": base, "index": index, "src": src},
                          {"out": f64(base).index_add(dim, index, f64(src))}, {"dim": dim}))
    return cases


# ----- creation -----------------------------------------------------------------------

def creation_cases():
    cases = []
    for start, end, step in [(0, 1, 0.1), (-1, 2.5, 0.5), (5, 0, -1.5), (0, 7, 1)]:
        name = "arange/%g_%g_%g" % (start, end, step)
        cases.append(case(name, "arange", {},
                          {"out": torch.arange(start, end, step, dtype=torch.float64)},
                          {"start": start, "end": end, "step": step}))
    return cases


GROUPS = {
    "creation": creation_cases,
    "elementwise": elementwise_cases,
    "reduce": reduction_cases,
    "linalg": linalg_cases,
    "conv": conv_cases,
    "pool": pool_cases,
    "norm": lambda: batch_norm_cases() + layer_norm_cases(),
    "softmax": softmax_cases,
    "index": index_cases,
}


def write_groups(out_dir, groups, to_json=file_json):
    """Writes out_dir/GROUP.json for each group of `groups` (name -> function
    making its cases), with `to_json` turning cases into the file's text."""
    os.makedirs(out_dir, exist_ok=True)
    total = 0
    for group, make in groups.items():
        cases = make()
        text = to_json(cases)
        json.loads(text)  # the file must be valid JSON
        path = os.path.join(out_dir, group + ".json")
        with open(path, "w") as f:
            f.write(text)
        total += len(text)
        print("%-48s %3d cases %8d bytes" % (os.path.relpath(path), len(cases), len(text)))
    print("total %d bytes" % total)


def main():
    write_groups(OUT_DIR, GROUPS)


if __name__ == "__main__":
    main()
