#!/usr/bin/python3
"""Train the two Fashion-MNIST example models of qtune and export them to ONNX.

Run (from anywhere; CPU only, about 10 minutes on 2 cores):

    /usr/bin/python3 examples/fashion_mnist/train.py

Needs torch (Debian python3-torch 1.13) and numpy. Reads the idx .gz files of the Debian
package dataset-fashion-mnist (or --data-dir) directly with gzip + numpy.

PREPROCESSING -- every consumer of these models (the C++ contracts included) must apply
exactly this, in this order:

  1. x = uint8 pixel / 255.0                        (float32, range [0, 1])
  2. x = (x - 0.2860) / 0.3530                      (FMNIST_MEAN, FMNIST_STD below)
  3. layout NCHW, one channel: [N, 1, 28, 28]       -> input of fashion_cnn.onnx
  4. mobilenetv2 only: pad 2 pixels on every side to [N, 1, 32, 32]. The pad is a black
     pixel (raw value 0, the Fashion-MNIST background), so in normalised units the pad
     value is (0 - 0.2860) / 0.3530 = -0.810198... (NOT 0.0). Equivalently: pad the raw
     28x28 uint8 image with zeros to 32x32, then apply steps 1-2.

Labels are the dataset's class ids 0..9; both models output raw logits [N, 10] (no softmax).

Outputs (in models/ next to this script):
  fashion_cnn.onnx, fashion_mobilenetv2.onnx  (opset 13, input "input", output "logits",
                                                dynamic batch axis 0)
  float_accuracy.json                           (top-1/top-5 in percent on the 10k test set)
  SHA256SUMS                                    (sha256 of the files above)

The mobilenetv2 model is exported with training=TrainingMode.PRESERVE while the module is
in eval() mode: torch 1.13's TrainingMode.EVAL export always runs an "eval peephole" pass
that folds BatchNormalization into the preceding Conv (do_constant_folding=False does not
stop it). PRESERVE skips that pass, and since the module is in eval mode, every
BatchNormalization node is the inference form (one output, running statistics). The script
checks the exported file really holds BatchNormalization nodes.
"""

import argparse
import gzip
import hashlib
import json
import os
import random
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

# Fashion-MNIST training-set pixel statistics (of pixel/255), the values commonly used.
FMNIST_MEAN = 0.2860
FMNIST_STD = 0.3530
# 28x28 -> 32x32 for the MobileNetV2-style model (2 black pixels on every side).
MBV2_PAD = 2

SEED = 20240611
BATCH_SIZE = 128
LEARNING_RATE = 1e-3
EPOCHS = {"cnn": 4, "mobilenetv2": 4}
OPSET = 13
NUM_THREADS = 2

DEFAULT_DATA_DIR = "/usr/share/datasets/fashion-mnist"
HERE = os.path.dirname(os.path.abspath(__file__))


# --------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------
def read_idx_images(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, n, rows, cols = struct.unpack(">IIII", data[:16])
    if magic != 2051:
        raise ValueError(f"{path}: bad idx3 magic {magic}, expected 2051")
    images = np.frombuffer(data, dtype=np.uint8, offset=16)
    if images.size != n * rows * cols:
        raise ValueError(f"{path}: expected {n * rows * cols} pixels, found {images.size}")
    return images.reshape(n, rows, cols)


def read_idx_labels(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, n = struct.unpack(">II", data[:8])
    if magic != 2049:
        raise ValueError(f"{path}: bad idx1 magic {magic}, expected 2049")
    labels = np.frombuffer(data, dtype=np.uint8, offset=8)
    if labels.size != n:
        raise ValueError(f"{path}: expected {n} labels, found {labels.size}")
    return labels.astype(np.int64)


def load_split(data_dir, split):
    images = read_idx_images(os.path.join(data_dir, f"{split}-images-idx3-ubyte.gz"))
    labels = read_idx_labels(os.path.join(data_dir, f"{split}-labels-idx1-ubyte.gz"))
    if len(images) != len(labels):
        raise ValueError(f"{split}: {len(images)} images but {len(labels)} labels")
    return images, labels


def preprocess(images_u8, pad=0):
    """uint8 [N,28,28] -> float32 [N,1,28+2*pad,28+2*pad], see the module docstring."""
    x = images_u8
    if pad:
        x = np.pad(x, ((0, 0), (pad, pad), (pad, pad)), mode="constant", constant_values=0)
    x = x.astype(np.float32) / np.float32(255.0)
    x = (x - np.float32(FMNIST_MEAN)) / np.float32(FMNIST_STD)
    return np.ascontiguousarray(x[:, None, :, :], dtype=np.float32)


# --------------------------------------------------------------------------------------
# Models
# --------------------------------------------------------------------------------------
class FashionCNN(nn.Module):
    """3 x (Conv3x3 + ReLU + MaxPool2) then one Linear: [N,1,28,28] -> [N,10]."""

    def __init__(self, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, padding=1)   # 28x28
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)  # 14x14
        self.conv3 = nn.Conv2d(64, 64, 3, padding=1)  # 7x7
        self.fc = nn.Linear(64 * 3 * 3, num_classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)  # -> 14x14
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)  # -> 7x7
        x = F.max_pool2d(F.relu(self.conv3(x)), 2)  # -> 3x3 (floor)
        x = torch.flatten(x, 1)
        return self.fc(x)


def conv_bn(cin, cout, k, stride=1, groups=1, relu6=True):
    layers = [
        nn.Conv2d(cin, cout, k, stride=stride, padding=k // 2, groups=groups, bias=False),
        nn.BatchNorm2d(cout),
    ]
    if relu6:
        layers.append(nn.ReLU6())
    return layers


class InvertedResidual(nn.Module):
    """1x1 expand + BN + ReLU6, 3x3 depthwise + BN + ReLU6, 1x1 project + BN (+ Add)."""

    def __init__(self, cin, cout, stride, expand):
        super().__init__()
        hidden = cin * expand
        self.use_residual = stride == 1 and cin == cout
        self.block = nn.Sequential(
            *conv_bn(cin, hidden, 1),
            *conv_bn(hidden, hidden, 3, stride=stride, groups=hidden),
            *conv_bn(hidden, cout, 1, relu6=False),
        )

    def forward(self, x):
        y = self.block(x)
        return x + y if self.use_residual else y


class FashionMobileNetV2(nn.Module):
    """Small MobileNetV2-style net: [N,1,32,32] -> [N,10]."""

    # (expand ratio t, output channels c, repeats n, first stride s), as in the paper.
    SETTINGS = [
        (4, 16, 2, 1),  # 16x16, 2 blocks, both residual
        (4, 24, 2, 2),  # 8x8,   2nd block residual
        (4, 32, 3, 2),  # 4x4,   2nd and 3rd residual
        (4, 64, 1, 1),  # 4x4
    ]

    def __init__(self, num_classes=10, stem_channels=16, last_channels=128):
        super().__init__()
        layers = conv_bn(1, stem_channels, 3, stride=2)  # 32x32 -> 16x16
        cin = stem_channels
        for t, c, n, s in self.SETTINGS:
            for i in range(n):
                layers.append(InvertedResidual(cin, c, s if i == 0 else 1, t))
                cin = c
        layers += conv_bn(cin, last_channels, 1)
        self.features = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)  # exports as GlobalAveragePool
        self.classifier = nn.Linear(last_channels, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

    def forward(self, x):
        x = self.pool(self.features(x))
        x = torch.flatten(x, 1)
        return self.classifier(x)


# --------------------------------------------------------------------------------------
# Training / evaluation
# --------------------------------------------------------------------------------------
def train(model, x_train, y_train, epochs, seed):
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    n = len(x_train)
    for epoch in range(epochs):
        model.train()
        t0 = time.time()
        perm = torch.randperm(n, generator=gen)
        total_loss, correct = 0.0, 0
        for i in range(0, n, BATCH_SIZE):
            idx = perm[i:i + BATCH_SIZE]
            xb, yb = x_train[idx], y_train[idx]
            opt.zero_grad()
            logits = model(xb)
            loss = F.cross_entropy(logits, yb)
            loss.backward()
            opt.step()
            total_loss += loss.item() * len(idx)
            correct += (logits.argmax(1) == yb).sum().item()
        print(f"  epoch {epoch + 1}/{epochs}: loss {total_loss / n:.4f} "
              f"train acc {100.0 * correct / n:.2f}% ({time.time() - t0:.1f}s)", flush=True)


@torch.no_grad()
def evaluate(model, x, y):
    model.eval()
    top1 = top5 = 0
    for i in range(0, len(x), 1000):
        logits = model(x[i:i + 1000])
        yb = y[i:i + 1000]
        top = logits.topk(5, dim=1).indices
        top1 += (top[:, 0] == yb).sum().item()
        top5 += (top == yb[:, None]).any(dim=1).sum().item()
    return {"top1": round(100.0 * top1 / len(x), 2), "top5": round(100.0 * top5 / len(x), 2)}


def export(model, size, path):
    model.eval()
    dummy = torch.zeros(1, 1, size, size)
    torch.onnx.export(
        model, dummy, path,
        opset_version=OPSET,
        input_names=["input"],
        output_names=["logits"],
        dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}},
        do_constant_folding=False,
        # PRESERVE (module in eval mode) keeps BatchNormalization nodes; see docstring.
        training=torch.onnx.TrainingMode.PRESERVE,
    )


# --------------------------------------------------------------------------------------
# Minimal protobuf reading (the onnx package may be absent): op types and I/O of a model.
# --------------------------------------------------------------------------------------
def _varint(buf, pos):
    result = shift = 0
    while True:
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7


def _fields(buf):
    """Yield (field number, wire type, value) of a protobuf message."""
    pos = 0
    while pos < len(buf):
        key, pos = _varint(buf, pos)
        field, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(buf, pos)
        elif wire == 1:
            value, pos = buf[pos:pos + 8], pos + 8
        elif wire == 2:
            length, pos = _varint(buf, pos)
            value, pos = buf[pos:pos + length], pos + length
        elif wire == 5:
            value, pos = buf[pos:pos + 4], pos + 4
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")
        yield field, wire, value


def _value_info(buf):
    """ValueInfoProto -> (name, elem_type, [dims]); a dim is an int or a symbolic name."""
    name, elem, dims = "", None, []
    for f, _, v in _fields(buf):
        if f == 1:
            name = bytes(v).decode()
        elif f == 2:  # TypeProto
            for tf, _, tv in _fields(v):
                if tf == 1:  # TypeProto.Tensor
                    for sf, _, sv in _fields(tv):
                        if sf == 1:
                            elem = sv
                        elif sf == 2:  # TensorShapeProto
                            for df, _, dv in _fields(sv):
                                if df == 1:  # Dimension
                                    for xf, _, xv in _fields(dv):
                                        if xf == 1:
                                            dims.append(xv)
                                        elif xf == 2:
                                            dims.append(bytes(xv).decode())
    return name, elem, dims


def summarize_onnx(path):
    buf = memoryview(open(path, "rb").read())
    summary = {"opset": {}, "ops": [], "inputs": [], "outputs": [], "initializers": 0}
    for f, _, v in _fields(buf):
        if f == 8:  # opset_import
            domain, version = "", None
            for of, _, ov in _fields(v):
                if of == 1:
                    domain = bytes(ov).decode()
                elif of == 2:
                    version = ov
            summary["opset"][domain or "ai.onnx"] = version
        elif f == 7:  # graph
            inits = set()
            for gf, _, gv in _fields(v):
                if gf == 1:  # node
                    for nf, _, nv in _fields(gv):
                        if nf == 4:
                            summary["ops"].append(bytes(nv).decode())
                elif gf == 5:  # initializer
                    summary["initializers"] += 1
                    for tf, _, tv in _fields(gv):
                        if tf == 8:
                            inits.add(bytes(tv).decode())
                elif gf == 11:
                    summary["inputs"].append(_value_info(gv))
                elif gf == 12:
                    summary["outputs"].append(_value_info(gv))
            # Older exporters also list initializers as graph inputs; keep the real ones.
            summary["inputs"] = [i for i in summary["inputs"] if i[0] not in inits]
    return summary


def print_summary(name, path):
    s = summarize_onnx(path)
    counts = {}
    for op in s["ops"]:
        counts[op] = counts.get(op, 0) + 1
    print(f"{name}: {os.path.basename(path)} ({os.path.getsize(path)} bytes), opset {s['opset']}")
    for kind in ("inputs", "outputs"):
        for n, elem, dims in s[kind]:
            print(f"  {kind[:-1]} '{n}' elem_type {elem} shape {dims}")
    print(f"  {len(s['ops'])} nodes, {s['initializers']} initializers: "
          + ", ".join(f"{op} x{c}" for op, c in sorted(counts.items())))
    return s


# --------------------------------------------------------------------------------------
def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def seed_everything(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)
    torch.backends.cudnn.benchmark = False


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data-dir", default=DEFAULT_DATA_DIR)
    ap.add_argument("--out-dir", default=os.path.join(HERE, "models"))
    ap.add_argument("--epochs-cnn", type=int, default=EPOCHS["cnn"])
    ap.add_argument("--epochs-mobilenetv2", type=int, default=EPOCHS["mobilenetv2"])
    args = ap.parse_args()

    torch.set_num_threads(NUM_THREADS)
    os.makedirs(args.out_dir, exist_ok=True)
    t_start = time.time()

    train_u8, y_train = load_split(args.data_dir, "train")
    test_u8, y_test = load_split(args.data_dir, "t10k")
    y_train, y_test = torch.from_numpy(y_train), torch.from_numpy(y_test)
    print(f"data: {len(train_u8)} train / {len(test_u8)} test images", flush=True)

    specs = [
        ("cnn", FashionCNN, 0, "fashion_cnn.onnx", args.epochs_cnn),
        ("mobilenetv2", FashionMobileNetV2, MBV2_PAD, "fashion_mobilenetv2.onnx",
         args.epochs_mobilenetv2),
    ]
    accuracy, timings = {}, {}
    for i, (name, cls, pad, filename, epochs) in enumerate(specs):
        seed_everything(SEED + i)
        x_train = torch.from_numpy(preprocess(train_u8, pad))
        x_test = torch.from_numpy(preprocess(test_u8, pad))
        model = cls()
        n_params = sum(p.numel() for p in model.parameters())
        print(f"== {name}: input {list(x_train.shape[1:])}, {n_params} parameters, "
              f"{epochs} epochs", flush=True)
        t0 = time.time()
        train(model, x_train, y_train, epochs, SEED + i)
        timings[name] = time.time() - t0
        accuracy[name] = evaluate(model, x_test, y_test)
        print(f"  float accuracy on {len(x_test)} test images: {accuracy[name]} "
              f"(training {timings[name]:.0f}s)", flush=True)

        path = os.path.join(args.out_dir, filename)
        export(model, x_train.shape[-1], path)
        s = print_summary(name, path)
        if name == "mobilenetv2":
            n_bn = s["ops"].count("BatchNormalization")
            if n_bn == 0:
                sys.exit(f"{path}: no BatchNormalization node survived the export")
            if "Add" not in s["ops"] or s["ops"].count("Add") < 2:
                sys.exit(f"{path}: expected at least 2 residual Add nodes")

    acc_path = os.path.join(args.out_dir, "float_accuracy.json")
    with open(acc_path, "w") as f:
        json.dump(accuracy, f, indent=2)
        f.write("\n")
    files = [spec[3] for spec in specs] + ["float_accuracy.json"]
    with open(os.path.join(args.out_dir, "SHA256SUMS"), "w") as f:
        for fn in files:
            f.write(f"{sha256(os.path.join(args.out_dir, fn))}  {fn}\n")
    print(json.dumps(accuracy))
    print("training time: " + ", ".join(f"{k} {v:.0f}s" for k, v in timings.items())
          + f"; total run {time.time() - t_start:.0f}s")


if __name__ == "__main__":
    main()
