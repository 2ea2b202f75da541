// Closing an nfnetlink socket without waiting for the kernel (see
// include/hive_nft.h, hive_nft_close). Releasing a bound nfnetlink socket
// runs nf_tables' NETLINK_URELEASE handler, which first flushes the pending
// destroy work of every earlier commit that deleted something (set elements,
// rules, tables): nf_tables_trans_destroy_flush_work -> synchronize_rcu, 8-20
// ms here — even in exit(), whoever did the delete. The last reference to the
// socket is handed to a child process that holds nothing else, waits until
// the caller has dropped its own, and exits: the wait is the child's. The
// child makes system calls only (no allocation, no lock, no Swift: DESIGN.md).
#include "hive_nft.h"
#include "nft_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef __WALL
#define __WALL 0x40000000
#endif

// Children not yet reaped: a clone child with no exit signal is reaped only
// by a wait with __WALL (never by a caller's waitpid(-1)), or by whoever
// adopts it when this process exits; a long-lived caller reaps them here.
static pid_t pending[16];
static pthread_mutex_t pending_lock = PTHREAD_MUTEX_INITIALIZER;

static void reap(void) {
    for (int i = 0; i < 16; i++)
        if (pending[i] > 0 && waitpid(pending[i], NULL, WNOHANG | __WALL) != 0) pending[i] = 0;
}

static void remember(pid_t pid) {
    for (int i = 0; i < 16; i++)
        if (pending[i] <= 0) { pending[i] = pid; return; }
    // full (16 children still waiting for the kernel): this one is adopted at exit
}

static void close_except(int a, int b) {
    int lo = a < b ? a : b, hi = a < b ? b : a;
    if (lo > 0) syscall(SYS_close_range, 0U, (unsigned)lo - 1, 0U);
    if (hi > lo + 1) syscall(SYS_close_range, (unsigned)lo + 1, (unsigned)hi - 1, 0U);
    syscall(SYS_close_range, (unsigned)hi + 1, ~0U, 0U);
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
    // fork()'s semantics without its atfork handlers, and with no exit signal:
    // the caller's SIGCHLD handler and waitpid(-1) never see this child.
    long pid = syscall(SYS_clone, 0UL, NULL, NULL, NULL, 0UL);
    if (pid == 0) {
        close_except(fd, p[0]);  // the write end too: the read below ends when the caller closes its own
        char c;
        while (read(p[0], &c, 1) < 0 && errno == EINTR) {}
        _exit(0);  // the socket's last reference goes here
    }
    if (pid > 0) remember((pid_t)pid);
    pthread_mutex_unlock(&pending_lock);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    close(fd);  // not the last reference when the child holds one: no wait
    close(p[1]);
    close(p[0]);
}
