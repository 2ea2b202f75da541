// The Lua side of hive's hook engine (DESIGN.md "Hooks"; STYLE.md 7, 14).
// Every Lua API call happens here, inside a protected call: a Lua error or an
// out-of-memory longjmp never crosses a Swift frame. Values cross the
// boundary in a small tagged encoding (see lua.c, "value encoding").
#ifndef HIVE_LUA_H
#define HIVE_LUA_H
#include <stddef.h>

typedef struct hive_lua hive_lua;

// The host (Swift) answers queries from the script running as `file` (the
// number given to hive_lua_load_mode): op is "log", "images",
// "containers", "image", "container", "exec" or "require"; arg is an encoded
// value. The host returns 0 and an encoded result, or 1 and a message, in a
// malloc'd buffer that the caller frees.
typedef int (*hive_lua_host)(void *host, int file, const char *op, const char *arg, size_t arglen, char **out, size_t *outlen);

typedef struct {
    long long instructions;   // per call (and for loading)
    long long deadline_ns;    // wall clock per call
    size_t memory;            // bytes for the whole state
} hive_lua_limits;

enum { HIVE_LUA_OK = 0, HIVE_LUA_DENIED = 1, HIVE_LUA_ERROR = 2, HIVE_LUA_KILLED = 3,
       HIVE_LUA_BADCHUNK = 4 /* a mode-2 load whose compiled chunk does not load */ };

// The state for all hook files of a process; NULL if the libraries do not fit.
// events: the comma-separated names hive.on accepts.
hive_lua *hive_lua_new(hive_lua_limits limits, hive_lua_host host, void *hostctx, const char *events);
void hive_lua_free(hive_lua *h);

// Runs a hook file's top level (where it calls hive.on) in a new environment
// of its own. file: the host's number for it; config: the encoded hive.config
// table; allow_exec: whether it gets hive.exec. Returns a HIVE_LUA_* status;
// hive_lua_message() says why. mode: 0 text (Lua source), 1 text and keep
// its compiled form for hive_lua_compiled(), 2 a compiled chunk that
// hive_lua_compiled() produced from checked text (hive's own cache; never a
// file from a hook directory).
int hive_lua_load_mode(hive_lua *h, int file, const char *src, size_t len, const char *chunkname, const char *config, size_t configlen, int allow_exec, int mode);
// After a mode-1 load: the compiled chunk (valid until the next load).
const char *hive_lua_compiled(hive_lua *h, size_t *len);

int hive_lua_handler_count(hive_lua *h);
// After a load: 1 if the file read the clock, a random number, the store
// (hive.images...) or a module while it loaded, so what it registered may
// differ next time (the cache then loads it for every event).
int hive_lua_load_volatile(hive_lua *h);
// The i-th registration: its event (index in hive_lua_new's list),
// priority, encoded `when` table (may be "-") and file; 0 past the end.
int hive_lua_handler(hive_lua *h, int i, long long *priority, const char **when, size_t *whenlen, int *file, int *event_index);

// Calls handler i with the encoded context; on HIVE_LUA_OK and with
// want_result, hive_lua_result() holds what the handler changed (see below).
// Calls with the same non-zero generation share one decoded table, each
// handler getting it as the previous one left it (the host bumps the
// generation per event).
int hive_lua_call(hive_lua *h, int i, const char *ctx, size_t len, int want_result, long long generation);
const char *hive_lua_result(hive_lua *h, size_t *len);
// After a call with want_result: 1 if the handler left the context as it
// found it (then hive_lua_result() is empty), by an order-independent 64-bit
// digest of each field.
int hive_lua_unchanged(hive_lua *h);
// After a changing call: 1 if hive_lua_result() holds only the top-level
// fields whose value changed (a removed one as nil), 0 if the whole context.
int hive_lua_result_is_delta(hive_lua *h);
// Keeps the encoded table `enc` under `key`: a context encoded as
// `@s<n>:<key>{k v ...}` is then a fresh copy of it with those pairs set
// (the parts of a container's context that stay the same across its events
// are encoded and decoded once per command).
int hive_lua_set_base(hive_lua *h, const char *key, size_t keylen, const char *enc, size_t len);
// After the handlers of an event (or a round of loads): stops the watchdog's
// timer, so no signal reaches the rest of the command.
void hive_lua_rest(hive_lua *h);
// Nanoseconds left before the running call's deadline (a host call's bound);
// outside a call, the whole per-call deadline.
long long hive_lua_time_left(hive_lua *h);
// Bumped when what loading a hook file registers may change with the engine
// (the sandbox, the API): part of the hook cache bundle's key.
#define HIVE_LUA_ENGINE "hooks-engine-2"
const char *hive_lua_message(hive_lua *h);
size_t hive_lua_memory(hive_lua *h);  // bytes in use, for all files
const char *hive_lua_release(void);
#endif
