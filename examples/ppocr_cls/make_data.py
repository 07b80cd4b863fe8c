#!/usr/bin/python3
"""Labelled text-direction data for the PP-OCR mobile v2.0 cls model (deterministic).

    /usr/bin/python3 examples/ppocr_cls/make_data.py [--out-dir DIR]

Writes into data/ next to this script (git-ignored; scripts/setup.sh regenerates it):
  calib.npy        float32 [64,3,48,192]   calibration lines (their own seed)
  eval_images.npy  float32 [400,3,48,192]  evaluation lines
  eval_labels.npy  int64   [400]           0 = upright, 1 = rotated 180 degrees
In both sets every odd index is rotated 180 degrees (so exactly half).

Labels follow the model's output: softmax over PaddleOCR's cls label_list ['0', '180'],
so index 0 is upright and index 1 is 180 degrees.

Each line: 1-5 words from WORDS below (sometimes a number or a code), one of 12 fonts from
Debian's fonts-dejavu-core and fonts-liberation2, 22-44 px, dark text on a light background
(one line in six light on dark), rendered by PIL (python3-pil, libfreetype6) and rotated
with Image.Transpose.ROTATE_180 (exact). Then PaddleOCR's cls preprocessing
(tools/infer/predict_cls.py resize_norm_img, cls_image_shape 3,48,192):
  resized_w = min(192, ceil(48 * w / h)); resize to (resized_w, 48) (PIL bilinear, where
  PaddleOCR uses cv2.resize: pixel values differ slightly); channels in BGR order (PaddleOCR
  reads images with cv2); x = (x/255 - 0.5) / 0.5 in float32; CHW; zero-padded on the
  right to width 192 (zero after normalisation, as PaddleOCR pads).
Needs: python3-numpy, python3-pil, fonts-dejavu-core, fonts-liberation2 (Debian 12).
"""

import argparse
import hashlib
import math
import os

import numpy as np
from PIL import Image, ImageDraw, ImageFont

IMG_C, IMG_H, IMG_W = 3, 48, 192  # PaddleOCR cls_image_shape
N_EVAL, N_CALIB = 400, 64
SEED_EVAL, SEED_CALIB = 20240517, 48192

HERE = os.path.dirname(os.path.abspath(__file__))
DEJAVU = "/usr/share/fonts/truetype/dejavu/"
LIBERATION = "/usr/share/fonts/truetype/liberation2/"
FONTS = [DEJAVU + f for f in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSerif.ttf",
                              "DejaVuSerif-Bold.ttf", "DejaVuSansMono.ttf", "DejaVuSansMono-Bold.ttf")] + \
        [LIBERATION + f for f in ("LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf",
                                  "LiberationSerif-Regular.ttf", "LiberationSerif-Italic.ttf",
                                  "LiberationMono-Regular.ttf", "LiberationSans-Italic.ttf")]

WORDS = """
the of and to in is for on with as by at from that this are was be or an not have
which one all were when there can been has more will if their out so what up about
into than them some could only other new time people year way day man thing woman life
child world school state family student group country problem hand part place case week
company system program question work government number night point home water room
mother area money story fact month lot right study book eye job word business issue side
kind head house service friend father power hour game line end member law car city
community name president team minute idea kid body information back parent face others
level office door health person art war history party result change morning reason
research girl guy moment air teacher force education Monday Friday January March July
October north south east west street road avenue station platform gate exit entrance
open closed push pull price total invoice receipt ticket order delivery address phone
email account password login search menu settings help contact about services products
coffee tea bread milk water juice market pharmacy hospital hotel airport parking
Quantization network model layer tensor weight bias kernel channel batch
Espressif ESP32 chip board memory flash sensor camera display battery power
""".split()


def line_text(rng):
    n = int(rng.integers(1, 6))
    parts = []
    for _ in range(n):
        r = rng.random()
        if r < 0.12:
            parts.append(str(int(rng.integers(0, 100000))))
        elif r < 0.18:
            parts.append(f"{chr(65 + int(rng.integers(0, 26)))}{int(rng.integers(10, 999))}")
        else:
            w = WORDS[int(rng.integers(0, len(WORDS)))]
            c = rng.random()
            parts.append(w.capitalize() if c < 0.3 else w.upper() if c < 0.4 else w)
    return " ".join(parts)


def render(i, rng, fonts):
    font = fonts[int(rng.integers(0, len(fonts)))].font_variant(size=int(rng.integers(22, 45)))
    text = line_text(rng)
    x0, y0, x1, y1 = font.getbbox(text)
    padx, pady = int(rng.integers(2, 14)), int(rng.integers(2, 10))
    w, h = (x1 - x0) + 2 * padx, (y1 - y0) + 2 * pady
    light = tuple(int(v) for v in rng.integers(170, 256, 3))
    dark = tuple(int(v) for v in rng.integers(0, 70, 3))
    bg, fg = (dark, light) if rng.random() < 1 / 6 else (light, dark)
    img = Image.new("RGB", (w, h), bg)
    ImageDraw.Draw(img).text((padx - x0, pady - y0), text, font=font, fill=fg)
    if i % 2 == 1:
        img = img.transpose(Image.Transpose.ROTATE_180)
    return img


def resize_norm(img):
    w, h = img.size
    rw = min(IMG_W, int(math.ceil(IMG_H * (w / float(h)))))
    a = np.asarray(img.resize((rw, IMG_H), Image.BILINEAR), dtype=np.float32)[:, :, ::-1]  # BGR
    a = (a / np.float32(255.0) - np.float32(0.5)) / np.float32(0.5)
    out = np.zeros((IMG_C, IMG_H, IMG_W), dtype=np.float32)
    out[:, :, :rw] = a.transpose(2, 0, 1)
    return out


def make_set(n, seed, fonts):
    rng = np.random.default_rng(seed)
    x = np.stack([resize_norm(render(i, rng, fonts)) for i in range(n)]).astype(np.float32)
    y = (np.arange(n) % 2).astype(np.int64)
    return x, y


def save(path, arr):
    np.save(path, arr)
    with open(path, "rb") as f:
        print(f"{os.path.basename(path)}: {arr.dtype} {list(arr.shape)} sha256 {hashlib.sha256(f.read()).hexdigest()}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out-dir", default=os.path.join(HERE, "data"))
    args = ap.parse_args()
    missing = [f for f in FONTS if not os.path.exists(f)]
    if missing:
        raise SystemExit(f"make_data.py: fonts missing (apt-get install fonts-dejavu-core fonts-liberation2): {missing}")
    fonts = [ImageFont.truetype(f, size=32) for f in FONTS]
    os.makedirs(args.out_dir, exist_ok=True)
    x, y = make_set(N_EVAL, SEED_EVAL, fonts)
    save(os.path.join(args.out_dir, "eval_images.npy"), x)
    save(os.path.join(args.out_dir, "eval_labels.npy"), y)
    c, _ = make_set(N_CALIB, SEED_CALIB, fonts)
    save(os.path.join(args.out_dir, "calib.npy"), c)


if __name__ == "__main__":
    main()
