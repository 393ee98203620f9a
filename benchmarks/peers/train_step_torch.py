#!/usr/bin/python3
"""PyTorch peer of benchmarks/train_step.cpp: training steps of the small CNN of
`chase train` (train_torch.py's small_cnn, chase/models/small_cnn.cpp layer for
layer) or, when SPEC has "msdnet_config", of that MSDNet (msdnet_torch.py's port,
chase/models/msdnet*.cpp module for module) or, when it has "chase_config", of that
CHASE (chase_torch.py's port, chase/models/chase_*.cpp module for module; for both
the loss is the sum over exits of each exit's cross-entropy), on synthetic images
made on the device, timed as bench_train_step times chase's.

bench_train_step runs it itself; by hand (Debian's PyTorch 1.13, CPU only, is
/usr/bin/python3; --device cuda needs a CUDA build of PyTorch):

    /usr/bin/python3 benchmarks/peers/train_step_torch.py SPEC.json

SPEC.json is what bench_train_step writes:

    {"device": "cpu", "model": "small-cnn", "batches": [64, 256], "image": [1, 28, 28],
     "classes": 10, "parameters": 421642, "dropout": 0.25, "lr": 0.05, "momentum": 0.9,
     "nesterov": true, "weight_decay": 0.0005, "threads": 2,
     "warmup": 3, "min_runs": 20, "min_seconds": 0}

and, for an MSDNet, "msdnet_config": {...} (chase's MsdnetConfig as JSON), for a
CHASE, "chase_config": {...} (chase_config_json).

One step is the trainer's: forward, cross-entropy, zero_grad (set_to_none),
backward, SGD step; on cuda it ends with torch.cuda.synchronize(). It prints one
JSON object: the library, its thread count, the device and, per batch size in
SPEC order, the median seconds of one step and the peak bytes held by tensors
during a step (torch.cuda.max_memory_allocated on the GPU, see peak_bytes_cpu
for the CPU).
"""

import json
import sys

import torch
import torch.nn.functional as F
from torch.profiler import ProfilerActivity, profile, record_function

import chase_torch
from msdnet_torch import MSDNet, config_of
from peer_common import median_seconds
from train_torch import small_cnn

STEP_MARK = "bench_train_step.step"


class Trainer:
    """The network, its optimizer and one synthetic batch, all on the device."""

    def __init__(self, spec, batch):
        channels, height, width = spec["image"]
        self.device = torch.device(spec["device"])
        if "msdnet_config" in spec:
            self.model = MSDNet(config_of(**spec["msdnet_config"])).to(self.device)
            mirror = "msdnet_torch.MSDNet no longer mirrors chase/models/msdnet*.cpp"
        elif "chase_config" in spec:
            config = chase_torch.parse_config(json.dumps(spec["chase_config"]))
            self.model = chase_torch.ChaseNet(config).to(self.device)
            mirror = "chase_torch.ChaseNet no longer mirrors chase/models/chase_*.cpp"
        else:
            self.model = small_cnn(channels, height, width, spec["classes"],
                                   spec["dropout"]).to(self.device)
            mirror = "train_torch.small_cnn no longer mirrors chase/models/small_cnn.cpp"
        count = sum(p.numel() for p in self.model.parameters())
        if count != spec["parameters"]:
            sys.exit("train_step_torch.py: the network has %d parameters, chase's %d: %s"
                     % (count, spec["parameters"], mirror))
        self.optimizer = torch.optim.SGD(
            self.model.parameters(), lr=spec["lr"], momentum=spec["momentum"],
            nesterov=spec["nesterov"], weight_decay=spec["weight_decay"])
        self.images = torch.rand(batch, channels, height, width, device=self.device)
        self.labels = torch.randint(0, spec["classes"], (batch,), device=self.device)

    def step(self):
        out = self.model(self.images)
        if isinstance(out, list):  # a multi-exit model: paper Eq. 5
            loss = sum(F.cross_entropy(logits, self.labels) for logits in out)
        else:
            loss = F.cross_entropy(out, self.labels)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)

    def held_bytes(self):
        """Bytes of the tensors alive between two steps: weights, BatchNorm
        statistics, gradients, momentum buffers and the batch."""
        tensors = [*self.model.state_dict().values(), self.images, self.labels]
        tensors += [p.grad for p in self.model.parameters() if p.grad is not None]
        tensors += [s["momentum_buffer"] for s in self.optimizer.state.values()
                    if s.get("momentum_buffer") is not None]
        return sum(t.numel() * t.element_size() for t in tensors)


def peak_bytes_cpu(trainer):
    """PyTorch 1.13 keeps no peak counter for CPU tensors; its profiler records
    every allocation and free. The peak is what was held when a step began plus
    the highest running sum of the step's allocations minus its frees. The
    profiler cannot size a block allocated before it started, so the gradients
    are dropped first and two steps profiled: the second begins as every timed
    step did, with the first one's gradients alive."""
    trainer.optimizer.zero_grad(set_to_none=True)
    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        for _ in range(2):
            with record_function(STEP_MARK):
                trainer.step()
    events = prof.profiler.kineto_results.events()
    marks = sorted(e.start_us() for e in events if e.name() == STEP_MARK)
    second = marks[-1]
    allocations = sorted((e for e in events if e.name() == "[memory]" and e.start_us() >= second),
                         key=lambda e: e.start_us())
    live = highest = 0
    for event in allocations:
        live += event.nbytes()  # negative for a free
        highest = max(highest, live)
    return trainer.held_bytes() + highest


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: /usr/bin/python3 benchmarks/peers/train_step_torch.py SPEC.json")
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    device = torch.device(spec["device"])  # "cpu", "cuda" or "cuda:N", as chase's
    on_gpu = device.type == "cuda"
    if on_gpu:
        torch.cuda.set_device(device)
        if not torch.cuda.is_available():
            sys.exit("train_step_torch.py: this PyTorch (%s) has no usable CUDA device" %
                     torch.__version__)
        # chase computes f32 products in f32: no TF32 on either side.
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
    torch.set_num_threads(spec["threads"])
    torch.manual_seed(0)
    rows = []
    for batch in spec["batches"]:
        trainer = Trainer(spec, batch)
        if on_gpu:
            torch.cuda.reset_peak_memory_stats(device)
        seconds = median_seconds(trainer.step, spec)
        # On the GPU the caching allocator keeps the peak of bytes held by tensors.
        peak = torch.cuda.max_memory_allocated(device) if on_gpu else peak_bytes_cpu(trainer)
        rows.append({"batch": batch, "seconds": seconds, "peak_bytes": peak})
        del trainer
    json.dump({"library": "PyTorch " + torch.__version__, "threads": torch.get_num_threads(),
               "device": torch.cuda.get_device_name(device) if on_gpu else "cpu",
               "rows": rows}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
