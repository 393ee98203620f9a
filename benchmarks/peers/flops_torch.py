#!/usr/bin/python3
"""The FLOPs counter of chase/flops/ rewritten on PyTorch forward hooks: the peer
that checks the C++ counter's figures.

The rules are those of chase/flops/flops_rules.h (kalviny/MSDNet-PyTorch
op_counter.py for the types it knows, at commit 6c08a22672641ed4a7a2b3030318fb6c0782319c,
extended to GELU, Sigmoid, LayerNorm and self-attention), one multiply-add per
unit. The conventions are those of chase/flops/flops_counter.h: a forward hook on
every module with a rule records its MACs and its output's grad_fn; exit k needs a
call when that grad_fn is reachable from exit k's logits through next_functions.

  /usr/bin/python3 benchmarks/peers/flops_torch.py            # the toy models' checks
  /usr/bin/python3 benchmarks/peers/flops_torch.py --chase build/examples/chase
      # also compares `chase flops --json` with this counter on every MSDNet preset
      # of benchmarks/peers/msdnet_torch.py (the PyTorch port), in every convention

Checks made:
- the toy models of tests/chase/test_flops.cpp give the figures worked out by hand
  there (conv/BN/ReLU/pools/depthwise/GELU/linear net, the two-exit model in the
  three conventions, dense concatenation with a residual, a CAM-like channel gate
  with an own-operations rule, the other rules);
- self-attention: the analytic rule equals an independent count, torch.profiler's
  matrix-product FLOPs / 2 plus the biases plus one per softmax score;
- with --chase: every exit of every preset, MACs and parameters, equal to the C++.
"""
import argparse
import json
import os
import subprocess
import sys

import torch
import torch.nn as nn

CONVENTIONS = ("msdnet", "lazy", "sequential")


# ---- rules: multiply-adds of one call, x the input, y the output ---------------------------

def conv2d_macs(m, x, y):
    return (x.shape[0] * m.in_channels * m.out_channels * m.kernel_size[0] * m.kernel_size[1]
            * y.shape[2] * y.shape[3] // m.groups)


def linear_macs(m, x, y):
    rows = x.numel() // m.in_features
    return rows * (m.in_features * m.out_features + (m.out_features if m.bias is not None else 0))


def pool_macs(m, x, y):
    # op_counter: both output sides from the input height (x.size()[2]).
    pair = lambda v: (v, v) if isinstance(v, int) else tuple(v)
    (kh, kw), (sh, _), (ph, _) = pair(m.kernel_size), pair(m.stride), pair(m.padding)
    side = (x.shape[2] + 2 * ph - kh) // sh + 1
    return x.shape[0] * x.shape[1] * side * side * kh * kw


def attention_macs(m, x, y):
    # nn.MultiheadAttention(batch_first=True) on tokens [N, L, C], self-attention.
    n, tokens, channels = x.shape
    bias = m.in_proj_bias is not None
    return n * (tokens * 3 * channels * channels + (tokens * 3 * channels if bias else 0)
                + tokens * tokens * channels + m.num_heads * tokens * tokens
                + tokens * tokens * channels
                + tokens * channels * channels + (tokens * channels if bias else 0))


RULES = {
    nn.Conv2d: conv2d_macs,
    nn.Linear: linear_macs,
    nn.ReLU: lambda m, x, y: x.numel(),
    nn.GELU: lambda m, x, y: x.numel(),
    nn.Sigmoid: lambda m, x, y: x.numel(),
    nn.AvgPool2d: pool_macs,
    nn.MaxPool2d: pool_macs,
    nn.AdaptiveAvgPool2d: lambda m, x, y: x.numel(),
    nn.BatchNorm2d: lambda m, x, y: 0,
    nn.Dropout: lambda m, x, y: 0,
    nn.Flatten: lambda m, x, y: 0,
    nn.LayerNorm: lambda m, x, y: x.numel() * (4 if m.elementwise_affine else 3),
    nn.MultiheadAttention: attention_macs,
}


class ChannelGate(nn.Module):
    """The shape of CHASE's CAM (tests/chase/test_flops.cpp): x times a channel gate."""

    def __init__(self, channels):
        super().__init__()
        self.gate = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(channels, channels // 2, 1),
                                  nn.GELU(), nn.Conv2d(channels // 2, channels, 1), nn.Sigmoid())

    def forward(self, x):
        return x * self.gate(x)


# Own-operations rules (FlopsRules::set_own_ops): what a composite computes itself.
OWN_RULES = {ChannelGate: lambda m, x, y: y.numel()}


def rule_of(module):
    for kind, rule in RULES.items():
        if type(module) is kind:
            return rule
    return None


# ---- the counter ----------------------------------------------------------------------------

def reachable(grad_fn):
    seen, pending = set(), [grad_fn] if grad_fn is not None else []
    while pending:
        node = pending.pop()
        if node in seen:
            continue
        seen.add(node)
        pending.extend(next_fn for next_fn, _ in node.next_functions if next_fn is not None)
    return seen


def profile(model, input_chw, forward_exits=None):
    """Calls [(name, type, macs, params, needed_by)] and the model's parameter count."""
    calls, handles = [], []

    def hook(name, module, rule, own=False):
        def record(m, inputs, output):
            x = inputs[0]
            y = output[0] if isinstance(output, tuple) else output
            params = m.parameters(recurse=not own)  # own rule: the module's own only
            calls.append({"name": name, "type": type(m).__name__, "macs": int(rule(m, x, y)),
                          "params": sum(p.numel() for p in params),
                          # grad_fn now: an in-place op after it (ReLU(inplace=True)) would
                          # change the tensor's grad_fn
                          "module": m, "output": y.grad_fn})
        return record

    def attach(module, name):
        rule = rule_of(module)
        own_rule = OWN_RULES.get(type(module))
        if rule is not None:
            handles.append(module.register_forward_hook(hook(name, module, rule)))
            return
        if own_rule is not None:  # fires after the children's hooks, as in chase
            handles.append(module.register_forward_hook(hook(name, module, own_rule, own=True)))
        if not list(module.children()) and own_rule is None:
            raise TypeError(f"cannot count the layer {name!r} of type {type(module).__name__}")
        else:
            for child_name, child in module.named_children():
                attach(child, f"{name}.{child_name}" if name else child_name)

    attach(model, "")
    was_training = model.training
    model.eval()
    try:
        image = torch.zeros(1, *input_chw, requires_grad=True)
        exits = forward_exits(image) if forward_exits else model(image)
        if not isinstance(exits, (list, tuple)):
            exits = [exits]
    finally:
        for handle in handles:
            handle.remove()
        model.train(was_training)
    sets = [reachable(logits.grad_fn) for logits in exits]
    for call in calls:
        node = call.pop("output")
        call["needed_by"] = [node is not None and node in s for s in sets]
    return calls, sum(p.numel() for p in model.parameters()), len(exits)


def exits_of(calls, exit_count, convention):
    result, needed_so_far = [], [False] * len(calls)
    for k in range(exit_count):
        end = 0
        for c, call in enumerate(calls):
            if call["needed_by"][k]:
                needed_so_far[c] = True
                end = c + 1
        if convention == "msdnet":
            chosen = calls[:end]
            params = sum(call["params"] for call in chosen)
        else:
            chosen = [call for c, call in enumerate(calls)
                      if (call["needed_by"][k] if convention == "lazy" else needed_so_far[c])]
            params = sum({id(call["module"]): call["params"] for call in chosen}.values())
        result.append({"macs": sum(call["macs"] for call in chosen), "params": params})
    return result


# ---- the toy models of tests/chase/test_flops.cpp -------------------------------------------

def small_net():
    return nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Conv2d(4, 4, 3, padding=1, groups=4), nn.GELU(),
                         nn.AvgPool2d(2), nn.Flatten(), nn.Linear(16, 10))


class ToyTwoExit(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(1, 2, 3, padding=1)
        self.dead = nn.ReLU()
        self.body = nn.Conv2d(2, 2, 1)
        self.head1 = nn.Sequential(nn.Flatten(), nn.Linear(32, 3))
        self.head2 = nn.Sequential(nn.Flatten(), nn.Linear(32, 3))

    def forward(self, x):
        stem = self.stem(x)
        self.dead(stem)
        body = self.body(stem)
        exit1 = self.head1(stem)
        return [exit1, self.head2(body)]


class DenseResidual(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Conv2d(2, 2, 1)
        self.b = nn.Conv2d(4, 2, 1)

    def forward(self, x):
        return x + self.b(torch.cat([x, self.a(x)], 1))


class SelfAttention2d(nn.Module):
    """chase's MultiheadSelfAttention: the H * W positions of [N, C, H, W] as tokens."""

    def __init__(self, channels, heads, bias=True):
        super().__init__()
        self.attention = nn.MultiheadAttention(channels, heads, bias=bias, batch_first=True)

    def forward(self, x):
        n, c, h, w = x.shape
        tokens = x.reshape(n, c, h * w).transpose(1, 2)
        out, _ = self.attention(tokens, tokens, tokens, need_weights=False)
        return out.transpose(1, 2).reshape(n, c, h, w)


def macs(model, input_chw, convention="msdnet"):
    calls, _, count = profile(model, input_chw)
    return [e["macs"] for e in exits_of(calls, count, convention)]


def profiler_attention_macs(channels, heads, input_chw, bias):
    """An independent count: torch.profiler's FLOPs of the matrix products / 2, plus the
    biases (addmm's bias is not in its FLOPs) and one per softmax score."""
    model = SelfAttention2d(channels, heads, bias).eval()
    x = torch.randn(1, *input_chw)
    with torch.profiler.profile(with_flops=True) as prof:
        model(x)
    products = sum(e.flops for e in prof.key_averages()
                   if e.key in ("aten::mm", "aten::addmm", "aten::bmm", "aten::baddbmm"))
    tokens = input_chw[1] * input_chw[2]
    biases = (tokens * 3 * channels + tokens * channels) if bias else 0
    return products // 2 + biases + heads * tokens * tokens


def check(name, actual, expected):
    status = "OK" if actual == expected else "MISMATCH"
    print(f"{status:8} {name}: {actual} (expected {expected})")
    return actual == expected


def toy_checks():
    torch.manual_seed(0)
    ok = True
    calls, params, _ = profile(small_net(), (3, 8, 8))
    ok &= check("small net per call", [c["macs"] for c in calls],
                [6912, 0, 256, 256, 576, 64, 64, 0, 170])
    ok &= check("small net params", params, 330)
    toy = ToyTwoExit()
    ok &= check("two exits msdnet", macs(toy, (1, 4, 4), "msdnet"), [483, 582])
    ok &= check("two exits lazy", macs(toy, (1, 4, 4), "lazy"), [387, 451])
    ok &= check("two exits sequential", macs(toy, (1, 4, 4), "sequential"), [387, 550])
    calls, params, count = profile(toy, (1, 4, 4))
    ok &= check("two exits params msdnet/lazy/sequential",
                [[e["params"] for e in exits_of(calls, count, c)] for c in CONVENTIONS],
                [[125, 224], [119, 125], [119, 224]])
    ok &= check("dense concat + residual", macs(DenseResidual(), (2, 3, 3)), [108])
    ok &= check("strided conv on 5x7", macs(nn.Conv2d(2, 3, 3, stride=2, padding=1), (2, 5, 7)),
                [648])
    ok &= check("global average pool", macs(nn.AdaptiveAvgPool2d(1), (4, 5, 6)), [120])
    ok &= check("linear without bias, 4-d input", macs(nn.Linear(5, 4, bias=False), (2, 3, 5)),
                [120])
    ok &= check("layer norm", macs(nn.LayerNorm(5), (2, 3, 5)), [120])
    ok &= check("avg pool on 4x6 (op_counter's height rule)", macs(nn.AvgPool2d(2), (2, 4, 6)),
                [32])
    calls, _, _ = profile(ChannelGate(4), (4, 3, 3))
    ok &= check("channel gate (own-operations rule) per call", [c["macs"] for c in calls],
                [36, 8, 2, 8, 4, 36])
    ok &= check("channel gate own params", calls[-1]["params"], 0)
    for channels, heads, bias, expected in ((4, 2, True, 840), (4, 1, False, 708)):
        label = f"attention C={channels} h={heads} bias={bias} on 2x3"
        model = SelfAttention2d(channels, heads, bias)
        ok &= check(label + " (rule)", macs(model, (channels, 2, 3)), [expected])
        ok &= check(label + " (profiler)",
                    profiler_attention_macs(channels, heads, (channels, 2, 3), bias), expected)
    return ok


# ---- MSDNet presets through the PyTorch port -------------------------------------------------

def preset_checks(chase_binary):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import msdnet_torch  # the port of chase/models/msdnet*, benchmarks/peers/msdnet_torch.py
    ok = True
    for preset in msdnet_torch.PRESETS:
        model, input_chw = msdnet_torch.preset_model(preset)
        calls, params, count = profile(model, tuple(input_chw))
        for convention in CONVENTIONS:
            ours = exits_of(calls, count, convention)
            out = subprocess.run([chase_binary, "flops", "--model", preset, "--convention",
                                  convention, "--json"], check=True, capture_output=True, text=True)
            theirs = json.loads(out.stdout)
            ok &= check(f"{preset} {convention} params", theirs["params"], params)
            ok &= check(f"{preset} {convention} MACs", [e["macs"] for e in theirs["exits"]],
                        [e["macs"] for e in ours])
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chase", help="the chase program: compare `chase flops` on the presets")
    args = parser.parse_args()
    torch.set_num_threads(1)
    ok = toy_checks()
    if args.chase:
        ok &= preset_checks(args.chase)
    print("all figures agree" if ok else "SOME FIGURES DISAGREE")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
