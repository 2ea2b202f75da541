#!/usr/bin/env python3
"""A deterministic ~205 MB, ~6,000-file rootfs-like tar (the size the issue
and shared/peers figures use): many small files, a few large ones, dirs and
symlinks, random (incompressible) content.

usage: mkrootfs.py OUT.tar [TOTAL_MB]
"""
import io
import os
import random
import sys
import tarfile

out = sys.argv[1]
total = int(sys.argv[2] if len(sys.argv) > 2 else 205) * 1000 * 1000
rng = random.Random(42)
blob = os.urandom(4 << 20)
written = 0
with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as t:
    dirs = []
    for top in ["usr/lib", "usr/share", "usr/bin", "etc", "var/lib"]:
        for k in range(24):
            d = "%s/d%02d" % (top, k)
            dirs.append(d)
    made = set()
    for d in dirs:
        parts = d.split("/")
        for i in range(1, len(parts) + 1):
            p = "/".join(parts[:i])
            if p in made:
                continue
            made.add(p)
            info = tarfile.TarInfo(p)
            info.type = tarfile.DIRTYPE
            info.mode = 0o755
            t.addfile(info)
    n = 0
    while written < total:
        # mostly small files, some large: a rough rootfs size distribution
        r = rng.random()
        size = rng.randint(200, 8000) if r < 0.7 else rng.randint(8000, 100000) if r < 0.995 else rng.randint(1 << 20, 4 << 20)
        size = min(size, total - written) or 1
        off = rng.randint(0, len(blob) - size)
        info = tarfile.TarInfo("%s/f%05d" % (dirs[n % len(dirs)], n))
        info.size = size
        info.mode = 0o755 if n % 10 == 0 else 0o644
        t.addfile(info, io.BytesIO(blob[off:off + size]))
        written += size
        n += 1
        if n % 50 == 0:
            link = tarfile.TarInfo("%s/l%05d" % (dirs[n % len(dirs)], n))
            link.type = tarfile.SYMTYPE
            link.linkname = "f%05d" % (n - 1)
            t.addfile(link)
print("%d files, %d bytes of content" % (n, written), file=sys.stderr)
