#!/usr/bin/python3
"""Write the small .npy fixtures of the Fashion-MNIST example (numpy only, no torch).

    /usr/bin/python3 examples/fashion_mnist/make_npy.py [--data-dir DIR] [--out-dir DIR]

Writes into npy/ next to this script, preprocessed for fashion_cnn.onnx ([N,1,28,28]):
  calib.npy        float32 [256,1,28,28]  the first 256 training images
  eval_images.npy  float32 [500,1,28,28]  the first 500 test (t10k) images
  eval_labels.npy  int64   [500]          their class ids 0..9

Preprocessing is exactly train.py's: x = (pixel/255 - 0.2860) / 0.3530, NCHW, one channel,
no padding (the 32x32 padding belongs to the mobilenetv2 model only).
"""

import argparse
import gzip
import os
import struct

import numpy as np

FMNIST_MEAN = 0.2860  # must match train.py
FMNIST_STD = 0.3530   # must match train.py
N_CALIB = 256
N_EVAL = 500

DEFAULT_DATA_DIR = "/usr/share/datasets/fashion-mnist"
HERE = os.path.dirname(os.path.abspath(__file__))


def read_idx(path, magic_expected, header_ints):
    with gzip.open(path, "rb") as f:
        data = f.read()
    header = struct.unpack(">" + "I" * header_ints, data[:4 * header_ints])
    if header[0] != magic_expected:
        raise ValueError(f"{path}: bad idx magic {header[0]}, expected {magic_expected}")
    arr = np.frombuffer(data, dtype=np.uint8, offset=4 * header_ints)
    shape = header[1:]
    if arr.size != int(np.prod(shape)):
        raise ValueError(f"{path}: header says {shape}, found {arr.size} values")
    return arr.reshape(shape)


def preprocess(images_u8):
    x = images_u8.astype(np.float32) / np.float32(255.0)
    x = (x - np.float32(FMNIST_MEAN)) / np.float32(FMNIST_STD)
    return np.ascontiguousarray(x[:, None, :, :], dtype=np.float32)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data-dir", default=DEFAULT_DATA_DIR)
    ap.add_argument("--out-dir", default=os.path.join(HERE, "npy"))
    args = ap.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)

    train = read_idx(os.path.join(args.data_dir, "train-images-idx3-ubyte.gz"), 2051, 4)
    test = read_idx(os.path.join(args.data_dir, "t10k-images-idx3-ubyte.gz"), 2051, 4)
    test_labels = read_idx(os.path.join(args.data_dir, "t10k-labels-idx1-ubyte.gz"), 2049, 2)

    outputs = {
        "calib.npy": preprocess(train[:N_CALIB]),
        "eval_images.npy": preprocess(test[:N_EVAL]),
        "eval_labels.npy": test_labels[:N_EVAL].astype(np.int64),
    }
    for name, arr in outputs.items():
        path = os.path.join(args.out_dir, name)
        np.save(path, arr)
        print(f"{path}: {arr.dtype} {list(arr.shape)} ({os.path.getsize(path)} bytes)")


if __name__ == "__main__":
    main()
