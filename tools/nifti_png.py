#!/usr/bin/env python3
"""Render orthogonal slices of a NIfTI volume (and optionally a label map) to a PNG.

Standard library only, for a quick look at `ren synth` output on a machine without numpy:
    tools/nifti_png.py IMAGE.nii.gz OUT.png [--labels LOBES.nii.gz] [--window -1000,400]
The PNG shows the middle axial, coronal and sagittal slices side by side (labels as colours).
"""
import argparse
import gzip
import struct
import zlib

DTYPES = {2: "B", 4: "h", 8: "i", 16: "f", 64: "d", 256: "b", 512: "H"}


def read_nifti(path):
    raw = open(path, "rb").read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    dims = struct.unpack_from("<8h", raw, 40)
    datatype = struct.unpack_from("<h", raw, 70)[0]
    offset = int(struct.unpack_from("<f", raw, 108)[0])
    nx, ny, nz = dims[1], dims[2], dims[3]
    code = DTYPES[datatype]
    values = struct.unpack_from("<%d%s" % (nx * ny * nz, code), raw, offset)
    return (nx, ny, nz), values


def write_png(path, width, height, rgb_rows):
    def chunk(tag, data):
        c = struct.pack(">I", len(data)) + tag + data
        return c + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + bytes(row) for row in rgb_rows)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b"")
    open(path, "wb").write(png)


COLOURS = {0: None, 1: (230, 80, 80), 2: (80, 200, 80), 3: (80, 120, 230), 4: (230, 200, 60), 5: (200, 80, 220)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("image")
    ap.add_argument("out")
    ap.add_argument("--labels")
    ap.add_argument("--window", default="-1000,400")
    ap.add_argument("--scale", type=int, default=2)
    ap.add_argument("--z", type=float, default=0.5, help="axial slice position as a fraction of the height")
    args = ap.parse_args()
    (nx, ny, nz), img = read_nifti(args.image)
    lab = read_nifti(args.labels)[1] if args.labels else None
    lo, hi = (float(v) for v in args.window.split(","))

    def pixel(i, j, k):
        idx = i + nx * (j + ny * k)
        g = int(max(0, min(255, (img[idx] - lo) / (hi - lo) * 255)))
        if lab is not None and lab[idx]:
            c = COLOURS.get((lab[idx] - 1) % 5 + 1)
            return tuple(int(0.6 * g + 0.4 * cc) for cc in c)
        return (g, g, g)

    # Display: patient's right on the left of the image (radiological), anterior up, superior up.
    axial = [[pixel(i, j, min(nz - 1, int(args.z * nz))) for i in range(nx)] for j in reversed(range(ny))]
    coronal = [[pixel(i, ny // 2, k) for i in range(nx)] for k in reversed(range(nz))]
    sagittal = [[pixel(nx // 4, j, k) for j in range(ny)] for k in reversed(range(nz))]
    panels = [axial, coronal, sagittal]
    height = max(len(p) for p in panels)
    rows = []
    for r in range(height):
        row = []
        for p in panels:
            line = p[r] if r < len(p) else [(0, 0, 0)] * len(p[0])
            for px in line:
                for _ in range(args.scale):
                    row.extend(px)
            row.extend((0, 0, 0) * 4)
        for _ in range(args.scale):
            rows.append(row)
    write_png(args.out, len(rows[0]) // 3, len(rows), rows)


if __name__ == "__main__":
    main()
