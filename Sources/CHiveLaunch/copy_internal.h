// Internal to hive cp: what copy.c (the tree copy in the child) and
// copy_container.c (entering the container, the fork, the report) share.
#ifndef HIVE_COPY_INTERNAL_H
#define HIVE_COPY_INTERNAL_H
#include <stddef.h>
#include <sys/stat.h>
#include "launch_internal.h"

// A failure (msg, err) or, with ok set, the bytes of regular-file content copied.
struct cp_report { int err; int ok; long long bytes; char msg[480]; };

struct cp {
    int errfd;
    int proc_fd;   // this process's /proc/self/fd on the host's procfs
    int flags;     // HIVE_CP_*
    int out;       // copying out of the container
    long long bytes;  // regular-file content copied
    char path[4096];  // the source path being copied, for messages
};

static inline void add(char *dst, size_t cap, size_t *i, const char *s) {
    for (; s && *s && *i + 1 < cap; s++) dst[(*i)++] = *s;
    dst[*i] = 0;
}

// Reports "a b c" (and errno's text when err != 0) to the parent and exits (copy.c).
__attribute__((noreturn)) void cp_fail(struct cp *c, const char *a, const char *b, const char *d, int err);
// Copies the object held by `src` (O_PATH|O_NOFOLLOW, stat `st`) to `name` in `dstdir` (copy.c).
void copy_obj(struct cp *c, int src, const struct stat *st, int dstdir, const char *name, int depth, int top);

#endif
