#!/usr/bin/python3
"""PyTorch port of chase's MSDNet (chase/models/msdnet*.{h,cpp}), written for this
project from the C++ (not a copy of the official models/msdnet.py): the same
module tree, so that state-dict names are the C++'s (which are the official
code's), the same presets, and a loader for chase's safetensors files.

Uses:
  - tests/golden/make_msdnet_golden.py builds tiny networks with it and records
    every exit's logits in f64 (tests/golden/msdnet/tiny.safetensors);
  - `check FILE` compares the logits chase computed for a full preset with the
    port's (docs/msdnet.md, "Checking a full preset"):

        build/benchmarks/msdnet_logits --model msdnet-cifar-anytime --out /tmp/a.safetensors
        /usr/bin/python3 benchmarks/peers/msdnet_torch.py check /tmp/a.safetensors

    FILE holds the network's state ("state.<name>"), the input ("input") and
    chase's logits of every exit in evaluation mode ("exit<k>.eval") then, from
    the same state, in training mode ("exit<k>.train"); its metadata
    "msdnet_config" is the network's configuration as JSON. Prints one JSON
    object per exit and mode, with the largest difference relative to the
    exit's largest |logit|, and fails when one exceeds --rtol (1e-4).
  - `params PRESET [CHANNELS SIZE CLASSES]` prints the port's parameter count.

Run with Debian's PyTorch 1.13: /usr/bin/python3, not the python3 first on PATH.
"""

import json
import math
import sys

import torch
import torch.nn as nn

from port_common import check_exits, load_safetensors, rtol_of

# ----- configuration (chase/models/msdnet_config.h) --------------------------------

DEFAULT_CONFIG = {
    "in_channels": 3, "num_classes": 10, "stem": "cifar", "n_blocks": 1, "n_channels": 32,
    "base": 4, "step_mode": "even", "step": 1, "growth_rate": 6, "gr_factor": [1, 2, 4],
    "bn_factor": [1, 2, 4], "prune": "max", "reduction": 0.5, "bottleneck": True,
    "classifier_channels": 128,
}


def config_of(**changes):
    unknown = set(changes) - set(DEFAULT_CONFIG)
    if unknown:
        raise ValueError("msdnet config: unknown keys %s" % sorted(unknown))
    config = dict(DEFAULT_CONFIG)
    config.update(changes)
    return config


def cifar_recipe(n_blocks, step_mode, step, base):
    return config_of(n_channels=16, growth_rate=6, gr_factor=[1, 2, 4], bn_factor=[1, 2, 4],
                     n_blocks=n_blocks, step_mode=step_mode, step=step, base=base)


# name -> (config, [channels, height, width]): chase/models/msdnet_presets.cpp.
PRESETS = {
    "msdnet-cifar-anytime": (cifar_recipe(10, "even", 2, 4), [3, 32, 32]),
    "msdnet-cifar-budget": (cifar_recipe(7, "lin_grow", 1, 1), [3, 32, 32]),
    "msdnet-imagenet": (config_of(stem="imagenet", num_classes=1000, n_blocks=5, n_channels=32,
                                  base=4, step=4, growth_rate=16, gr_factor=[1, 2, 4, 4],
                                  bn_factor=[1, 2, 4, 4]), [3, 224, 224]),
    "msdnet-fmnist": (dict(cifar_recipe(5, "even", 2, 4), in_channels=1), [1, 28, 28]),
}


def layer_plan(config):
    """Per block, the layers as (in_scales, out_scales, width, transition_width)."""
    scales = len(config["gr_factor"])
    steps = [config["base"]]
    for i in range(1, config["n_blocks"]):
        steps.append(config["step"] if config["step_mode"] == "even" else config["step"] * i + 1)
    total = sum(steps)
    width, done, blocks = config["n_channels"], 0, []
    for step in steps:
        layers = []
        for _ in range(step):
            done += 1
            if config["prune"] == "max":
                interval = -(-total // scales)
                in_scales = scales - max(0, done - 2) // interval
                out_scales = scales - (done - 1) // interval
                transition = in_scales > out_scales and config["reduction"] > 0
            else:
                in_scales = min(scales, total - done + 2)
                out_scales = min(scales, total - done + 1)
                transition = config["reduction"] > 0 and done in (total // 3, 2 * total // 3)
            grown = width + config["growth_rate"]
            reduced = math.floor(config["reduction"] * grown) if transition else 0
            layers.append((in_scales, out_scales, width, reduced))
            width = reduced if transition else grown
        blocks.append((layers, width))
    return blocks


# ----- modules (chase/models/msdnet_layers.h), child names as there ---------------

def conv(cin, cout, kernel, stride, bias=False):
    return nn.Conv2d(cin, cout, kernel, stride=stride, padding=(kernel - 1) // 2, bias=bias)


class ConvBasic(nn.Module):
    def __init__(self, cin, cout, kernel, stride):
        super().__init__()
        self.net = nn.Sequential(conv(cin, cout, kernel, stride), nn.BatchNorm2d(cout), nn.ReLU())

    def forward(self, x):
        return self.net(x)


class ConvBN(nn.Module):
    """Optional 1x1 bottleneck to min(cin, bn_width * cout), then a 3x3 conv."""

    def __init__(self, cin, cout, stride, bottleneck, bn_width):
        super().__init__()
        layers, inner = [], cin
        if bottleneck:
            inner = min(cin, bn_width * cout)
            layers += [conv(cin, inner, 1, 1), nn.BatchNorm2d(inner), nn.ReLU()]
        layers += [conv(inner, cout, 3, stride), nn.BatchNorm2d(cout), nn.ReLU()]
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)


class ConvNormal(nn.Module):
    def __init__(self, cin, cout, bottleneck, bn_width):
        super().__init__()
        self.conv_normal = ConvBN(cin, cout, 1, bottleneck, bn_width)

    def forward(self, same):
        return torch.cat([same, self.conv_normal(same)], 1)


class ConvDownNormal(nn.Module):
    def __init__(self, cin_finer, cin_same, cout, bottleneck, bn_finer, bn_same):
        super().__init__()
        self.conv_down = ConvBN(cin_finer, cout // 2, 2, bottleneck, bn_finer)
        self.conv_normal = ConvBN(cin_same, cout // 2, 1, bottleneck, bn_same)

    def forward(self, finer, same):
        return torch.cat([same, self.conv_down(finer), self.conv_normal(same)], 1)


class MSDNFirstLayer(nn.Module):
    def __init__(self, config):
        super().__init__()
        widths = [config["n_channels"] * f for f in config["gr_factor"]]
        if config["stem"] == "cifar":
            first = ConvBasic(config["in_channels"], widths[0], 3, 1)
        else:
            first = nn.Sequential(conv(config["in_channels"], widths[0], 7, 2, bias=True),
                                  nn.BatchNorm2d(widths[0]), nn.ReLU(),
                                  nn.MaxPool2d(3, 2, 1))
        self.layers = nn.ModuleList(
            [first] + [ConvBasic(widths[s - 1], widths[s], 3, 2) for s in range(1, len(widths))])

    def forward(self, maps):
        (x,) = maps
        out = []
        for layer in self.layers:
            x = layer(x)
            out.append(x)
        return out


class MSDNLayer(nn.Module):
    def __init__(self, config, width, in_scales, out_scales):
        super().__init__()
        gr, bn, growth = config["gr_factor"], config["bn_factor"], config["growth_rate"]
        first = len(gr) - out_scales
        self.drops_scale = in_scales > out_scales
        layers = []
        for s in range(first, len(gr)):
            if s == first and not self.drops_scale:
                layers.append(ConvNormal(width * gr[s], growth * gr[s], config["bottleneck"], bn[s]))
            else:
                layers.append(ConvDownNormal(width * gr[s - 1], width * gr[s], growth * gr[s],
                                             config["bottleneck"], bn[s - 1], bn[s]))
        self.layers = nn.ModuleList(layers)

    def forward(self, maps):
        shift = 1 if self.drops_scale else 0
        out = []
        for i, layer in enumerate(self.layers):
            same = i + shift
            out.append(layer(maps[0]) if same == 0 else layer(maps[same - 1], maps[same]))
        return out


class ParallelModule(nn.Module):
    """A transition: a 1x1 ConvBasic per remaining scale."""

    def __init__(self, config, cin, cout, out_scales):
        super().__init__()
        gr = config["gr_factor"][len(config["gr_factor"]) - out_scales:]
        self.m = nn.ModuleList([ConvBasic(cin * f, cout * f, 1, 1) for f in gr])

    def forward(self, maps):
        return [m(x) for m, x in zip(self.m, maps)]


class MSDNBlock(nn.Sequential):
    def forward(self, maps):
        for layer in self:
            maps = layer(maps)
        return maps


class ClassifierModule(nn.Module):
    def __init__(self, config, cin):
        super().__init__()
        width = config["classifier_channels"] if config["stem"] == "cifar" else cin
        self.m = nn.Sequential(ConvBasic(cin, width, 3, 2), ConvBasic(width, width, 3, 2),
                               nn.AvgPool2d(2))
        self.linear = nn.Linear(width, config["num_classes"])

    def forward(self, coarsest):
        return self.linear(self.m(coarsest).flatten(1))


class MSDNet(nn.Module):
    """forward(x) -> the list of every exit's logits, earliest first."""

    def __init__(self, config):
        super().__init__()
        self.config = config
        blocks, classifiers = [], []
        for b, (layers, out_width) in enumerate(layer_plan(config)):
            modules = [MSDNFirstLayer(config)] if b == 0 else []
            for in_scales, out_scales, width, transition in layers:
                modules.append(MSDNLayer(config, width, in_scales, out_scales))
                if transition:
                    modules.append(ParallelModule(config, width + config["growth_rate"],
                                                  transition, out_scales))
            blocks.append(MSDNBlock(*modules))
            classifiers.append(ClassifierModule(config, out_width * config["gr_factor"][-1]))
        self.blocks = nn.ModuleList(blocks)
        self.classifier = nn.ModuleList(classifiers)

    def forward(self, x):
        maps, logits = [x], []
        for block, classifier in zip(self.blocks, self.classifier):
            maps = block(maps)
            logits.append(classifier(maps[-1]))
        return logits


def preset_model(name, channels=None, classes=None):
    config, image = PRESETS[name]
    config = dict(config)
    if channels is not None:
        config["in_channels"] = channels
    if classes is not None:
        config["num_classes"] = classes
    return MSDNet(config), image


# ----- commands -------------------------------------------------------------------------

def check(path, rtol):
    tensors, metadata = load_safetensors(path)
    model = MSDNet(config_of(**json.loads(metadata["msdnet_config"])))
    return check_exits(path, tensors, model.to(tensors["input"].dtype), rtol)


def main(argv):
    if len(argv) >= 2 and argv[0] == "check":
        return 0 if check(argv[1], rtol_of(argv)) else 1
    if len(argv) in (2, 5) and argv[0] == "params":
        channels, _, classes = [int(a) for a in argv[2:]] if len(argv) == 5 else (None,) * 3
        model, _ = preset_model(argv[1], channels, classes)
        print(sum(p.numel() for p in model.parameters()))
        return 0
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
