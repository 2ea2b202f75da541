#!/usr/bin/env python3
"""Adds Docker's default seccomp profile (as hive applies it: the default
capabilities, amd64 with its x86/x32 sub-architectures) to an OCI
config.json, so the bare-runtime benchmark does the same filtering as hive.

usage: oci-seccomp.py PROFILE.json CONFIG.json
"""
import json
import sys

CAPS = {"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
        "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL",
        "CAP_AUDIT_WRITE"}

profile = json.load(open(sys.argv[1]))
arches = ["SCMP_ARCH_X86_64"]
for m in profile.get("archMap", []):
    if m["architecture"] == "SCMP_ARCH_X86_64":
        arches += m.get("subArchitectures", [])
syscalls = []
for rule in profile["syscalls"]:
    inc, exc = rule.get("includes", {}), rule.get("excludes", {})
    if inc.get("caps") and not set(inc["caps"]) <= CAPS:
        continue
    if inc.get("arches") and not {"amd64", "x86", "x32"} & set(inc["arches"]):
        continue
    if exc.get("caps") and set(exc["caps"]) & CAPS:
        continue
    if exc.get("arches") and "amd64" in exc["arches"]:
        continue
    out = {"names": rule.get("names") or [rule["name"]], "action": rule["action"]}
    if rule.get("args"):
        out["args"] = rule["args"]
    if "errnoRet" in rule:
        out["errnoRet"] = rule["errnoRet"]
    syscalls.append(out)
config = json.load(open(sys.argv[2]))
config["linux"]["seccomp"] = {"defaultAction": profile["defaultAction"], "defaultErrnoRet": profile.get("defaultErrnoRet", 1),
                              "architectures": arches, "syscalls": syscalls}
json.dump(config, open(sys.argv[2], "w"), indent=1)
