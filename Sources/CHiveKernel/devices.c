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
#include "hive_kernel.h"

#define INSN(c, d, s, o, i) ((struct bpf_insn){.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)})
#define LDX_W(d, s, o) INSN(BPF_LDX | BPF_MEM | BPF_W, d, s, o, 0)
#define MOV_X(d, s) INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define MOV_K(d, k) INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, k)
#define AND_K(d, k) INSN(BPF_ALU64 | BPF_AND | BPF_K, d, 0, 0, k)
#define RSH_K(d, k) INSN(BPF_ALU64 | BPF_RSH | BPF_K, d, 0, 0, k)
#define JNE_K(d, k) INSN(BPF_JMP | BPF_JNE | BPF_K, d, 0, 0, k)
#define JEQ_K(d, k) INSN(BPF_JMP | BPF_JEQ | BPF_K, d, 0, 0, k)
#define JEQ_X(d, s) INSN(BPF_JMP | BPF_JEQ | BPF_X, d, s, 0, 0)
#define JA() INSN(BPF_JMP | BPF_JA, 0, 0, 0, 0)
#define EXIT() INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

enum { ALL = HIVE_DEV_MKNOD | HIVE_DEV_READ | HIVE_DEV_WRITE, MAX_INSNS = 16 + HIVE_DEV_MAX_RULES * 12 };

// The program is built with forward jumps to labels, patched at the end.
struct prog {
    struct bpf_insn *p;
    int k;
    int fix[MAX_INSNS], fixlabel[MAX_INSNS], nfix;
    int label[4 * HIVE_DEV_MAX_RULES + 8], nlabel;
};
static int new_label(struct prog *g) { g->label[g->nlabel] = -1; return g->nlabel++; }
static void place(struct prog *g, int l) { g->label[l] = g->k; }
static void jump(struct prog *g, struct bpf_insn i, int l) { g->fix[g->nfix] = g->k; g->fixlabel[g->nfix++] = l; g->p[g->k++] = i; }

static int type_matches(const struct hive_dev_rule *r, char t) { return r->type == 'a' || r->type == t; }

// One rule inside its type and major block: allow when the minor matches and
// every requested access is in the rule. Returns 1 if the rule allows all
// that reach it (what follows in the block is unreachable, which the
// verifier refuses: the caller stops there).
static int emit_rule(struct prog *g, const struct hive_dev_rule *r, int allow) {
    unsigned acc = r->access & ALL;
    if (acc == ALL) {
        if (r->minor < 0) { jump(g, JA(), allow); return 1; }
        jump(g, JEQ_K(BPF_REG_5, (int)r->minor), allow);
        return 0;
    }
    int skip = -1;
    if (r->minor >= 0) { skip = new_label(g); jump(g, JNE_K(BPF_REG_5, (int)r->minor), skip); }
    // (access & rule) == access
    g->p[g->k++] = MOV_X(BPF_REG_1, BPF_REG_3);
    g->p[g->k++] = AND_K(BPF_REG_1, (int)acc);
    jump(g, JEQ_X(BPF_REG_1, BPF_REG_3), allow);
    if (skip >= 0) place(g, skip);
    return 0;
}

// Builds the program; returns its length, or -1 (a rule that cannot be expressed).
// Every rule allows, so their order does not matter: they are grouped by
// type, then major, which keeps the branches (the verifier's work, ~15 us
// each here) to about one per rule.
static int build(const struct hive_dev_rule *rules, size_t n, struct bpf_insn *p) {
    static struct prog g;
    memset(&g, 0, sizeof g);
    g.p = p;
    for (size_t i = 0; i < n; i++) {
        if (rules[i].type != 'a' && rules[i].type != 'b' && rules[i].type != 'c') return -1;
        if (rules[i].major > 0x7fffffffLL || rules[i].minor > 0x7fffffffLL) return -1;
    }
    int allow = new_label(&g);
    g.p[g.k++] = LDX_W(BPF_REG_2, BPF_REG_1, 0);  // r2 = access_type
    g.p[g.k++] = MOV_X(BPF_REG_3, BPF_REG_2);
    g.p[g.k++] = AND_K(BPF_REG_2, 0xffff);         // r2 = type (BPF_DEVCG_DEV_BLOCK/CHAR)
    g.p[g.k++] = RSH_K(BPF_REG_3, 16);             // r3 = access (BPF_DEVCG_ACC_MKNOD/READ/WRITE)
    g.p[g.k++] = LDX_W(BPF_REG_4, BPF_REG_1, 4);  // r4 = major
    g.p[g.k++] = LDX_W(BPF_REG_5, BPF_REG_1, 8);  // r5 = minor
    const char types[2] = {'c', 'b'};
    const int devcg[2] = {BPF_DEVCG_DEV_CHAR, BPF_DEVCG_DEV_BLOCK};
    for (int t = 0; t < 2; t++) {
        int any = 0;
        for (size_t i = 0; i < n; i++) if (type_matches(&rules[i], types[t]) && (rules[i].access & ALL)) any = 1;
        if (!any) continue;
        int next_type = new_label(&g);
        jump(&g, JNE_K(BPF_REG_2, devcg[t]), next_type);
        int done = 0;
        // rules for any major first
        for (size_t i = 0; i < n && !done; i++) {
            const struct hive_dev_rule *r = &rules[i];
            if (type_matches(r, types[t]) && (r->access & ALL) && r->major < 0) done = emit_rule(&g, r, allow);
        }
        // then one block per major, in the order they first appear
        for (size_t i = 0; i < n && !done; i++) {
            const struct hive_dev_rule *r = &rules[i];
            if (!type_matches(r, types[t]) || !(r->access & ALL) || r->major < 0) continue;
            int seen = 0;
            for (size_t j = 0; j < i; j++)
                if (type_matches(&rules[j], types[t]) && (rules[j].access & ALL) && rules[j].major == r->major) seen = 1;
            if (seen) continue;
            int next_major = new_label(&g);
            jump(&g, JNE_K(BPF_REG_4, (int)r->major), next_major);
            int whole = 0;
            for (size_t j = i; j < n && !whole; j++)
                if (type_matches(&rules[j], types[t]) && (rules[j].access & ALL) && rules[j].major == r->major)
                    whole = emit_rule(&g, &rules[j], allow);
            // no rule of this major matched: on to the next checks, which
            // the verifier knows cannot match (r4 is this major there)
            place(&g, next_major);
        }
        place(&g, next_type);
    }
    // no rule matched: deny (reachable: the type checks cannot be decided by the verifier)
    g.p[g.k++] = MOV_K(BPF_REG_0, 0);
    g.p[g.k++] = EXIT();
    int used = 0;
    for (int f = 0; f < g.nfix; f++) if (g.fixlabel[f] == allow) used = 1;
    if (used) {  // an unreachable instruction fails verification
        place(&g, allow);
        g.p[g.k++] = MOV_K(BPF_REG_0, 1);
        g.p[g.k++] = EXIT();
    }
    for (int f = 0; f < g.nfix; f++) g.p[g.fix[f]].off = (short)(g.label[g.fixlabel[f]] - g.fix[f] - 1);
    return g.k;
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

int hive_device_filter_count(const char *cgroup_dir) {
    int cg = open(cgroup_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (cg < 0) return -1;
    union bpf_attr a;
    memset(&a, 0, sizeof a);
    a.query.target_fd = (uint32_t)cg;
    a.query.attach_type = BPF_CGROUP_DEVICE;
    long r = bpf(BPF_PROG_QUERY, &a);
    int e = errno;
    close(cg);
    if (r < 0) { errno = e; return -1; }
    return (int)a.query.prog_cnt;
}
