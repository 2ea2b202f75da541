#!/usr/bin/env python3
"""An OCI layout of a real multi-layer rootfs image, for the registry bench
(issue #12): each ROOTFS directory (mmdebstrap's output, each a superset of
the one before) becomes one layer holding what it adds or changes over the
previous (deleted paths as whiteouts). Layers are plain tars: podman
compresses them when it pushes the image to the bench's registry.

usage: mkregimage.py OUT_LAYOUT_DIR TAG ROOTFS1 [ROOTFS2 ...]
"""
import hashlib
import json
import os
import stat
import sys
import tarfile

SKIP = ("dev/", "proc/", "sys/", "run/", "tmp/")


def walk(root):
    """relative path -> lstat, for every entry under root (not root itself)."""
    out = {}
    for d, dirs, files in os.walk(root):
        for n in dirs + files:
            p = os.path.join(d, n)
            rel = os.path.relpath(p, root)
            if any((rel + "/").startswith(s) and rel + "/" != s for s in SKIP):
                continue
            out[rel] = os.lstat(p)
    return out


def same(a, b, pa, pb):
    if stat.S_IFMT(a.st_mode) != stat.S_IFMT(b.st_mode) or a.st_mode != b.st_mode:
        return False
    if (a.st_uid, a.st_gid) != (b.st_uid, b.st_gid):
        return False
    if stat.S_ISLNK(a.st_mode):
        return os.readlink(pa) == os.readlink(pb)
    if stat.S_ISDIR(a.st_mode):
        return True
    return a.st_size == b.st_size and int(a.st_mtime) == int(b.st_mtime)


def layer(prev_root, root, out):
    cur = walk(root)
    prev = walk(prev_root) if prev_root else {}
    changed = sorted(p for p, st in cur.items()
                     if p not in prev or not same(prev[p], st, os.path.join(prev_root, p), os.path.join(root, p)))
    wanted = set(changed)
    for p in changed:  # the parents of what changed, so the layer extracts on its own
        d = os.path.dirname(p)
        while d:
            wanted.add(d)
            d = os.path.dirname(d)
    # the topmost deleted paths (a deleted directory's contents go with it)
    deleted = sorted(p for p in prev if p not in cur and (os.path.dirname(p) == "" or os.path.dirname(p) in cur))
    with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as t:
        for p in sorted(wanted):
            t.add(os.path.join(root, p), arcname=p, recursive=False)
        for p in deleted:
            info = tarfile.TarInfo(os.path.join(os.path.dirname(p), ".wh." + os.path.basename(p)))
            t.addfile(info)
    return len(changed), len(deleted)


def sha_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def put_blob(out, data=None, path=None):
    if path is not None:
        d = sha_file(path)
        os.rename(path, os.path.join(out, "blobs/sha256", d))
        return d, os.path.getsize(os.path.join(out, "blobs/sha256", d))
    d = hashlib.sha256(data).hexdigest()
    with open(os.path.join(out, "blobs/sha256", d), "wb") as f:
        f.write(data)
    return d, len(data)


def main():
    out, tag, roots = sys.argv[1], sys.argv[2], sys.argv[3:]
    os.makedirs(os.path.join(out, "blobs/sha256"), exist_ok=True)
    layers, history, prev = [], [], None
    for i, root in enumerate(roots):
        tmp = os.path.join(out, "layer%d.tar" % i)
        n, dels = layer(prev, root, tmp)
        d, size = put_blob(out, path=tmp)
        print("layer %d: %d entries changed, %d deleted, %.1f MB" % (i + 1, n, dels, size / 1e6), file=sys.stderr)
        layers.append({"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": "sha256:" + d, "size": size})
        history.append({"created": "2026-01-01T00:00:00Z", "created_by": "mmdebstrap " + os.path.basename(root)})
        prev = root
    config = json.dumps({
        "architecture": "amd64", "os": "linux", "created": "2026-01-01T00:00:00Z",
        "config": {"Cmd": ["bash"], "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]},
        "rootfs": {"type": "layers", "diff_ids": [l["digest"] for l in layers]},
        "history": history,
    }, sort_keys=True).encode()
    cd, cs = put_blob(out, config)
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": "sha256:" + cd, "size": cs},
        "layers": layers,
    }, sort_keys=True).encode()
    md, ms = put_blob(out, manifest)
    with open(os.path.join(out, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2, "manifests": [{
            "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "sha256:" + md, "size": ms,
            "annotations": {"org.opencontainers.image.ref.name": tag}}]}, f)
    with open(os.path.join(out, "oci-layout"), "w") as f:
        f.write('{"imageLayoutVersion":"1.0.0"}')


main()
