#!/usr/bin/env python3
"""Writes the seed corpora of hive's fuzz targets into OUT/<target>/, from
../shared/corpus (read, never copied into git) and a few crafted inputs.

usage: seeds.py CORPUS_DIR OUT_DIR
"""
import gzip
import hashlib
import io
import json
import os
import sys
import tarfile

CANARY = "/dev/shm/hive-fuzz-canary"  # fuzz-tar's fixed canary (absolute symlinks)


def put(out, target, name, data):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogateescape")
    with open(os.path.join(d, name.replace("/", "__")), "wb") as f:
        f.write(data)


def walk(root, pred):
    for dirpath, _, names in os.walk(root):
        for n in sorted(names):
            p = os.path.join(dirpath, n)
            if pred(p):
                yield p


def read(p):
    with open(p, "rb") as f:
        return f.read()


def tar(entries, fmt=tarfile.PAX_FORMAT):
    """entries: (name, type, data-or-linkname, extra dict)"""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt, encoding="utf-8", errors="surrogateescape") as t:
        for name, typ, payload, extra in entries:
            info = tarfile.TarInfo(name)
            info.type = typ
            info.mode = extra.get("mode", 0o755 if typ == tarfile.DIRTYPE else 0o644)
            info.uid, info.gid = extra.get("uid", 0), extra.get("gid", 0)
            info.mtime = 1700000000
            info.pax_headers = extra.get("pax", {})
            if typ in (tarfile.CHRTYPE, tarfile.BLKTYPE):
                info.devmajor, info.devminor = extra.get("dev", (1, 3))
            if typ == tarfile.REGTYPE:
                info.size = len(payload)
                t.addfile(info, io.BytesIO(payload))
            else:
                info.linkname = payload or ""
                t.addfile(info)
    return buf.getvalue()


D, F, L, H = tarfile.DIRTYPE, tarfile.REGTYPE, tarfile.SYMTYPE, tarfile.LNKTYPE


def layer_seeds():
    ok = tar([
        ("etc/", D, None, {}), ("etc/passwd", F, b"root:x:0:0::/root:/bin/sh\n", {"mode": 0o644}),
        ("bin/", D, None, {}), ("bin/sh", F, b"\x7fELF" + b"\0" * 60, {"mode": 0o4755, "uid": 1, "gid": 2}),
        ("bin/ash", H, "bin/sh", {}), ("bin/link", L, "sh", {}),
        ("dev/", D, None, {}), ("dev/null", tarfile.CHRTYPE, None, {"dev": (1, 3)}),
        ("fifo", tarfile.FIFOTYPE, None, {}),
        ("x/", D, None, {}), ("x/.wh.gone", F, b"", {}), ("x/.wh..wh..opq", F, b"", {}),
        ("xattr", F, b"x", {"pax": {"SCHILY.xattr.user.k": "v", "SCHILY.xattr.trusted.overlay.opaque": "y"}}),
        ("long/" + "d" * 120 + "/" + "f" * 120, F, b"long", {}),
        ("big-uid", F, b"u", {"uid": 4000000, "gid": 4000000}),
    ])
    yield "layer-ok.tar", ok
    yield "layer-ok.tar.gz", gzip.compress(ok, mtime=0)
    yield "layer-gnu.tar", tar([("a/", D, None, {}), ("a/" + "n" * 150, F, b"gnu long name", {})], fmt=tarfile.GNU_FORMAT)
    yield "layer-ustar.tar", tar([("a", F, b"x", {})], fmt=tarfile.USTAR_FORMAT)
    # hostile: each must be refused or kept inside the root
    yield "dotdot.tar", tar([("../../../outside/file", F, b"escaped", {})])
    yield "absolute.tar", tar([(CANARY + "/file", F, b"escaped", {})])
    yield "symlink-rel.tar", tar([("l", L, "../../../outside", {}), ("l/file", F, b"escaped", {})])
    yield "symlink-abs.tar", tar([("l", L, CANARY, {}), ("l/file", F, b"escaped", {})])
    yield "symlink-dir.tar", tar([("d/", D, None, {}), ("d/l", L, "/", {}), ("d/l/dev/shm/hive-fuzz-canary/file", F, b"e", {})])
    yield "symlink-replace.tar", tar([("l", L, CANARY + "/file", {}), ("l", F, b"escaped", {})])
    yield "hardlink-out.tar", tar([("h", H, "../../../outside/file", {})])
    yield "hardlink-abs.tar", tar([("h", H, CANARY + "/file", {})])
    yield "hardlink-via-symlink.tar", tar([("l", L, CANARY, {}), ("h", H, "l/file", {}), ("h", F, b"x", {})])
    yield "whiteout-out.tar", tar([(".wh...", F, b"", {}), ("a/.wh.b", F, b"", {})])
    yield "dev-symlink.tar", tar([("l", L, CANARY + "/file", {}), ("l", tarfile.CHRTYPE, None, {})])
    yield "dir-over-symlink.tar", tar([("l", L, "../../../outside", {}), ("l/", D, None, {"mode": 0o777})])
    yield "root-entry.tar", tar([("./", D, None, {"mode": 0o700}), (".", D, None, {})])


def oci_archive(layer, compress):
    sha = lambda b: hashlib.sha256(b).hexdigest()
    blob = gzip.compress(layer, mtime=0) if compress else layer
    mt = "application/vnd.oci.image.layer.v1.tar" + ("+gzip" if compress else "")
    config = json.dumps({
        "architecture": "amd64", "os": "linux", "created": "2024-01-01T00:00:00Z",
        "config": {"Cmd": ["sh"], "Env": ["PATH=/bin"], "Labels": {"k": "v"}},
        "rootfs": {"type": "layers", "diff_ids": ["sha256:" + sha(layer)]},
        "history": [{"created": "2024-01-01T00:00:00Z", "created_by": "seeds.py"}],
    }, sort_keys=True).encode()
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": "sha256:" + sha(config), "size": len(config)},
        "layers": [{"mediaType": mt, "digest": "sha256:" + sha(blob), "size": len(blob)}],
    }, sort_keys=True).encode()
    index = json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "sha256:" + sha(manifest),
                       "size": len(manifest), "platform": {"architecture": "amd64", "os": "linux"},
                       "annotations": {"org.opencontainers.image.ref.name": "localhost/fuzz:1",
                                       "io.containerd.image.name": "docker.io/library/fuzz:1"}}],
    }).encode()
    docker = json.dumps([{"Config": "blobs/sha256/" + sha(config), "RepoTags": ["fuzz:1"],
                          "Layers": ["blobs/sha256/" + sha(blob)]}]).encode()
    files = {"oci-layout": b'{"imageLayoutVersion":"1.0.0"}', "index.json": index, "manifest.json": docker,
             "blobs/sha256/" + sha(config): config, "blobs/sha256/" + sha(manifest): manifest,
             "blobs/sha256/" + sha(blob): blob}
    yield "oci", files
    yield "docker", {k: v for k, v in files.items() if k not in ("index.json", "oci-layout")}
    yield "oci-only", {k: v for k, v in files.items() if k != "manifest.json"}
    # the manifest is also an index (CVE-2021-41190) and a nested index
    both = json.dumps(dict(json.loads(manifest), manifests=json.loads(index)["manifests"])).encode()
    yield "ambiguous", dict(files, **{"blobs/sha256/" + sha(both): both, "index.json": json.dumps({
        "schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.index.v1+json",
                                           "digest": "sha256:" + sha(both), "size": len(both)}]}).encode()})
    for name, doc in (("config", config), ("manifest", manifest), ("index", index), ("docker-manifest", docker)):
        yield "json:" + name, doc


def archive(files):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def main():
    corpus, out = sys.argv[1], sys.argv[2]
    c = lambda *p: os.path.join(corpus, *p)

    # json: JSONTestSuite, the OCI schemas, toml-test's expected JSON, seccomp, OCI documents
    for p in walk(c("json-test-suite/test_parsing"), lambda p: p.endswith(".json")):
        put(out, "fuzz-json", os.path.basename(p), read(p))
    for sub in ("oci-image-spec-schema", "moby-seccomp"):
        for p in walk(c(sub), lambda p: p.endswith(".json")):
            put(out, "fuzz-json", sub + "-" + os.path.basename(p), read(p))
    for i, p in enumerate(walk(c("toml-test/valid"), lambda p: p.endswith(".json"))):
        if i % 4 == 0:
            put(out, "fuzz-json", "toml-" + os.path.relpath(p, c("toml-test")), read(p))

    # dockerfile: BuildKit's test files and real Dockerfiles
    for p in walk(c("buildkit-parser"), lambda p: os.path.basename(p) == "Dockerfile"):
        put(out, "fuzz-dockerfile", os.path.relpath(p, corpus), read(p))
    for p in walk(c("real-dockerfiles"), lambda p: "Dockerfile" in os.path.basename(p) and "/EXPECTED" not in p):
        put(out, "fuzz-dockerfile", os.path.relpath(p, corpus), read(p))

    # shell: every input of envVarTest and wordsTest, with an options byte
    n = 0
    for name in ("envVarTest", "wordsTest"):
        for line in read(c("buildkit-shell", name)).decode().splitlines():
            if not line or line.startswith("#") or line.startswith("ENV "):
                continue
            parts = line.split("|")
            word = parts[1].strip() if name == "envVarTest" else parts[0].strip()
            n += 1
            put(out, "fuzz-shell", "%s-%04d" % (name, n), b"\0" + word.encode())
            if n % 5 == 0:
                put(out, "fuzz-shell", "%s-%04d-bt" % (name, n), b"\1" + word.replace("\\", "`").encode())

    # toml: toml-test (valid and invalid) and hive's own example
    for p in walk(c("toml-test"), lambda p: p.endswith(".toml")):
        put(out, "fuzz-toml", os.path.relpath(p, c("toml-test")), read(p))
    here = os.path.dirname(os.path.abspath(__file__))
    put(out, "fuzz-toml", "hive.toml", read(os.path.join(here, "..", "contrib", "hive.toml")))

    # reference
    for i, r in enumerate(["busybox", "busybox:1.36", "library/busybox", "docker.io/library/busybox:latest",
                           "index.docker.io/user/app", "localhost:5000/a/b_c__d--e:v1.2-x",
                           "[::1]:5000/x", "Registry.Example.com/x/y", "x@sha256:" + "a" * 64,
                           "x:t@sha256:" + "0" * 64, "a" * 64, "sha256:" + "b" * 64]):
        put(out, "fuzz-reference", "ref-%02d" % i, r)

    # template: docker's --format idioms
    for i, t in enumerate(["{{.ID}}\t{{.Names}}", "table {{.ID}}\\t{{.State.Running}}", "{{json .}}",
                           "{{index .Labels \"a\"}}", "{{range .Ports}}{{.PrivatePort}}/{{.Type}} {{end}}",
                           "{{if .State.Running}}up{{else}}down{{end}}", "{{with .Labels}}{{.a}}{{end}}",
                           "{{join .Names \",\"}} {{upper .ID}} {{lower .ID}} {{title .ID}}",
                           "{{printf \"%s-%d\" .ID .State.Pid}}", "{{.ID | json}}", "{{- .ID -}}",
                           "{{range $i, $e := .Names}}{{$i}}{{$e}}{{end}}", "{{len .Names}}"]):
        put(out, "fuzz-template", "tpl-%02d" % i, t)
    put(out, "fuzz-template", "tpl-with-doc", b"{{range .a}}{{.b}}{{end}}\0" + b'{"a":[{"b":1},{"b":"x"}]}')

    # tar (layers) and load (archives)
    layers = dict(layer_seeds())
    for name, data in layers.items():
        put(out, "fuzz-tar", name, data)
    for comp in (False, True):
        for name, files in oci_archive(layers["layer-ok.tar"], comp):
            if name.startswith("json:"):
                put(out, "fuzz-json", "oci-" + name[5:], files)
            else:
                put(out, "fuzz-load", "%s%s.tar" % (name, "-gz" if comp else ""), archive(files))
    put(out, "fuzz-load", "oci.tar.gz", gzip.compress(read(os.path.join(out, "fuzz-load", "oci.tar")), mtime=0))


main()
