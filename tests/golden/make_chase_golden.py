#!/usr/bin/python3
"""Golden values from PyTorch for chase/: the multi-exit loss (paper Eq. 5).

Re-run (from the repository root, with Debian's PyTorch 1.13, not the python3
first on PATH):

    /usr/bin/python3 tests/golden/make_chase_golden.py

It rewrites tests/golden/chase/multi_exit_loss.json, read by
tests/chase/test_trainer_loss.cpp. The file format, the input generator seeded
by the case name and the precision rules are those of make_golden.py (see its
docstring); its helpers are reused here.

Multi-exit loss cases ("op": "multi_exit_loss"):
  params   exits (K), exit_weights (K numbers), label_smoothing
  inputs   logits0 .. logits{K-1} (each [N, C]), target (i64 [N])
  outputs  loss = sum_k w_k * F.cross_entropy(logits_k, target, label_smoothing),
           grad.logits0 .. grad.logits{K-1}
"""

import os
import sys

import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_golden import Rng, case, f64, file_json, write_groups  # noqa: E402

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "chase")


def chase_file_json(cases):
    return file_json(cases).replace('"tests/golden/make_golden.py"',
                                    '"tests/golden/make_chase_golden.py"', 1)


def multi_exit_loss_case(name, weights, smoothing, batch=5, classes=4, scale=3.0):
    rng = Rng(name)
    logits = [rng.uniform([batch, classes], -scale, scale) for _ in weights]
    target = rng.index([batch], classes)
    logits64 = [f64(x).requires_grad_() for x in logits]
    loss = sum(w * F.cross_entropy(x, target, label_smoothing=smoothing)
               for w, x in zip(weights, logits64))
    loss.backward()
    inputs = {"logits%d" % k: x for k, x in enumerate(logits)}
    inputs["target"] = target
    outputs = {"loss": loss}
    outputs.update({"grad.logits%d" % k: x.grad for k, x in enumerate(logits64)})
    return case(name, "multi_exit_loss", inputs, outputs,
                {"exits": len(weights), "exit_weights": list(weights),
                 "label_smoothing": smoothing})


def multi_exit_loss_cases():
    return [
        multi_exit_loss_case("multi_exit_loss/one_exit", [1.0], 0.0),
        multi_exit_loss_case("multi_exit_loss/three_exits_equal", [1.0, 1.0, 1.0], 0.0),
        multi_exit_loss_case("multi_exit_loss/three_exits_weighted", [0.5, 1.0, 2.0], 0.0),
        multi_exit_loss_case("multi_exit_loss/two_exits_smoothing0.1", [1.0, 1.0], 0.1),
        multi_exit_loss_case("multi_exit_loss/four_exits_weighted_smoothing0.3",
                             [0.25, 0.0, 1.0, 3.0], 0.3, batch=3, classes=7, scale=20.0),
    ]


GROUPS = {"multi_exit_loss": multi_exit_loss_cases}


def main():
    write_groups(OUT_DIR, GROUPS, chase_file_json)


if __name__ == "__main__":
    main()
