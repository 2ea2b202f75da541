// The cgroup2 device policy: a BPF_PROG_TYPE_CGROUP_DEVICE program written by
// hand as raw instructions (as crun's src/libcrun/ebpf.c and runc's
// libcontainer/cgroups/devices/devicefilter.go do), loaded with bpf(2) and
// attached to the container's cgroup2 directory. The kernel runs it on every
// open and mknod of a device node by a task of that cgroup, then the v1
// devices controller where one exists (hybrid hosts check both).
//
// The program: ctx is struct bpf_cgroup_dev_ctx {access_type (device type in
// the low 16 bits, access in the high 16), major, minor}; each rule that
// matches the type, holds every requested access and matches major and minor
// returns 1 (allow); no match returns 0 (deny: open and mknod fail EPERM).
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "hive_shims.h"

#define INSN(c, d, s, o, i) ((struct bpf_insn){.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)})
#define LDX_W(d, s, o) INSN(BPF_LDX | BPF_MEM | BPF_W, d, s, o, 0)
#define MOV_X(d, s) INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define MOV_K(d, k) INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, k)
#define AND_K(d, k) INSN(BPF_ALU64 | BPF_AND | BPF_K, d, 0, 0, k)
#define RSH_K(d, k) INSN(BPF_ALU64 | BPF_RSH | BPF_K, d, 0, 0, k)
#define JNE_K(d, k, o) INSN(BPF_JMP | BPF_JNE | BPF_K, d, 0, o, k)
#define JNE_X(d, s, o) INSN(BPF_JMP | BPF_JNE | BPF_X, d, s, o, 0)
#define EXIT() INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

enum { MAX_INSNS = 6 + HIVE_DEV_MAX_RULES * 8 + 2 };

// Builds the program; returns its length or -1 (a rule that cannot be expressed).
static int build(const struct hive_dev_rule *rules, size_t n, struct bpf_insn *p) {
    int k = 0;
    p[k++] = LDX_W(BPF_REG_2, BPF_REG_1, 0);  // r2 = access_type
    p[k++] = MOV_X(BPF_REG_3, BPF_REG_2);
    p[k++] = AND_K(BPF_REG_2, 0xffff);         // r2 = type (BPF_DEVCG_DEV_BLOCK/CHAR)
    p[k++] = RSH_K(BPF_REG_3, 16);             // r3 = access (BPF_DEVCG_ACC_MKNOD/READ/WRITE)
    p[k++] = LDX_W(BPF_REG_4, BPF_REG_1, 4);  // r4 = major
    p[k++] = LDX_W(BPF_REG_5, BPF_REG_1, 8);  // r5 = minor
    for (size_t i = 0; i < n; i++) {
        const struct hive_dev_rule *r = &rules[i];
        unsigned acc = r->access & (HIVE_DEV_MKNOD | HIVE_DEV_READ | HIVE_DEV_WRITE);
        if (acc == 0) continue;
        if (r->major > 0x7fffffffLL || r->minor > 0x7fffffffLL) return -1;
        int jumps[4], nj = 0;
        if (r->type == 'b' || r->type == 'c') {
            jumps[nj++] = k;
            p[k++] = JNE_K(BPF_REG_2, r->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR, 0);
        } else if (r->type != 'a') {
            return -1;
        }
        if (acc != (HIVE_DEV_MKNOD | HIVE_DEV_READ | HIVE_DEV_WRITE)) {
            // every requested access must be in the rule: (access & rule) == access
            p[k++] = MOV_X(BPF_REG_1, BPF_REG_3);
            p[k++] = AND_K(BPF_REG_1, (int)acc);
            jumps[nj++] = k;
            p[k++] = JNE_X(BPF_REG_1, BPF_REG_3, 0);
        }
        if (r->major >= 0) { jumps[nj++] = k; p[k++] = JNE_K(BPF_REG_4, (int)r->major, 0); }
        if (r->minor >= 0) { jumps[nj++] = k; p[k++] = JNE_K(BPF_REG_5, (int)r->minor, 0); }
        p[k++] = MOV_K(BPF_REG_0, 1);
        p[k++] = EXIT();
        for (int j = 0; j < nj; j++) p[jumps[j]].off = (short)(k - jumps[j] - 1);  // to the next rule
    }
    p[k++] = MOV_K(BPF_REG_0, 0);
    p[k++] = EXIT();
    return k;
}

static long bpf(int cmd, union bpf_attr *a) { return syscall(SYS_bpf, cmd, a, sizeof *a); }

int hive_device_filter_attach(const char *cgroup_dir, const struct hive_dev_rule *rules, size_t n, char *err, size_t errlen) {
    struct bpf_insn insns[MAX_INSNS];
    if (n > HIVE_DEV_MAX_RULES) { snprintf(err, errlen, "too many device rules (%zu, at most %d)", n, HIVE_DEV_MAX_RULES); return -1; }
    int len = build(rules, n, insns);
    if (len < 0) { snprintf(err, errlen, "a device rule cannot be expressed (type a, b or c; major and minor below 2^31)"); return -1; }

    union bpf_attr a;
    memset(&a, 0, sizeof a);
    a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    a.insns = (uint64_t)(uintptr_t)insns;
    a.insn_cnt = (uint32_t)len;
    a.license = (uint64_t)(uintptr_t)"Apache-2.0";
    int prog = (int)bpf(BPF_PROG_LOAD, &a);
    if (prog < 0) {
        int e = errno;
        // again with the verifier's log, for the message
        char log[4096];
        log[0] = 0;
        a.log_level = 1;
        a.log_buf = (uint64_t)(uintptr_t)log;
        a.log_size = sizeof log;
        int again = (int)bpf(BPF_PROG_LOAD, &a);
        if (again >= 0) close(again);
        for (char *c = log; *c; c++) if (*c == '\n') *c = ' ';
        snprintf(err, errlen, "cannot load the device cgroup program: %s%s%.200s", strerror(e), log[0] ? ": " : "", log);
        errno = e;
        return -1;
    }
    int cg = open(cgroup_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (cg < 0) {
        int e = errno;
        close(prog);
        snprintf(err, errlen, "open %s: %s", cgroup_dir, strerror(e));
        errno = e;
        return -1;
    }
    memset(&a, 0, sizeof a);
    a.target_fd = (uint32_t)cg;
    a.attach_bpf_fd = (uint32_t)prog;
    a.attach_type = BPF_CGROUP_DEVICE;
    // no flags: the only program of this group, which no descendant may
    // override (BPF_F_ALLOW_OVERRIDE) or add to; attaching again (a restart)
    // replaces it
    a.attach_flags = 0;
    long r = bpf(BPF_PROG_ATTACH, &a);
    int e = errno;
    close(cg);
    close(prog);  // the attachment holds the program for as long as the cgroup lives
    if (r < 0) {
        snprintf(err, errlen, "cannot attach the device cgroup program to %s: %s", cgroup_dir, strerror(e));
        errno = e;
        return -1;
    }
    return 0;
}
