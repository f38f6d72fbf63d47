#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Decode a PNG (8-bit RGB or RGBA, as Chromium writes screenshots) with the
# standard library only, and print what a test needs to tell a rendered
# page from a blank one:
#   WIDTH HEIGHT DISTINCT_COLOURS NON_WHITE_SHARE
# then, for each RRGGBB given on the command line, "RRGGBB COUNT" (pixels
# of exactly that colour, counted on every other pixel).
# Usage: png_stats.py FILE.png [RRGGBB...]
import struct
import sys
import zlib


def read_png(path):
    data = open(path, 'rb').read()
    if data[:8] != b'\x89PNG\r\n\x1a\n':
        sys.exit('%s: not a PNG' % path)
    pos, idat, hdr = 8, [], None
    while pos < len(data):
        n, kind = struct.unpack('>I4s', data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b'IHDR':
            hdr = struct.unpack('>IIBBBBB', body)
        elif kind == b'IDAT':
            idat.append(body)
        pos += 12 + n
    if hdr is None:
        sys.exit('%s: no IHDR chunk' % path)
    w, h, depth, ctype, _, _, interlace = hdr
    if depth != 8 or ctype not in (2, 6) or interlace:
        sys.exit('%s: unsupported PNG (depth %d, colour type %d, interlace %d)' % (path, depth, ctype, interlace))
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(b''.join(idat))
    stride = w * bpp
    prev = bytearray(stride)
    rows = []
    for y in range(h):
        start = y * (stride + 1)
        f = raw[start]
        line = bytearray(raw[start + 1:start + 1 + stride])
        if f == 1:  # Sub
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 255
        elif f == 2:  # Up
            line = bytearray((a + b) & 255 for a, b in zip(line, prev))
        elif f == 3:  # Average
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 255
        elif f == 4:  # Paeth
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b = prev[i]
                c = prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        elif f != 0:
            sys.exit('%s: bad filter %d in row %d' % (path, f, y))
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows


def main():
    w, h, bpp, rows = read_png(sys.argv[1])
    colours = {}
    for r in rows:
        for x in range(0, len(r), bpp * 2):
            px = r[x:x + 3]
            colours[px] = colours.get(px, 0) + 1
    total = sum(colours.values())
    white = colours.get(b'\xff\xff\xff', 0)
    print('%d %d %d %.4f' % (w, h, len(colours), (total - white) / total))
    for want in sys.argv[2:]:
        print(want, colours.get(bytes.fromhex(want), 0))


main()
