#!/usr/bin/python3
"""Golden values from PyTorch for the layers, losses and optimizer of nn/.

Re-run (from the repository root, with Debian's PyTorch 1.13, not the python3
first on PATH):

    /usr/bin/python3 tests/golden/make_nn_golden.py

It rewrites tests/golden/nn/{layers,loss,optim}.json, read by
tests/nn/test_layers_golden.cpp and tests/nn/test_optim_golden.cpp. The file
format, the input generator seeded by the case name and the precision rules are
those of make_golden.py (see its docstring); its helpers are reused here.

The results do not depend on how either library initialises a layer: every case
exports the PyTorch module's full state (randomised beyond the default init, so
that BatchNorm's weight is not all ones) as f32 inputs "state.<name>", and the
C++ test loads them with Module::load_state_dict. Expected values are computed
by the same module converted to float64.

Layer cases ("op" = the chase layer):
  params   constructor arguments, "state": names of the state entries,
           "state_after": buffers to compare after the forward (BatchNorm),
           "train": training (true) or evaluation mode
  inputs   x, grad_out (the seed of backward), state.<name>
  outputs  out, grad.x, grad.<parameter name>, state_after.<buffer name>
Loss cases: inputs logits, target; outputs loss, grad.logits.
Optimizer cases ("op": "sgd"): a Linear(4, 3) layer trained for `steps` steps
of SGD on cross_entropy(layer(x), target); outputs the parameters after every
step ("step<k>.<name>"), the final momentum buffers ("momentum_buffer.<name>")
and, with clipping, the gradient norm of every step ("grad_norm").
"""

import copy
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_golden import Rng, case, f64, file_json, write_groups  # noqa: E402

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "nn")


def nn_file_json(cases):
    return file_json(cases).replace('"tests/golden/make_golden.py"',
                                    '"tests/golden/make_nn_golden.py"', 1)


# ----- layers -----------------------------------------------------------------------

def randomise(module, rng):
    """Replaces every floating state entry with f32 values from rng: uniform
    for parameters and running means, positive for running variances."""
    with torch.no_grad():
        for name, t in module.state_dict().items():
            if not t.is_floating_point():
                continue
            low, high = (0.5, 2.0) if name.endswith("running_var") else (-1.0, 1.0)
            t.copy_(rng.uniform(list(t.shape), low, high))


def layer_case(name, op, module, x, params, train=True, state_after=(), state_of=lambda m: m):
    """Runs module (in float64) on x and seeds backward with a random grad_out.
    state_of(module) is the part whose state and parameters chase's layer has."""
    rng = Rng(name)
    randomise(state_of(module), rng)
    state = {k: v.clone() for k, v in state_of(module).state_dict().items()}

    m64 = copy.deepcopy(module).double()
    m64.train(train)
    x64 = f64(x).requires_grad_()
    out = m64(x64)
    grad_out = rng.uniform(list(out.shape))
    out.backward(f64(grad_out))

    inputs = {"x": x, "grad_out": grad_out}
    inputs.update({"state." + k: v for k, v in state.items()})
    outputs = {"out": out, "grad.x": x64.grad}
    outputs.update({"grad." + k: p.grad for k, p in state_of(m64).named_parameters()})
    buffers = dict(state_of(m64).named_buffers())
    outputs.update({"state_after." + k: buffers[k] for k in state_after})
    params = dict(params, state=list(state.keys()), state_after=list(state_after), train=train)
    return case(name, op, inputs, outputs, params)


class SpatialSelfAttention(nn.Module):
    """nn.MultiheadAttention over the H * W tokens of [N, C, H, W], as chase's
    MultiheadSelfAttention."""

    def __init__(self, embed_dim, num_heads):
        super().__init__()
        self.attention = nn.MultiheadAttention(embed_dim, num_heads, batch_first=True)

    def forward(self, x):
        tokens = x.flatten(2).transpose(1, 2)  # [N, H*W, C]
        out, _ = self.attention(tokens, tokens, tokens, need_weights=False)
        return out.transpose(1, 2).reshape(x.shape)


def layer_cases():
    cases = []

    def x_for(name, shape, low=-1.0, high=1.0):
        return Rng(name + "/x").uniform(shape, low, high)

    for name, bias, shape in [("linear/bias", True, [3, 5]), ("linear/no_bias", False, [3, 5]),
                              ("linear/3d_input", True, [2, 3, 5])]:
        cases.append(layer_case(name, "linear", nn.Linear(5, 4, bias=bias), x_for(name, shape),
                                {"in_features": 5, "out_features": 4, "bias": bias}))

    conv_configs = [
        ("conv2d/3x3_pad1", 3, 4, [3, 3], [1, 1], [1, 1], [1, 1], 1, True),
        ("conv2d/stride2_dilation2_groups2", 4, 6, [3, 2], [2, 1], [2, 1], [2, 2], 2, False),
        ("conv2d/depthwise", 4, 4, [3, 3], [1, 1], [1, 1], [1, 1], 4, True),
    ]
    for name, cin, cout, kernel, stride, padding, dilation, groups, bias in conv_configs:
        module = nn.Conv2d(cin, cout, kernel, stride, padding, dilation, groups, bias)
        cases.append(layer_case(name, "conv2d", module, x_for(name, [2, cin, 7, 6]),
                                {"in_channels": cin, "out_channels": cout, "kernel": kernel,
                                 "stride": stride, "padding": padding, "dilation": dilation,
                                 "groups": groups, "bias": bias}))

    running = ["running_mean", "running_var", "num_batches_tracked"]
    for name, train, momentum, affine in [("batch_norm2d/train", True, 0.1, True),
                                          ("batch_norm2d/train_momentum0.3", True, 0.3, True),
                                          ("batch_norm2d/train_no_affine", True, 0.1, False),
                                          ("batch_norm2d/eval", False, 0.1, True)]:
        module = nn.BatchNorm2d(3, eps=1e-3, momentum=momentum, affine=affine)
        # An offset and scale per channel, so that the statistics are not ~(0, 1/3).
        x = x_for(name, [4, 3, 3, 5]) * torch.tensor([1.0, 3.0, 0.5]).view(1, 3, 1, 1) + 2.0
        cases.append(layer_case(name, "batch_norm2d", module, x,
                                {"num_features": 3, "eps": 1e-3, "momentum": momentum,
                                 "affine": affine},
                                train=train, state_after=running if train else ()))

    for name, normalized_shape, shape in [("layer_norm/last_dim", [6], [2, 3, 6]),
                                          ("layer_norm/last_two_dims", [3, 4], [2, 3, 4])]:
        module = nn.LayerNorm(normalized_shape, eps=1e-5)
        cases.append(layer_case(name, "layer_norm", module, x_for(name, shape),
                                {"normalized_shape": normalized_shape, "eps": 1e-5}))

    for name, module in [("relu", nn.ReLU()), ("gelu", nn.GELU()), ("sigmoid", nn.Sigmoid())]:
        cases.append(layer_case(name, name, module, x_for(name, [2, 3, 4], -4.0, 4.0), {}))

    pool_configs = [
        ("max_pool2d/k3_s2_p1", "max_pool2d", nn.MaxPool2d(3, 2, 1), [3, 3], [2, 2], [1, 1], True),
        ("max_pool2d/k2", "max_pool2d", nn.MaxPool2d(2), [2, 2], [2, 2], [0, 0], True),
        ("avg_pool2d/k3_s2_p1", "avg_pool2d", nn.AvgPool2d(3, 2, 1), [3, 3], [2, 2], [1, 1],
         True),
        ("avg_pool2d/k3_s2_p1_exclude_pad", "avg_pool2d",
         nn.AvgPool2d(3, 2, 1, count_include_pad=False), [3, 3], [2, 2], [1, 1], False),
    ]
    for name, op, module, kernel, stride, padding, include_pad in pool_configs:
        cases.append(layer_case(name, op, module, x_for(name, [2, 3, 7, 6]),
                                {"kernel": kernel, "stride": stride, "padding": padding,
                                 "count_include_pad": include_pad}))
    for name, size in [("adaptive_avg_pool2d/3x2", [3, 2]), ("adaptive_avg_pool2d/1x1", [1, 1])]:
        cases.append(layer_case(name, "adaptive_avg_pool2d", nn.AdaptiveAvgPool2d(size),
                                x_for(name, [2, 3, 7, 5]), {"output_size": size}))

    for name, embed_dim, heads in [("multihead_self_attention/2_heads", 8, 2),
                                   ("multihead_self_attention/1_head", 6, 1)]:
        cases.append(layer_case(name, "multihead_self_attention",
                                SpatialSelfAttention(embed_dim, heads),
                                x_for(name, [2, embed_dim, 3, 2]),
                                {"embed_dim": embed_dim, "num_heads": heads},
                                state_of=lambda m: m.attention))

    # The stack that tests/nn/test_layers_golden.cpp builds for op "sequential".
    name = "sequential/conv_bn_relu_pool_linear"
    module = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                           nn.MaxPool2d(2), nn.Flatten(), nn.Linear(16, 5))
    cases.append(layer_case(name, "sequential", module, x_for(name, [2, 3, 4, 4]), {},
                            state_after=["1.running_mean", "1.running_var"]))
    return cases


# ----- losses ---------------------------------------------------------------------

def loss_cases():
    cases = []
    for name, smoothing, scale in [("cross_entropy/plain", 0.0, 3.0),
                                   ("cross_entropy/smoothing0.1", 0.1, 3.0),
                                   ("cross_entropy/smoothing1", 1.0, 3.0),
                                   ("cross_entropy/large_logits_smoothing0.2", 0.2, 400.0)]:
        rng = Rng(name)
        logits = rng.uniform([5, 4], -scale, scale)
        target = rng.index([5], 4)
        logits64 = f64(logits).requires_grad_()
        loss = F.cross_entropy(logits64, target, label_smoothing=smoothing)
        loss.backward()
        cases.append(case(name, "cross_entropy", {"logits": logits, "target": target},
                          {"loss": loss, "grad.logits": logits64.grad},
                          {"label_smoothing": smoothing}))
    return cases


# ----- optimizer ------------------------------------------------------------------

def sgd_case(name, steps, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False,
             decay_only_weights=False, max_norm=None):
    rng = Rng(name)
    layer = nn.Linear(4, 3)
    randomise(layer, rng)
    x = rng.uniform([6, 4], -2.0, 2.0)
    target = rng.index([6], 3)
    state = {k: v.clone() for k, v in layer.state_dict().items()}

    layer = layer.double()
    if decay_only_weights:
        groups = [{"params": [layer.weight]}, {"params": [layer.bias], "weight_decay": 0.0}]
    else:
        groups = [{"params": list(layer.parameters())}]
    optimizer = torch.optim.SGD(groups, lr=lr, momentum=momentum, dampening=dampening,
                                weight_decay=weight_decay, nesterov=nesterov)
    outputs = {}
    norms = []
    for step in range(1, steps + 1):
        optimizer.zero_grad()
        F.cross_entropy(layer(f64(x)), target).backward()
        if max_norm is not None:
            norms.append(float(nn.utils.clip_grad_norm_(layer.parameters(), max_norm)))
        optimizer.step()
        for k, p in layer.named_parameters():
            outputs["step%d.%s" % (step, k)] = p.detach().clone()
    if momentum != 0.0:
        for k, p in layer.named_parameters():
            outputs["momentum_buffer." + k] = optimizer.state[p]["momentum_buffer"]
    if max_norm is not None:
        outputs["grad_norm"] = torch.tensor(norms, dtype=torch.float64)

    inputs = {"x": x, "target": target}
    inputs.update({"state." + k: v for k, v in state.items()})
    params = {"steps": steps, "lr": lr, "momentum": momentum, "dampening": dampening,
              "weight_decay": weight_decay, "nesterov": nesterov,
              "decay_only_weights": decay_only_weights, "max_norm": max_norm}
    # Errors compound over the steps; f32 is not compared with PyTorch's f64 here.
    return case(name, "sgd", inputs, outputs, params, dtypes=["f64"])


def optim_cases():
    return [
        sgd_case("sgd/plain", 4, lr=0.5),
        sgd_case("sgd/momentum", 5, lr=0.3, momentum=0.9),
        sgd_case("sgd/momentum_dampening_weight_decay", 5, lr=0.3, momentum=0.8, dampening=0.25,
                 weight_decay=0.05),
        sgd_case("sgd/nesterov_weight_decay", 5, lr=0.2, momentum=0.9, weight_decay=0.01,
                 nesterov=True),
        sgd_case("sgd/weight_decay_weights_only", 4, lr=0.4, momentum=0.5, weight_decay=0.1,
                 decay_only_weights=True),
        sgd_case("sgd/clip_grad_norm", 4, lr=0.5, momentum=0.9, max_norm=0.3),
    ]


GROUPS = {"layers": layer_cases, "loss": loss_cases, "optim": optim_cases}


def main():
    torch.manual_seed(0)  # only PyTorch's own (overwritten) default init draws from it
    write_groups(OUT_DIR, GROUPS, nn_file_json)


if __name__ == "__main__":
    main()
