// The budgets of a hook call (STYLE.md 14): instructions, a wall-clock
// deadline, and what the count hook cannot reach.
//
// A count hook adds up instructions and checks a wall-clock deadline
// every HOOK_STEP instructions. Once a budget is spent the hook fires on every
// instruction and raises each time, so a pcall in the script cannot swallow
// it: the error comes straight back to the next instruction after the pcall.
// The allocator enforces the memory cap (a refused allocation is LUA_ERRMEM).
//
// What the count hook does not reach is bounded apart: finalizers cannot be
// set (sandbox.c refuses a metatable with __gc), pattern matching counts its
// own steps (pattern.c), and a watchdog covers the rest. A timer signal at
// the deadline makes the count hook fire at the very next instruction (as
// Lua's own interpreter does for Ctrl-C: lua_sethook is async-signal-safe), so an instruction
// that takes milliseconds (a huge concatenation, a full collection) cannot
// stretch a thousand of them past the deadline. If the call is still inside
// one C function at deadline + WATCH_MARGIN_NS (no unwinding is possible from
// there: longjmp out of a signal handler would cross whatever the C function
// holds), hive prints why and exits 125: the operation is refused, and
// nothing is half-written (the engine writes state by atomic renames and
// SQLite transactions; the thread is inside Lua, not inside a write).
#define _GNU_SOURCE
#include "hive_lua.h"
#include "lua_internal.h"
#include <lua5.4/lua.h>
#include <lua5.4/lauxlib.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define HOOK_STEP 1000
#define WATCH_MARGIN_NS 250000000LL     // past the deadline: what one C function may take before hive stops
#define WATCH_HOST_RETRY_NS 10000000LL  // a host call runs: look again this much later

// ---- budget ----

static void count_hook(lua_State *L, lua_Debug *ar);

// Raises the error of a spent budget (h->killed set); from now on the hook
// fires at every instruction, so a pcall cannot swallow it.
static int raise_killed(lua_State *L, hive_lua *h) {
    lua_sethook(L, count_hook, LUA_MASKCOUNT, 1);
    if (h->killed == 1) return luaL_error(L, "exceeded its time budget (%I instructions)", (lua_Integer)h->limits.instructions);
    return luaL_error(L, "exceeded its time budget (deadline of %d ms)", (int)(h->limits.deadline_ns / 1000000));
}

static void count_hook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    hive_lua *h = self(L);
    if (!h->killed) {
        // a count of 1 without a spent budget: the watchdog's poke (the deadline passed)
        int poked = lua_gethookcount(L) == 1;
        h->instr += poked ? 1 : HOOK_STEP;
        if (h->instr > h->limits.instructions) h->killed = 1;
        else if (now_ns(CLOCK_MONOTONIC) > h->deadline) h->killed = 2;
        else if (poked) lua_sethook(L, count_hook, LUA_MASKCOUNT, HOOK_STEP);
    }
    if (h->killed) raise_killed(L, h);
}

void hive_charge(lua_State *L, long long n) {
    hive_lua *h = self(L);
    h->instr += n;
    if (!h->killed) {
        if (h->instr > h->limits.instructions) h->killed = 1;
        else if (now_ns(CLOCK_MONOTONIC) > h->deadline) h->killed = 2;
    }
    if (h->killed) raise_killed(L, h);
}

// ---- the watchdog ----

// The state whose Lua runs on this thread now (what the timer signal looks at).
static __thread hive_lua *running;
static int watch_signal;

static void put(char *b, size_t *n, size_t cap, const char *s, size_t len) {
    for (size_t i = 0; i < len && *n < cap; i++) b[(*n)++] = s[i];
}

// The last word, from the signal handler: async-signal-safe calls only.
static void hard_stop(hive_lua *h) {
    char b[1024], num[24];
    size_t n = 0;
    const char *name = h->file >= 0 && h->file < h->nnames && h->names[h->file] ? h->names[h->file] : "?";
    if (*name == '@') name++;
    put(b, &n, sizeof b, "hive: hook ", 11);
    put(b, &n, sizeof b, name, strlen(name));
    put(b, &n, sizeof b, " (", 2);
    const char *e = h->events;
    size_t elen = 4;
    int pre = 0;
    if (h->event_index < 0) {
        e = "load";
    } else {
        for (int i = 0; i < h->event_index && e && *e; i++) e = strchr(e, ',') ? strchr(e, ',') + 1 : NULL;
        if (!e) e = "?";
        elen = strchr(e, ',') ? (size_t)(strchr(e, ',') - e) : strlen(e);
        pre = strncmp(e, "pre-", 4) == 0;
    }
    if (h->event_index < 0) pre = 1;  // a file that does not load denies what it would have seen
    put(b, &n, sizeof b, e, elen);
    put(b, &n, sizeof b, "): exceeded its time budget (deadline of ", 41);
    long long ms = h->limits.deadline_ns / 1000000;
    size_t k = sizeof num;
    do { num[--k] = (char)('0' + ms % 10); ms /= 10; } while (ms > 0 && k > 0);
    put(b, &n, sizeof b, num + k, sizeof num - k);
    const char *tail = pre ? " ms) inside a call hive cannot interrupt; hive stops here and the operation is refused\n"
                           : " ms) inside a call hive cannot interrupt; hive stops here, before the command finished\n";
    put(b, &n, sizeof b, tail, strlen(tail));
    ssize_t w = write(2, b, n);
    (void)w;
    _exit(125);
}

static void set_timer(hive_lua *h, long long at) {
    struct itimerspec its = {{0, 0}, {(time_t)(at / 1000000000LL), (long)(at % 1000000000LL)}};
    h->timer_at = at;
    timer_settime(h->timer, TIMER_ABSTIME, &its, NULL);
}

static void on_watch_signal(int sig, siginfo_t *si, void *uc) {
    (void)sig;
    (void)uc;
    int saved = errno;
    hive_lua *h = running;
    // only the running state's own timer (another state's pointer is never followed)
    if (h && si->si_value.sival_ptr == h && h->active) {
        long long now = now_ns(CLOCK_MONOTONIC);
        if (now < h->deadline) {
            set_timer(h, h->deadline);
        } else if (h->in_host) {
            set_timer(h, now + WATCH_HOST_RETRY_NS);
        } else if (h->poked != h->seq) {
            h->poked = h->seq;
            lua_sethook(h->L, count_hook, LUA_MASKCOUNT, 1);
            set_timer(h, h->deadline + WATCH_MARGIN_NS);
        } else if (now < h->deadline + WATCH_MARGIN_NS) {
            set_timer(h, h->deadline + WATCH_MARGIN_NS);
        } else {
            hard_stop(h);
        }
    }
    errno = saved;
}

// The watchdog's signal handler, once per process (a real-time signal nothing
// else in hive uses; the launcher resets every signal before a container's exec).
static void install_watch_signal(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_watch_signal;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    int sig = SIGRTMIN + 3;
    if (sig <= SIGRTMAX && sigaction(sig, &sa, NULL) == 0) watch_signal = sig;
}

// A timer that signals this thread, made on the state's first call on it.
static int make_timer(hive_lua *h) {
    if (h->has_timer) {
        if (pthread_equal(h->timer_thread, pthread_self())) return 1;
        timer_delete(h->timer);
        h->has_timer = 0;
    }
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, install_watch_signal);
    if (!watch_signal) return 0;
    struct sigevent ev;
    memset(&ev, 0, sizeof ev);
    ev.sigev_notify = SIGEV_THREAD_ID;
    ev.sigev_signo = watch_signal;
    ev.sigev_value.sival_ptr = h;
#ifdef sigev_notify_thread_id
    ev.sigev_notify_thread_id = (pid_t)syscall(SYS_gettid);
#else
    ev._sigev_un._tid = (pid_t)syscall(SYS_gettid);
#endif
    if (timer_create(CLOCK_MONOTONIC, &ev, &h->timer) != 0) return 0;
    // a thread may block signals (Swift's worker threads block most): not this one
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, watch_signal);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    h->has_timer = 1;
    h->timer_thread = pthread_self();
    h->timer_at = 0;
    return 1;
}

// Starts the budgets of a call or load. The timer is set only when it is not
// already due between now and this deadline (most calls of a command cost no
// system call: the first one's timer covers them, and when it fires it moves
// itself to the running call's deadline).
void hive_budget_arm(hive_lua *h, int event_index) {
    h->instr = 0;
    h->killed = 0;
    long long now = now_ns(CLOCK_MONOTONIC);
    h->deadline = now + h->limits.deadline_ns;
    h->event_index = event_index;
    lua_sethook(h->L, count_hook, LUA_MASKCOUNT, HOOK_STEP);
    h->seq++;
    running = h;
    atomic_signal_fence(memory_order_seq_cst);
    h->active = 1;
    if (make_timer(h)) {
        long long at = h->timer_at;
        if (!(at > now && at <= h->deadline)) set_timer(h, h->deadline);
    }
}

// Ends what arm started (the timer stays: hive_lua_rest stops it).
void hive_budget_disarm(hive_lua *h) {
    h->active = 0;
    atomic_signal_fence(memory_order_seq_cst);
    if (running == h) running = NULL;
}

void hive_budget_free(hive_lua *h) {
    if (h->has_timer) timer_delete(h->timer);
    if (running == h) running = NULL;
}

void hive_lua_rest(hive_lua *h) {
    if (h->has_timer && h->timer_at) {
        struct itimerspec off;
        memset(&off, 0, sizeof off);
        timer_settime(h->timer, 0, &off, NULL);
        h->timer_at = 0;
    }
}

long long hive_lua_time_left(hive_lua *h) {
    return h->active ? h->deadline - now_ns(CLOCK_MONOTONIC) : h->limits.deadline_ns;
}

void hive_set_in_host(lua_State *L, int on) {
    self(L)->in_host = on;
}
