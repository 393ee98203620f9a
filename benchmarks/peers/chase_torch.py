#!/usr/bin/python3
"""PyTorch port of chase's CHASE network (chase/models/chase_{config,layers,net}.{h,cpp}),
written for this project from the C++: the same module tree, so that state-dict
names are the C++'s and this project's safetensors load with strict=True, the
same forward order, and a loader for chase's safetensors files.
torch.nn only: Conv2d, BatchNorm2d, GELU (exact), Sigmoid, AdaptiveAvgPool2d,
LayerNorm, MultiheadAttention (batch_first), Linear, Flatten.

Uses:
  - tests/golden/make_chase_net_golden.py builds tiny networks with it and records
    every exit's logits in f64 (tests/golden/chase/tiny_net.safetensors);
  - `check FILE` (or `--check FILE`) compares the logits chase computed for a full
    preset with the port's (docs/chase.md):

        build/benchmarks/chase_logits --model chase-cifar10 --out /tmp/c.safetensors
        /usr/bin/python3 benchmarks/peers/chase_torch.py check /tmp/c.safetensors

    FILE holds the network's state ("state.<name>"), the input ("input") and
    chase's logits of every exit in evaluation mode ("exit<k>.eval") then, from
    the same state, in training mode ("exit<k>.train"); its metadata
    "chase_config" is the network's configuration as JSON (chase_config_json)
    and "chase_plan" chase's plan (plan_json below), which must equal the port's.
    Prints one JSON object per exit and mode, with the largest absolute
    difference and that difference relative to the exit's largest |logit|, and
    fails when one exceeds --rtol (1e-4).
  - `plan CONFIG_JSON` prints the port's plan (plan_json) of a configuration.

Run with Debian's PyTorch 1.13: /usr/bin/python3, not the python3 first on PATH.
"""

import json
import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from port_common import check_exits, load_safetensors, rtol_of  # noqa: E402

# ----- configuration (chase/models/chase_config.h) --------------------------------

DEFAULT_CONFIG = {
    "in_channels": 3, "num_classes": 10, "stem_channels": 32, "stem_stride": 2,
    "first_channels": 32, "n_blocks": 3, "layers_per_block": 4, "kappa": 2, "growth": 12,
    "gr_factor": [1, 2, 4], "bn_factor": [1, 2, 4], "bottleneck": True, "reduction": 0.5,
    "cam": True, "cam_reduction": 2, "gal": "last_block", "gal_heads": 4, "gal_mlp_ratio": 2,
    "classifier_channels": 128,
}

GAL_PLACEMENTS = ("none", "last_block", "last_two_blocks")


def config_of(**changes):
    """A full configuration: the C++ defaults with `changes`; refuses unknown keys
    (as parse_chase_config_json does)."""
    unknown = set(changes) - set(DEFAULT_CONFIG)
    if unknown:
        raise ValueError("chase config: unknown keys %s" % sorted(unknown))
    config = dict(DEFAULT_CONFIG)
    config.update(changes)
    if config["gal"] not in GAL_PLACEMENTS:
        raise ValueError("chase config: 'gal' must be one of %s, got %r"
                         % (GAL_PLACEMENTS, config["gal"]))
    return config


def parse_config(text):
    """chase_config_json's text -> configuration; every key must be there."""
    j = json.loads(text)
    missing = set(DEFAULT_CONFIG) - set(j)
    if missing:
        raise ValueError("chase config: missing keys %s" % sorted(missing))
    return config_of(**j)


def plan_chase(c):
    """plan_chase of chase_config.cpp, line for line: width[b][l][s] (channels of
    x^s_{b,l}, 0 = empty), stack[b][l][s] (channels of concat_{i<=l} x^s_{b,i}),
    first_scale, gal_after and the exits as dicts {global_layer, block, layer,
    channels}, 0-based."""
    blocks, layers, scales = c["n_blocks"], c["layers_per_block"], len(c["gr_factor"])
    if not 1 <= blocks <= scales:
        raise ValueError("chase config: n_blocks %d must lie in [1, %d]" % (blocks, scales))
    if not 1 <= c["kappa"] <= blocks * layers:
        raise ValueError("chase config: kappa %d out of [1, %d]" % (c["kappa"], blocks * layers))
    width = [[[0] * scales for _ in range(layers + 1)] for _ in range(blocks)]
    stack = [[[0] * scales for _ in range(layers + 1)] for _ in range(blocks)]
    first_scale = list(range(blocks))
    gal_after = [(c["gal"] == "last_block" and b == blocks - 1) or
                 (c["gal"] == "last_two_blocks" and b >= blocks - 2) for b in range(blocks)]
    for b in range(blocks):
        w, st = width[b], stack[b]
        for s in range(b, scales):
            if b == 0:
                w[0][s] = c["first_channels"] if s == 0 else 0
            else:
                w[0][s] = int(c["reduction"] * stack[b - 1][layers][s])  # truncates, as C++
                if w[0][s] <= 0:
                    raise ValueError("chase config: transition after block %d empties scale %d"
                                     % (b, s + 1))
            st[0][s] = w[0][s]
        for l in range(1, layers + 1):
            for s in range(b, scales):
                finer = st[l][s - 1] if s > b else 0
                same = st[l - 1][s]
                w[l][s] = c["growth"] * c["gr_factor"][s] if finer > 0 or same > 0 else 0
                st[l][s] = same + w[l][s]
        if gal_after[b] and st[layers][scales - 1] % c["gal_heads"] != 0:
            raise ValueError("chase config: GAL width %d not divisible by %d heads"
                             % (st[layers][scales - 1], c["gal_heads"]))
    total, exits, g = blocks * layers, [], c["kappa"]
    while True:
        g = min(g, total)
        block, layer = (blocks - 1, layers) if g == total else (g // layers, g % layers)
        exits.append({"global_layer": g, "block": block, "layer": layer,
                      "channels": stack[block][layer][scales - 1]})
        if g == total:
            break
        g += c["kappa"]
    return {"width": width, "stack": stack, "first_scale": first_scale, "gal_after": gal_after,
            "exits": exits}


def plan_json(plan):
    """The plan as chase_logits writes it (metadata "chase_plan"): sorted keys, no spaces."""
    return json.dumps(plan, sort_keys=True, separators=(",", ":"))


# ----- modules (chase/models/chase_layers.h), child names as there -----------------

def conv(cin, cout, kernel, stride, bias, groups=1):
    return nn.Conv2d(cin, cout, kernel, stride=stride, padding=kernel // 2, groups=groups,
                     bias=bias)


def conv_bn(cin, cout, kernel, stride, activate=True, groups=1):
    """Conv (no bias) - BatchNorm - GELU as one Sequential: children 0, 1, 2."""
    layers = [conv(cin, cout, kernel, stride, False, groups), nn.BatchNorm2d(cout)]
    if activate:
        layers.append(nn.GELU())
    return layers


class Stem(nn.Module):
    """conv 3x3 (stride 2 when stem_stride is 4) - dw 3x3 depthwise - pw 1x1 (no GELU)
    added back to conv's output - out 3x3 (stride 2 when stem_stride is 2 or 4)."""

    def __init__(self, cin, channels, cout, stride):
        super().__init__()
        self.conv = nn.Sequential(*conv_bn(cin, channels, 3, 2 if stride == 4 else 1))
        self.dw = nn.Sequential(*conv_bn(channels, channels, 3, 1, True, channels))
        self.pw = nn.Sequential(*conv_bn(channels, channels, 1, 1, False))
        self.out = nn.Sequential(*conv_bn(channels, cout, 3, 2 if stride >= 2 else 1))

    def forward(self, image):
        x = self.conv(image)
        x = x + self.pw(self.dw(x))
        return self.out(x)


class CAM(nn.Module):
    """x * sigmoid(expand(GELU(reduce(avgpool(x))))), C -> max(1, C // r) -> C."""

    def __init__(self, channels, reduction):
        super().__init__()
        hidden = max(1, channels // reduction)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.reduce = conv(channels, hidden, 1, 1, True)
        self.act = nn.GELU()
        self.expand = conv(hidden, channels, 1, 1, True)
        self.gate = nn.Sigmoid()

    def forward(self, x):
        return x * self.gate(self.expand(self.act(self.reduce(self.pool(x)))))


class FusionConv(nn.Module):
    """f ("down", stride 2) or h (stride 1): CAM (when on), then 1x1 to
    min(in, bn_width * out) - BN - GELU (bottleneck), 3x3 - BN - GELU."""

    def __init__(self, cin, cout, down, cam, cam_reduction, bottleneck, bn_width):
        super().__init__()
        self.cam = CAM(cin, cam_reduction) if cam else None
        layers, inner = [], cin
        if bottleneck:
            inner = min(cin, bn_width * cout)
            layers += conv_bn(cin, inner, 1, 1)
        layers += conv_bn(inner, cout, 3, 2 if down else 1)
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(self.cam(x) if self.cam is not None else x)


class FusionLayer(nn.Module):
    """Eq. 4 at one scale: f on the finer stack, h on this scale's, f's output first
    in the concatenation; an empty input (0 channels) has no module."""

    def __init__(self, finer, same, growth, cam, cam_reduction, bottleneck, bn_finer, bn_same):
        super().__init__()
        if finer <= 0 and same <= 0:
            raise ValueError("FusionLayer: both inputs are empty")
        out = growth // 2 if finer > 0 and same > 0 else growth
        self.down = FusionConv(finer, out, True, cam, cam_reduction, bottleneck,
                               bn_finer) if finer > 0 else None
        self.normal = FusionConv(same, out, False, cam, cam_reduction, bottleneck,
                                 bn_same) if same > 0 else None

    def forward(self, finer, same):
        if (finer is not None) != (self.down is not None) or \
                (same is not None) != (self.normal is not None):
            raise ValueError("FusionLayer: inputs do not match the plan")
        if self.down is None:
            return self.normal(same)
        if self.normal is None:
            return self.down(finer)
        return torch.cat([self.down(finer), self.normal(same)], 1)


class GAL(nn.Module):
    """x + cpe(x); + attn(norm1(tokens)); + mlp(norm2(tokens)) (mlp_ratio > 0)."""

    def __init__(self, channels, heads, mlp_ratio):
        super().__init__()
        self.cpe = conv(channels, channels, 3, 1, True, channels)
        self.norm1 = nn.LayerNorm(channels)
        self.attn = nn.MultiheadAttention(channels, heads, batch_first=True)
        if mlp_ratio > 0:
            self.norm2 = nn.LayerNorm(channels)
            self.mlp = nn.Sequential(nn.Linear(channels, mlp_ratio * channels), nn.GELU(),
                                     nn.Linear(mlp_ratio * channels, channels))
        else:
            self.norm2 = self.mlp = None

    def forward(self, x):
        n, c, h, w = x.shape
        y = x + self.cpe(x)
        tokens = y.flatten(2).transpose(1, 2)  # [N, H*W, C], row-major positions
        t = self.norm1(tokens)
        tokens = tokens + self.attn(t, t, t, need_weights=False)[0]
        if self.mlp is not None:
            tokens = tokens + self.mlp(self.norm2(tokens))
        return tokens.transpose(1, 2).reshape(n, c, h, w)


class Classifier(nn.Module):
    """Two 3x3 convolutions (stride 2, then 1), each BN - GELU, global average pool,
    flatten (all in `m`), then `linear`."""

    def __init__(self, cin, channels, num_classes):
        super().__init__()
        self.m = nn.Sequential(*conv_bn(cin, channels, 3, 2), *conv_bn(channels, channels, 3, 1),
                               nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.linear = nn.Linear(channels, num_classes)

    def forward(self, x):
        return self.linear(self.m(x))


class Block(nn.Module):
    """layers.L.J: FusionLayer of layer L + 1 at kept scale J; gal; transition.J."""

    def __init__(self, c, plan, b):
        super().__init__()
        scales, first, stack = len(c["gr_factor"]), plan["first_scale"][b], plan["stack"][b]
        layers = []
        for l in range(1, c["layers_per_block"] + 1):
            layers.append(nn.ModuleList([
                FusionLayer(stack[l][s - 1] if s > first else 0, stack[l - 1][s],
                            plan["width"][b][l][s], c["cam"], c["cam_reduction"],
                            c["bottleneck"], c["bn_factor"][s - 1] if s > 0 else 0,
                            c["bn_factor"][s])
                for s in range(first, scales)]))
        self.layers = nn.ModuleList(layers)
        last = stack[c["layers_per_block"]]
        self.gal = GAL(last[scales - 1], c["gal_heads"], c["gal_mlp_ratio"]) \
            if plan["gal_after"][b] else None
        if b + 1 < c["n_blocks"]:
            following = plan["width"][b + 1][0]
            self.transition = nn.ModuleList([nn.Sequential(*conv_bn(last[s], following[s], 1, 1))
                                             for s in range(first + 1, scales)])
        else:
            self.transition = None


class ChaseNet(nn.Module):
    """forward(x) -> the list of every exit's logits, earliest first."""

    def __init__(self, config):
        super().__init__()
        self.config = config
        self.plan = plan_chase(config)
        c = config
        self.stem = Stem(c["in_channels"], c["stem_channels"], c["first_channels"],
                         c["stem_stride"])
        self.blocks = nn.ModuleList([Block(c, self.plan, b) for b in range(c["n_blocks"])])
        self.classifiers = nn.ModuleList([
            Classifier(e["channels"], c["classifier_channels"], c["num_classes"])
            for e in self.plan["exits"]])

    def forward(self, x):
        c, plan = self.config, self.plan
        scales, layers = len(c["gr_factor"]), c["layers_per_block"]
        coarsest, exits, logits = scales - 1, plan["exits"], []

        def exit_if_due(b, l, m):
            k = len(logits)
            if k < len(exits) and exits[k]["block"] == b and exits[k]["layer"] == l:
                if m is None or m.shape[1] != exits[k]["channels"]:
                    raise ValueError("exit %d: map %s, plan says %d channels"
                                     % (k + 1, None if m is None else tuple(m.shape),
                                        exits[k]["channels"]))
                logits.append(self.classifiers[k](m))

        stack = [None] * scales  # concat_{i<=l} x^s_{b,i}; None while empty
        stack[0] = self.stem(x)
        for b, block in enumerate(self.blocks):
            first = plan["first_scale"][b]
            exit_if_due(b, 0, stack[coarsest])
            for l in range(1, layers + 1):
                for s in range(first, scales):
                    # The finer stack already holds this layer's output (i <= l).
                    finer = stack[s - 1] if s > first else None
                    out = block.layers[l - 1][s - first](finer, stack[s])
                    stack[s] = out if stack[s] is None else torch.cat([stack[s], out], 1)
                if l < layers:
                    exit_if_due(b, l, stack[coarsest])
            if block.gal is not None:
                stack[coarsest] = block.gal(stack[coarsest])
            if block.transition is None:
                exit_if_due(b, layers, stack[coarsest])
                break
            stack[first] = None  # Eq. 2: the finest kept scale is dropped
            for s in range(first + 1, scales):
                stack[s] = block.transition[s - first - 1](stack[s])
        if len(logits) != len(exits):
            raise ValueError("computed %d exits, the plan has %d" % (len(logits), len(exits)))
        return logits


# ----- commands -------------------------------------------------------------------------

def check(path, rtol):
    tensors, metadata = load_safetensors(path)
    model = ChaseNet(parse_config(metadata["chase_config"])).to(tensors["input"].dtype)
    if "chase_plan" in metadata and json.loads(metadata["chase_plan"]) != model.plan:
        print(json.dumps({"file": path, "ok": False, "error": "plans differ",
                          "chase": json.loads(metadata["chase_plan"]), "port": model.plan}))
        return False
    return check_exits(path, tensors, model, rtol, {"preset": metadata.get("preset"),
                                                    "plan_checked": "chase_plan" in metadata})


def main(argv):
    if len(argv) >= 2 and argv[0] in ("check", "--check"):
        return 0 if check(argv[1], rtol_of(argv)) else 1
    if len(argv) == 2 and argv[0] == "plan":
        print(plan_json(plan_chase(parse_config(argv[1]))))
        return 0
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
