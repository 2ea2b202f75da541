// Kernel-facing helpers of the runtime: libseccomp and libcap names, this
// process's capabilities, the cgroup2 device program (devices.c).
#ifndef HIVE_KERNEL_H
#define HIVE_KERNEL_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
// CapPrm of this process (capget: /proc/self/status costs ~0.2 ms to generate).
uint64_t hive_cap_permitted(void);
// ---- libseccomp / libcap presence (the runtime builds on these) ----
const char *hive_seccomp_version(void);
int hive_cap_from_name(const char *name);


// ---- the cgroup2 device policy (devices.c) ----
// One rule: type 'a' (any), 'b' or 'c'; major/minor -1 for any; access a
// mask of HIVE_DEV_MKNOD | HIVE_DEV_READ | HIVE_DEV_WRITE.
enum { HIVE_DEV_MKNOD = 1, HIVE_DEV_READ = 2, HIVE_DEV_WRITE = 4, HIVE_DEV_MAX_RULES = 256 };
struct hive_dev_rule {
    char type;
    int64_t major, minor;
    unsigned access;
};
// Loads a BPF_PROG_TYPE_CGROUP_DEVICE program allowing exactly `rules` (every
// other device access denied) and attaches it to the cgroup2 directory
// `cgroup_dir`, replacing the one attached before. 0, or -1 with err set.
int hive_device_filter_attach(const char *cgroup_dir, const struct hive_dev_rule *rules, size_t n, char *err, size_t errlen);
// How many device programs are attached to the cgroup2 directory itself (not
// inherited), or -1 with errno.
int hive_device_filter_count(const char *cgroup_dir);

// libseccomp's action macros, for the Swift profile compiler.
uint32_t hive_scmp_act_errno(uint32_t err);
uint32_t hive_scmp_act_allow(void);
#endif
