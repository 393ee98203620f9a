#!/usr/bin/python3
"""Golden logits of tiny MSDNets from the PyTorch port (benchmarks/peers/msdnet_torch.py),
read by tests/chase/test_msdnet_golden.cpp.

Re-run (from the repository root, with Debian's PyTorch 1.13, not the python3
first on PATH):

    /usr/bin/python3 tests/golden/make_msdnet_golden.py

It rewrites tests/golden/msdnet/tiny.safetensors. Per case C (metadata "cases"
lists them; "C.config" is the network's configuration as JSON):
  C.state.<name>   the network's state, f64: PyTorch's default initialisation
                   (seeded), BatchNorm running statistics from a calibration batch
                   (so that evaluation mode keeps the activations' scale, and the
                   logits depend on the input) and random BatchNorm weights and biases
  C.input          [2, channels, side, side], f64
  C.exit<k>.eval   exit k's logits in evaluation mode (running statistics)
  C.exit<k>.train  then exit k's logits in training mode (batch statistics)

The two cases are small on purpose (the file stays near 100 kB) but reach every
branch of the construction: the cifar and imagenet first layers and heads, prune
max and min, a dropped scale with and without a transition after it, ConvNormal
and ConvDownNormal, and bottlenecks of width min(in, bn_width * out) on both sides.
"""

import json
import os
import sys

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "benchmarks", "peers"))
import msdnet_torch as port  # noqa: E402
from port_common import save_safetensors  # noqa: E402

OUT = os.path.join(ROOT, "tests", "golden", "msdnet", "tiny.safetensors")

CASES = {
    # 6 layers (lin_grow 1, 2, 3) on 3 scales: interval 2, a scale (and a
    # transition) dropped at layers 3 and 5; n_channels 1 < growth 2 makes the first
    # bottleneck min(in, bn_width * out) = in. Scales 17, 9, 5 wide.
    "cifar_max": (port.config_of(in_channels=3, num_classes=5, stem="cifar", n_blocks=3,
                                 n_channels=1, base=1, step_mode="lin_grow", step=1,
                                 growth_rate=2, gr_factor=[1, 2, 4], bn_factor=[1, 2, 4],
                                 prune="max", classifier_channels=4), 17),
    # 3 layers on 2 scales, prune min: transitions after layers 1 and 2, the
    # finest scale dropped at layer 3 without one; the 7x7 stem with bias and
    # max-pool, heads as wide as the block.
    "imagenet_min": (port.config_of(in_channels=3, num_classes=3, stem="imagenet", n_blocks=2,
                                    n_channels=4, base=2, step_mode="even", step=1,
                                    growth_rate=2, gr_factor=[1, 2], bn_factor=[1, 2],
                                    prune="min"), 36),
}


def calibrate_batch_norms(model, images, gen):
    """Running statistics of one calibration batch (momentum None: their plain
    average), then random affine weights and biases; momentum back to 0.1."""
    norms = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    for norm in norms:
        norm.momentum = None
    model.train()
    with torch.no_grad():
        model(images)
        for norm in norms:
            norm.momentum = 0.1
            norm.weight.uniform_(0.5, 1.5, generator=gen)
            norm.bias.uniform_(-0.2, 0.2, generator=gen)


def main():
    tensors, metadata = {}, {"cases": json.dumps(sorted(CASES))}
    for index, (name, (config, side)) in enumerate(sorted(CASES.items())):
        torch.manual_seed(100 + index)
        gen = torch.Generator().manual_seed(200 + index)
        model = port.MSDNet(config).double()
        calibration = torch.empty(4, config["in_channels"], side, side, dtype=torch.float64)
        calibrate_batch_norms(model, calibration.uniform_(-1.0, 1.0, generator=gen), gen)
        x = torch.empty(2, config["in_channels"], side, side, dtype=torch.float64)
        x.uniform_(-1.0, 1.0, generator=gen)
        tensors.update({"%s.state.%s" % (name, k): v.clone()
                        for k, v in model.state_dict().items()})
        tensors[name + ".input"] = x
        for mode in ("eval", "train"):  # this order: training mode updates the running stats
            model.train(mode == "train")
            with torch.no_grad():
                for k, logits in enumerate(model(x), 1):
                    tensors["%s.exit%d.%s" % (name, k, mode)] = logits
        metadata[name + ".config"] = json.dumps(config, sort_keys=True)
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    save_safetensors(OUT, tensors, metadata)
    print("wrote %s (%d tensors, %d bytes)" % (OUT, len(tensors), os.path.getsize(OUT)))


if __name__ == "__main__":
    main()
