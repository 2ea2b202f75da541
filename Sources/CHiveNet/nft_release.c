// Closing an nfnetlink socket without waiting for the kernel (see
// include/hive_nft.h, hive_nft_close). Releasing a bound nfnetlink socket
// runs nf_tables' NETLINK_URELEASE handler, which first flushes the pending
// destroy work of every earlier commit that deleted something (set elements,
// rules, tables): nf_tables_trans_destroy_flush_work -> synchronize_rcu, 8-20
// ms here — even in exit(), whoever did the delete. The last reference to the
// socket is handed to a child process that holds nothing else, waits until
// the caller has dropped its own, and exits: the wait is the child's.
//
// The child shares the caller's memory (CLONE_VM, on a small stack of its
// own) and gets a copy of its descriptor table only: a fork-like child would
// copy the page tables and leave every page the caller writes afterwards to a
// copy-on-write fault (measured: ~3 ms more for the container's launch right
// after a `-p` publish). So the child makes raw system calls only: no libc
// call that could write errno (the caller's thread's), no allocation, no
// lock, no Swift (DESIGN.md).
#include "hive_nft.h"
#include "nft_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef __WALL
#define __WALL 0x40000000
#endif

#if defined(__x86_64__) || defined(__aarch64__)
#define HIVE_RELEASE_SHARED_VM 1
// A system call that touches no memory but its arguments (-errno on failure).
static long raw3(long n, long a, long b, long c) {
#if defined(__x86_64__)
    long r;
    __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
    return r;
#else
    register long x8 __asm__("x8") = n, x0 __asm__("x0") = a, x1 __asm__("x1") = b, x2 __asm__("x2") = c;
    __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2) : "memory");
    return x0;
#endif
}
#else
#define HIVE_RELEASE_SHARED_VM 0
static long raw3(long n, long a, long b, long c) { return syscall(n, a, b, c); }  // a fork-like child: errno is its own
#endif

enum { STACK_SIZE = 16 * 1024, MAX_PENDING = 16 };

// Children not yet reaped, with their stacks: a clone child with no exit
// signal is reaped only by a wait with __WALL (never by a caller's
// waitpid(-1)), or by whoever adopts it when this process exits; a
// long-lived caller reaps them here and unmaps their stacks.
static struct { pid_t pid; void *stack; } pending[MAX_PENDING];
static pthread_mutex_t pending_lock = PTHREAD_MUTEX_INITIALIZER;

static void reap(void) {
    for (int i = 0; i < MAX_PENDING; i++) {
        if (pending[i].pid <= 0 || waitpid(pending[i].pid, NULL, WNOHANG | __WALL) == 0) continue;
        if (pending[i].stack) munmap(pending[i].stack, STACK_SIZE);
        pending[i].pid = 0;
        pending[i].stack = NULL;
    }
}

static void remember(pid_t pid, void *stack) {
    for (int i = 0; i < MAX_PENDING; i++)
        if (pending[i].pid <= 0) { pending[i].pid = pid; pending[i].stack = stack; return; }
    // full (16 children still waiting for the kernel): this one is adopted at
    // exit and its stack stays mapped until then
}

struct release_arg { int fd, rd; };

static void close_except(int a, int b) {
    int lo = a < b ? a : b, hi = a < b ? b : a;
    if (lo > 0) raw3(SYS_close_range, 0, lo - 1, 0);
    if (hi > lo + 1) raw3(SYS_close_range, lo + 1, hi - 1, 0);
    raw3(SYS_close_range, hi + 1, ~0U, 0);
}

// The child: keeps only the socket and the pipe's read end, waits for the
// caller to close the write end, returns (the exit drops the socket).
static int hold_until_closed(void *p) {
    const struct release_arg *a = p;
    close_except(a->fd, a->rd);
    char c;
    while (raw3(SYS_read, a->rd, (long)&c, 1) == -EINTR) {}
    return 0;
}

void nft_release_fd(int fd) {
    int p[2];
    if (fd < 0) return;
    if (pipe2(p, O_CLOEXEC) < 0) { close(fd); return; }
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);  // the child takes no signal handler (SIGKILL still ends it)
    pthread_mutex_lock(&pending_lock);
    reap();
    long pid = -1;
    void *stack = NULL;
#if HIVE_RELEASE_SHARED_VM
    stack = mmap(NULL, STACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (stack == MAP_FAILED) stack = NULL;
    if (stack) {
        // its argument at the bottom of its own stack: the caller's frame is gone when the child reads it
        struct release_arg *a = stack;
        a->fd = fd;
        a->rd = p[0];
        // no exit signal: the caller's SIGCHLD handler and waitpid(-1) never see this child
        pid = clone(hold_until_closed, (char *)stack + STACK_SIZE, CLONE_VM, a);
        if (pid < 0) { munmap(stack, STACK_SIZE); stack = NULL; }
    }
#else
    // fork()'s semantics without its atfork handlers, and with no exit signal
    pid = syscall(SYS_clone, 0UL, NULL, NULL, NULL, 0UL);
    if (pid == 0) {
        struct release_arg a = {fd, p[0]};
        _exit(hold_until_closed(&a));
    }
#endif
    if (pid > 0) remember((pid_t)pid, stack);
    pthread_mutex_unlock(&pending_lock);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    close(fd);  // not the last reference when the child holds one: no wait
    close(p[1]);
    close(p[0]);
}
