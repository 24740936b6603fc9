#!/usr/bin/env python3
"""Writes the small decoder fixtures in Tests/Fixtures/images/ with Pillow, plus Pillow's own decode of
each (exif_transpose + convert("RGB")) as raw RGB bytes (`NAME.rgb`, with `NAME.size` = "W H").

Run once (needs `pip install pillow numpy`); the outputs are committed so tests need no Python."""
import io, os, sys
import numpy as np
from PIL import Image, ImageOps

out = sys.argv[1] if len(sys.argv) > 1 else "Tests/Fixtures/images"
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(7)
h, w = 23, 37
yy, xx = np.mgrid[0:h, 0:w]
rgb = np.stack([(xx * 7) % 256, (yy * 11) % 256, ((xx + yy) * 5) % 256], -1).astype(np.uint8)
rgb[5:12, 8:20] = rng.integers(0, 256, (7, 12, 3), dtype=np.uint8)
alpha = ((xx * 3 + yy * 5) % 256).astype(np.uint8)
base = Image.fromarray(rgb, "RGB")

def reference(path):
    ref = ImageOps.exif_transpose(Image.open(path))
    ref = ref.convert("RGB")
    with open(path + ".rgb", "wb") as f:
        f.write(ref.tobytes())
    with open(path + ".size", "w") as f:
        f.write(f"{ref.width} {ref.height}\n")

def save(name, img, **kw):
    path = os.path.join(out, name)
    img.save(path, **kw)
    reference(path)

save("rgb8.png", base)
save("rgba8.png", Image.fromarray(np.dstack([rgb, alpha]), "RGBA"))
save("grey8.png", base.convert("L"))
save("greyalpha8.png", Image.fromarray(np.dstack([np.asarray(base.convert("L")), alpha]), "LA"))
save("palette.png", base.quantize(16))
save("interlaced.png", base, interlace=1)
# 16-bit RGB: Pillow cannot write it directly; write raw PNG with numpy + zlib.
import zlib, struct
def png16(path, arr16):
    hh, ww, c = arr16.shape
    raw = b"".join(b"\x00" + arr16[y].astype(">u2").tobytes() for y in range(hh))
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
    ihdr = struct.pack(">IIBBBBB", ww, hh, 16, 2 if c == 3 else 6, 0, 0, 0)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
rgb16 = rgb.astype(np.uint16) * 257 + rng.integers(0, 200, rgb.shape).astype(np.uint16)
png16(os.path.join(out, "rgb16.png"), rgb16)
reference(os.path.join(out, "rgb16.png"))

save("baseline.jpg", base, quality=90)
save("progressive.jpg", base, quality=85, progressive=True)
save("grey.jpg", base.convert("L"), quality=90)
save("cmyk.jpg", base.convert("CMYK"), quality=90)
for o in (3, 6, 8):
    exif = Image.Exif()
    exif[0x0112] = o
    save(f"orientation{o}.jpg", base, quality=95, exif=exif.tobytes())
exif = Image.Exif(); exif[0x0112] = 6
save("orientation6.png", base, exif=exif.tobytes())

# Damaged files.
data = open(os.path.join(out, "rgb8.png"), "rb").read()
open(os.path.join(out, "truncated.png"), "wb").write(data[: len(data) // 2])
data = open(os.path.join(out, "baseline.jpg"), "rb").read()
open(os.path.join(out, "truncated.jpg"), "wb").write(data[: len(data) // 2])
open(os.path.join(out, "random.bin"), "wb").write(rng.integers(0, 256, 700, dtype=np.uint8).tobytes())
# A PNG whose header claims 100000 x 100000 pixels (valid CRC), with no image data.
ihdr = struct.pack(">IIBBBBB", 100000, 100000, 8, 2, 0, 0, 0)
def chunk(t, d):
    return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
open(os.path.join(out, "huge_header.png"), "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b""))
print("wrote", sorted(os.listdir(out)))
