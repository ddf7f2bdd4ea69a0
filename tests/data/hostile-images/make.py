#!/usr/bin/env python3
"""Writes the hostile PNGs of this folder (run from anywhere; the files are committed).

Each is a few hundred bytes to 50 KB and breaks one rule: see README.md.
"""
import os
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))


def chunk(kind: bytes, data: bytes, crc=None) -> bytes:
    if crc is None:
        crc = zlib.crc32(kind + data)
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def png(width, height, depth, rows: bytes, extra=b"", bad_crc=False) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, depth, 0, 0, 0, 0)
    idat = zlib.compress(rows, 9)
    crc = (zlib.crc32(b"IDAT" + idat) ^ 0xFFFF) if bad_crc else None
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + extra
            + chunk(b"IDAT", idat, crc) + chunk(b"IEND", b""))


def write(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


def small():
    # 4 × 4 white, 8-bit grey: each row a filter byte and four pixels.
    return png(4, 4, 8, b"\x00\xff\xff\xff\xff" * 4)


# 20000 × 20000 one-bit pixels, all there: 50 MB of zeros compress to about 48 KB, and
# decode to 400 million pixels (3.5 GB as RGBA) without the header check.
row = b"\x00" + bytes(20000 // 8)
write("huge-dimensions.png", png(20000, 20000, 1, row * 20000))
# A valid small image cut off in the middle of its pixel data.
write("truncated.png", small()[:45])
# A critical chunk no decoder knows (its first letter is upper case): it must be refused.
write("bogus-chunk.png", png(4, 4, 8, b"\x00\xff\xff\xff\xff" * 4,
                              extra=chunk(b"BOGS", b"not a real chunk")))
# The pixel data's checksum does not match.
write("bad-crc.png", png(4, 4, 8, b"\x00\xff\xff\xff\xff" * 4, bad_crc=True))
# Text named .png.
write("not-png.png", b"this is not an image\n")
