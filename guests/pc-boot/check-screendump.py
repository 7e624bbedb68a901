#!/usr/bin/env python3
"""Check a PPM screendump (P6, 640x480) of the pc-boot guest's final mode 12h screen.

Expected: pixel (x, y) has colour ((x >> 5) + (y >> 5)) & 15, except the white
(colour 15) line at y = 470, x = 100..539, drawn with INT 10h AH=0Ch. Colours are
the default mode 12h (EGA) palette; each channel may differ from the nominal
8-bit value by up to --tolerance (DAC 6-bit -> 8-bit scaling gives e.g. A8 or AA).

Usage: check-screendump.py SCREEN.ppm [--tolerance N]
Exit status 0 if every pixel matches, 1 otherwise. Standard library only.
"""
import argparse
import sys

EGA = [
    0x000000, 0x0000AA, 0x00AA00, 0x00AAAA, 0xAA0000, 0xAA00AA, 0xAA5500, 0xAAAAAA,
    0x555555, 0x5555FF, 0x55FF55, 0x55FFFF, 0xFF5555, 0xFF55FF, 0xFFFF55, 0xFFFFFF,
]
WIDTH, HEIGHT = 640, 480
LINE_Y, LINE_X0, LINE_X1 = 470, 100, 539


def expected_index(x, y):
    if y == LINE_Y and LINE_X0 <= x <= LINE_X1:
        return 15
    return ((x >> 5) + (y >> 5)) & 15


def read_ppm(path):
    with open(path, 'rb') as f:
        data = f.read()
    fields, pos = [], 0
    while len(fields) < 4:                      # magic, width, height, maxval
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b'#':
            while data[pos:pos + 1] not in (b'\n', b''):
                pos += 1
            continue
        start = pos
        while not data[pos:pos + 1].isspace():
            pos += 1
        fields.append(data[start:pos])
    pos += 1                                    # exactly one whitespace byte before the raster
    if fields[0] != b'P6':
        raise ValueError(f'{path}: not a binary PPM (P6), magic {fields[0]!r}')
    w, h, maxval = int(fields[1]), int(fields[2]), int(fields[3])
    if maxval != 255:
        raise ValueError(f'{path}: maxval {maxval}, expected 255')
    raster = data[pos:pos + w * h * 3]
    if len(raster) != w * h * 3:
        raise ValueError(f'{path}: truncated raster')
    return w, h, raster


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('ppm')
    ap.add_argument('--tolerance', type=int, default=4,
                    help='allowed difference per 8-bit channel (default 4)')
    args = ap.parse_args()

    w, h, raster = read_ppm(args.ppm)
    if (w, h) != (WIDTH, HEIGHT):
        print(f'FAIL: screendump is {w}x{h}, expected {WIDTH}x{HEIGHT}')
        return 1

    seen = {}                                   # palette index -> set of RGB actually found
    bad = 0
    for y in range(HEIGHT):
        for x in range(WIDTH):
            i = (y * WIDTH + x) * 3
            got = tuple(raster[i:i + 3])
            idx = expected_index(x, y)
            want = EGA[idx]
            want = ((want >> 16) & 255, (want >> 8) & 255, want & 255)
            if any(abs(g - e) > args.tolerance for g, e in zip(got, want)):
                if bad < 10:
                    print(f'mismatch at ({x}, {y}): got #{bytes(got).hex().upper()}, '
                          f'expected colour {idx} #{bytes(want).hex().upper()}')
                bad += 1
            seen.setdefault(idx, set()).add(got)

    print('colours found in the screendump (palette index: RGB):')
    for idx in sorted(seen):
        rgbs = ', '.join('#' + bytes(c).hex().upper() for c in sorted(seen[idx]))
        print(f'  {idx:2d}: {rgbs}')
    if bad:
        print(f'FAIL: {bad} of {WIDTH * HEIGHT} pixels differ by more than {args.tolerance}')
        return 1
    print(f'OK: all {WIDTH * HEIGHT} pixels match ((x >> 5) + (y >> 5)) & 15 '
          f'plus the white line y={LINE_Y}, x={LINE_X0}..{LINE_X1} (tolerance {args.tolerance})')
    return 0


if __name__ == '__main__':
    sys.exit(main())
