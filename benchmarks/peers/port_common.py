"""What the PyTorch ports of chase's models share: reading and writing chase's
safetensors files (nn/safetensors.h), and the `check FILE` of msdnet_torch.py
and chase_torch.py, which compares every exit's logits that chase wrote
(benchmarks/msdnet_logits, benchmarks/chase_logits) with the port's."""

import json
import os
import struct

import torch

DTYPES = {"F32": torch.float32, "F64": torch.float64, "I64": torch.int64}


def load_safetensors(path):
    """(tensors, metadata) of a safetensors file: an 8-byte little-endian header
    size, a JSON header {name: {dtype, shape, data_offsets}, "__metadata__": {...}},
    then the raw little-endian bytes."""
    with open(path, "rb") as f:
        raw = f.read()
    header_size = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + header_size])
    body = raw[8 + header_size:]
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        values = torch.frombuffer(bytearray(body[begin:end]), dtype=DTYPES[entry["dtype"]])
        tensors[name] = values.reshape(entry["shape"])
    return tensors, header.get("__metadata__", {})


def save_safetensors(path, tensors, metadata=None):
    """Writes tensors (contiguous, little-endian) in name order, as chase reads them."""
    names = {v: k for k, v in DTYPES.items()}
    header, chunks, offset = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous().cpu()
        data = t.numpy().tobytes()
        header[name] = {"dtype": names[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    if metadata:
        header["__metadata__"] = metadata
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path + ".tmp", "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(chunks))
    os.replace(path + ".tmp", path)


def state_of(tensors, prefix="state."):
    return {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)}


def rtol_of(argv, default=1e-4):
    return float(argv[argv.index("--rtol") + 1]) if "--rtol" in argv else default


def check_exits(path, tensors, model, rtol, summary=None):
    """Loads the file's state into `model` (strict: every name and shape must
    match), then compares its logits with chase's, in evaluation then training
    mode. Prints one JSON object per exit and mode and a last one with the worst
    difference relative to the exit's largest |logit| (plus `summary`); returns
    whether that stays within rtol."""
    x = tensors["input"]
    model.load_state_dict(state_of(tensors), strict=True)
    worst = 0.0
    for mode in ("eval", "train"):  # this order: training mode updates the running statistics
        model.train(mode == "train")
        with torch.no_grad():
            logits = model(x)
        for k, ours in enumerate(logits, 1):
            theirs = tensors["exit%d.%s" % (k, mode)]
            scale = max(1e-30, float(ours.abs().max()))
            diff = float((ours - theirs).abs().max())
            worst = max(worst, diff / scale)
            print(json.dumps({"exit": k, "mode": mode, "max_abs_logit": scale,
                              "max_abs_diff": diff, "max_rel_diff": diff / scale}))
    print(json.dumps(dict({"file": path, "dtype": str(x.dtype)}, **(summary or {}),
                          worst_rel_diff=worst, rtol=rtol, ok=worst <= rtol)))
    return worst <= rtol
