// libseccomp's and libcap's names and versions, and this process's
// permitted capabilities (capget: /proc/self/status costs ~0.2 ms).
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <seccomp.h>
#include <sys/capability.h>
#include "hive_kernel.h"

const char *hive_seccomp_version(void) {
    static char buf[32];
    const struct scmp_version *v = seccomp_version();
    snprintf(buf, sizeof buf, "%u.%u.%u", v->major, v->minor, v->micro);
    return buf;
}
int hive_cap_from_name(const char *name) {
    cap_value_t v;
    return cap_from_name(name, &v) == 0 ? (int)v : -1;
}

#include <linux/capability.h>
#include <sys/syscall.h>

uint64_t hive_cap_permitted(void) {
    struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof data);
    if (syscall(SYS_capget, &hdr, data) < 0) return 0;
    return (uint64_t)data[0].permitted | ((uint64_t)data[1].permitted << 32);
}

uint32_t hive_scmp_act_errno(uint32_t err) { return SCMP_ACT_ERRNO(err); }
uint32_t hive_scmp_act_allow(void) { return SCMP_ACT_ALLOW; }
