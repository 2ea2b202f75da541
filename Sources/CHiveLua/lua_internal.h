// Shared by lua.c (states, budgets, calls), sandbox.c (environments and the API) and codec.c (the value encoding).
#ifndef HIVE_LUA_INTERNAL_H
#define HIVE_LUA_INTERNAL_H
#include "hive_lua.h"
#include <lua5.4/lua.h>
#include <lua5.4/lauxlib.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>

#define MAX_DEPTH 32
#define MAX_HANDLERS 1024

typedef struct { char *data; size_t len, cap; } buf;

// Appends bytes (raises on overflow past 64 MiB or out of memory).
void buf_put(lua_State *L, buf *b, const char *p, size_t n);
// Encodes the value at idx (raises on functions, userdata, cycles).
void encode(lua_State *L, buf *b, int idx, int depth);
// Pushes the value encoded in s (raises on malformed input).
void push_decoded(lua_State *L, const char *s, size_t n);
// An order-independent digest of the value at idx; sets *deep past MAX_DEPTH (or a cycle).
uint64_t fingerprint(lua_State *L, int idx, int depth, int *deep);
// The state behind a hive_lua handle (lua.c), shared with the sandbox (sandbox.c).
typedef struct {
    long long priority;
    char *when;
    size_t whenlen;
    int ref;
    int file;
    int event_index;  // position in the host's list of events
} handler;

struct key_fp { char *key; size_t len; uint64_t fp; int seen; };

struct hive_lua {
    lua_State *L;
    hive_lua_limits limits;
    size_t mem_used;
    long long instr;
    long long deadline;     // CLOCK_MONOTONIC ns
    int killed;             // 1: instructions, 2: deadline
    int loading;
    int load_volatile;      // the loading file read the clock, the store or a module: its registration may vary
    int file;               // the file loading or running now
    long long ctx_generation;  // which context registry["hive.ctx"] holds
    int unchanged;          // the last call left the context as it found it
    int delta;              // the last result holds only the top-level fields that changed
    struct key_fp *keys;    // each top-level field's digest as the last handler left it (pre-* events)
    int nkeys, capkeys, keys_valid;
    char *denied;
    char *message;
    char *events;
    hive_lua_host host;
    void *hostctx;
    buf out;
    buf compiled;           // the last mode-1 load's chunk, dumped
    handler *handlers;      // grown as files register (a fixed array of MAX_HANDLERS was 72 KiB to zero per state)
    int nhandlers, caphandlers;
    char **names;           // each file's chunk name, by its number (for the watchdog's last word)
    int nnames;
    // the watchdog (lua.c): a timer signal at the deadline makes the count
    // hook fire at the next instruction; past deadline + margin, inside C
    // that no hook reaches, hive stops (STYLE.md 14)
    volatile sig_atomic_t active;   // a call or load runs its Lua now
    volatile sig_atomic_t in_host;  // ... and is inside a host call (Swift: bounded by its own timeouts)
    volatile long long seq, poked;  // which run this is; the last one poked
    volatile long long timer_at;    // when the timer fires next (0: not armed)
    int event_index;                // of the running handler (-1: loading a file)
    int has_timer;
    timer_t timer;
    pthread_t timer_thread;         // the thread the timer signals
};

static inline hive_lua *self(lua_State *L) { return *(hive_lua **)lua_getextraspace(L); }

static inline long long now_ns(int clock) {
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

// Adds n steps of work done in C (pattern matching, parsing) to the running
// call's instruction count; raises, as the count hook does, once a budget is
// spent (the clock is read every call: charge in batches of ~1000 steps).
void hive_charge(lua_State *L, long long n);
// budget.c: starts a call's (or load's) budgets and the deadline timer; ends them; frees the timer.
void hive_budget_arm(hive_lua *h, int event_index);
void hive_budget_disarm(hive_lua *h);
void hive_budget_free(hive_lua *h);

// Marks the running call as inside a host call (the watchdog waits for it).
void hive_set_in_host(lua_State *L, int on);

// Replaces find, match, gmatch and gsub in the string table at idx with
// matchers that charge their steps (pattern.c).
void hive_patterns_install(lua_State *L, int idx);

typedef struct { int allow_exec; const char *config; size_t configlen; } env_args;

// Opens the libraries and builds the shared base, views and API (a lua_CFunction, run protected).
int hive_sandbox_setup(lua_State *L);
// ---- the hive API (api.c) ----
int hive_host_call(lua_State *L, const char *op, int argidx);
int hive_api_log_at(lua_State *L, const char *level);
int hive_api_exec(lua_State *L);
extern const luaL_Reg hive_api_log_funcs[];
extern const luaL_Reg hive_api_funcs[];
// Leaves a new file environment on the stack.
void hive_sandbox_push_env(lua_State *L, const env_args *a);
#endif
