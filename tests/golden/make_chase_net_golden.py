#!/usr/bin/python3
"""Golden logits of tiny CHASE networks from the PyTorch port
(benchmarks/peers/chase_torch.py), read by tests/chase/test_chase_golden.cpp.

Re-run (from the repository root, with Debian's PyTorch 1.13, not the python3
first on PATH):

    /usr/bin/python3 tests/golden/make_chase_net_golden.py

It rewrites tests/golden/chase/tiny_net.safetensors. Per case C (metadata "cases"
lists them; "C.config" is the network's configuration as chase_config_json
writes it, "C.plan" the port's plan_chase, which chase's must equal):
  C.state.<name>        the network's state, f64: PyTorch's default initialisation
                        (seeded), BatchNorm running statistics from a calibration
                        batch (so that evaluation mode keeps the activations' scale
                        and the logits depend on the input), random BatchNorm and
                        LayerNorm weights and biases, random attention biases
  C.input               [2, channels, side, side], f64
  C.exit<k>.eval        exit k's logits in evaluation mode (running statistics)
  C.exit<k>.train       then exit k's logits in training mode (batch statistics)
  C.after_train.<buf>   every BatchNorm's buffer <buf> (running_mean, running_var,
                        num_batches_tracked) after that training-mode pass

The cases are small (the file stays under 200 kB) but reach every branch:
  all_on    S = 3, B = 3, L = 3, kappa = 2 (not dividing L: exits at layer 2 of
            block 1, layer 1 of block 2, at the block boundary (layer 0 of block
            3: a transition's output), layer 2 of block 3 and the end), CAM on
            (r = 2, C / r rounding down), bottlenecks narrower than their input
            and as wide, GAL with its MLP in the final block (2 heads), stem
            stride 2 on an odd side (18: scales 9, 5, 3), f and h with one or both
            inputs, the transitions' truncating 0.5 (9 -> 4).
  variants  B = 2 < S = 3 (the last block keeps two scales), kappa = L = 3 (the
            first exit reads the transition after a GAL), no CAM, no bottleneck,
            GAL without MLP in the two final blocks, stem stride 4 (20: scales 5,
            3, 2), transitions of 0.75 (6 -> 4).
The BatchNorm buffers after training mode are stored concatenated, in the order
of metadata "C.norms" (the BatchNorms' names, sorted), to keep the header small.
"""

import json
import os
import sys

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "benchmarks", "peers"))
import chase_torch as port  # noqa: E402
from port_common import save_safetensors  # noqa: E402

OUT = os.path.join(ROOT, "tests", "golden", "chase", "tiny_net.safetensors")

CASES = {
    "all_on": (port.config_of(in_channels=3, num_classes=5, stem_channels=4, stem_stride=2,
                              first_channels=4, n_blocks=3, layers_per_block=3, kappa=2,
                              growth=2, gr_factor=[1, 1, 1], bn_factor=[1, 2, 4],
                              bottleneck=True, reduction=0.5, cam=True, cam_reduction=2,
                              gal="last_block", gal_heads=2, gal_mlp_ratio=2,
                              classifier_channels=3), 18),
    "variants": (port.config_of(in_channels=1, num_classes=3, stem_channels=3, stem_stride=4,
                                first_channels=2, n_blocks=2, layers_per_block=3, kappa=3,
                                growth=2, gr_factor=[1, 1, 1], bn_factor=[1, 2, 2],
                                bottleneck=False, reduction=0.75, cam=False, cam_reduction=2,
                                gal="last_two_blocks", gal_heads=2, gal_mlp_ratio=0,
                                classifier_channels=3), 20),
}


def randomise(model, images, gen):
    """Running statistics of one calibration batch (momentum None: their plain
    average), then random BatchNorm and LayerNorm affines and attention biases;
    momentum back to 0.1."""
    norms = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    for norm in norms:
        norm.momentum = None
    model.train()
    with torch.no_grad():
        model(images)
        for norm in norms:
            norm.momentum = 0.1
        for m in model.modules():
            if isinstance(m, (torch.nn.BatchNorm2d, torch.nn.LayerNorm)):
                m.weight.uniform_(0.5, 1.5, generator=gen)
                m.bias.uniform_(-0.2, 0.2, generator=gen)
            elif isinstance(m, torch.nn.MultiheadAttention):
                m.in_proj_bias.uniform_(-0.2, 0.2, generator=gen)
                m.out_proj.bias.uniform_(-0.2, 0.2, generator=gen)


def main():
    tensors, metadata = {}, {"cases": json.dumps(sorted(CASES))}
    for index, (name, (config, side)) in enumerate(sorted(CASES.items())):
        torch.manual_seed(300 + index)
        gen = torch.Generator().manual_seed(400 + index)
        model = port.ChaseNet(config).double()
        calibration = torch.empty(4, config["in_channels"], side, side, dtype=torch.float64)
        randomise(model, calibration.uniform_(-1.0, 1.0, generator=gen), gen)
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
        state = model.state_dict()
        norms = sorted(k[:-len(".running_mean")] for k in state if k.endswith(".running_mean"))
        for buffer in ("running_mean", "running_var", "num_batches_tracked"):
            tensors["%s.after_train.%s" % (name, buffer)] = torch.cat(
                [state["%s.%s" % (norm, buffer)].reshape(-1) for norm in norms])
        metadata[name + ".norms"] = json.dumps(norms)
        metadata[name + ".config"] = json.dumps(config, sort_keys=True)
        metadata[name + ".plan"] = port.plan_json(model.plan)
        print("%s: %d parameters, exits %s" % (name, sum(p.numel() for p in model.parameters()),
                                               model.plan["exits"]))
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    save_safetensors(OUT, tensors, metadata)
    print("wrote %s (%d tensors, %d bytes)" % (OUT, len(tensors), os.path.getsize(OUT)))


if __name__ == "__main__":
    main()
