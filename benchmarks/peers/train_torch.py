#!/usr/bin/python3
"""PyTorch peer of `chase train --dataset fashion-mnist --model small-cnn`: the
same network (chase/models/small_cnn.cpp) and the same recipe, so that accuracy and
training throughput can be compared side by side (docs/results.md).

Run it with Debian's PyTorch 1.13 (/usr/bin/python3, not the python3 first on PATH):

    /usr/bin/python3 benchmarks/peers/train_torch.py --epochs 5

Recipe (chase train's defaults): batch 128, SGD with nesterov momentum 0.9,
lr 0.05, weight decay 5e-4 on every parameter, one epoch of linear warmup from 0
then cosine annealing to 0, both per step; augmentation: zero-pad 2 + random
28x28 crop, horizontal flip with probability 1/2, normalisation with the
Fashion-MNIST mean 0.2860 and std 0.3530. The random streams differ from
chase's (PyTorch's generator), so accuracies agree statistically, not bit for bit.

Prints one JSON object per epoch on stdout: epoch, train_loss, train_acc,
test_loss, test_accuracy, lr, seconds (training only), images_per_s.

With --evaluate OUT/checkpoints/epoch-0005/model.safetensors it trains nothing:
it loads the weights chase saved into this network (the state-dict names are
the same) and prints their test loss and accuracy, an independent check of
chase's own evaluation.
"""

import argparse
import gzip
import json
import math
import struct
import time

import torch
from torch import nn
import torch.nn.functional as F

from port_common import load_safetensors

MEAN, STD = 0.2860, 0.3530


def read_idx(path):
    """An unsigned-byte IDX file (gzip-compressed) as a uint8 tensor."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    zero, dtype, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    values = torch.frombuffer(bytearray(data[4 + 4 * ndim:]), dtype=torch.uint8)
    return values.reshape(dims)


def load_split(data_dir, prefix):
    images = read_idx(f"{data_dir}/{prefix}-images-idx3-ubyte.gz")
    labels = read_idx(f"{data_dir}/{prefix}-labels-idx1-ubyte.gz")
    images = images.unsqueeze(1).float().div_(255.0)  # [N, 1, 28, 28] in [0, 1]
    return images, labels.long()


def conv_bn_gelu(cin, cout):
    return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.GELU()]


def small_cnn(in_channels, height, width, num_classes, dropout):
    """The network of chase/models/small_cnn.cpp, layer for layer."""
    return nn.Sequential(
        *conv_bn_gelu(in_channels, 32), *conv_bn_gelu(32, 32), nn.MaxPool2d(2),
        *conv_bn_gelu(32, 64), *conv_bn_gelu(64, 64), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(64 * (height // 4) * (width // 4), 128), nn.GELU(), nn.Dropout(dropout),
        nn.Linear(128, num_classes))


def augment(images, padding):
    """Zero-pad by `padding`, crop the original size at a random offset per image,
    flip half the images left-right; then normalise."""
    n, _, h, w = images.shape
    padded = F.pad(images, [padding] * 4)
    dy = torch.randint(0, 2 * padding + 1, (n,))
    dx = torch.randint(0, 2 * padding + 1, (n,))
    out = torch.stack([padded[i, :, dy[i]:dy[i] + h, dx[i]:dx[i] + w] for i in range(n)])
    flip = torch.rand(n) < 0.5
    out[flip] = out[flip].flip(3)
    return (out - MEAN) / STD


def lr_at(step, base_lr, total_steps, warmup_steps):
    """nn/optim/schedule.h's CosineSchedule with min_lr 0 and warmup from 0."""
    if step < warmup_steps:
        return base_lr * step / warmup_steps
    t = (min(step, total_steps) - warmup_steps) / max(1, total_steps - warmup_steps)
    return 0.5 * base_lr * (1.0 + math.cos(math.pi * t))


def evaluate(model, images, labels, batch_size):
    model.eval()
    loss_sum, correct = 0.0, 0
    with torch.no_grad():
        for first in range(0, len(labels), batch_size):
            x = (images[first:first + batch_size] - MEAN) / STD
            y = labels[first:first + batch_size]
            logits = model(x)
            loss_sum += F.cross_entropy(logits, y, reduction="sum").item()
            correct += (logits.argmax(1) == y).sum().item()
    return loss_sum / len(labels), correct / len(labels)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--momentum", type=float, default=0.9)
    parser.add_argument("--weight-decay", type=float, default=5e-4)
    parser.add_argument("--warmup-epochs", type=float, default=1.0)
    parser.add_argument("--dropout", type=float, default=0.25)
    parser.add_argument("--crop-padding", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--evaluate", metavar="MODEL_SAFETENSORS",
                        help="evaluate chase's saved weights instead of training")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    test_x, test_y = load_split(args.data, "t10k")
    model = small_cnn(1, 28, 28, 10, args.dropout)
    if args.evaluate:
        model.load_state_dict(load_safetensors(args.evaluate)[0], strict=True)
        test_loss, test_accuracy = evaluate(model, test_x, test_y, 1000)
        print(json.dumps({"weights": args.evaluate, "test_loss": test_loss,
                          "test_accuracy": test_accuracy}))
        return
    train_x, train_y = load_split(args.data, "train")
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=args.momentum,
                                nesterov=True, weight_decay=args.weight_decay)
    steps_per_epoch = math.ceil(len(train_y) / args.batch_size)
    total_steps = steps_per_epoch * args.epochs
    warmup_steps = round(args.warmup_epochs * steps_per_epoch)

    step = 0
    for epoch in range(1, args.epochs + 1):
        model.train()
        order = torch.randperm(len(train_y))
        loss_sum, correct = 0.0, 0
        started = time.perf_counter()
        for first in range(0, len(order), args.batch_size):
            index = order[first:first + args.batch_size]
            x, y = augment(train_x[index], args.crop_padding), train_y[index]
            lr = lr_at(step, args.lr, total_steps, warmup_steps)
            for group in optimizer.param_groups:
                group["lr"] = lr
            logits = model(x)
            loss = F.cross_entropy(logits, y)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            loss_sum += loss.item() * len(y)
            correct += (logits.argmax(1) == y).sum().item()
            step += 1
        seconds = time.perf_counter() - started
        test_loss, test_accuracy = evaluate(model, test_x, test_y, 1000)
        print(json.dumps({
            "epoch": epoch, "train_loss": loss_sum / len(order), "train_acc": correct / len(order),
            "test_loss": test_loss, "test_accuracy": test_accuracy, "lr": lr,
            "seconds": seconds, "images_per_s": len(order) / seconds,
            "torch": torch.__version__, "threads": torch.get_num_threads()}), flush=True)


if __name__ == "__main__":
    main()
