// The Lua side of hive's hook engine (DESIGN.md "Hooks"; STYLE.md 7, 14).
// Every Lua API call happens here, inside a protected call: a Lua error or an
// out-of-memory longjmp never crosses a Swift frame. Values cross the
// boundary in a small tagged encoding (see lua.c, "value encoding").
#ifndef HIVE_LUA_H
#define HIVE_LUA_H
#include <stddef.h>

typedef struct hive_lua hive_lua;

// The host (Swift) answers queries from the script: op is "log", "images",
// "containers", "image", "container", "exec" or "require"; arg is an encoded
// value. The host returns 0 and an encoded result, or 1 and a message, in a
// malloc'd buffer that the caller frees.
typedef int (*hive_lua_host)(void *host, const char *op, const char *arg, size_t arglen, char **out, size_t *outlen);

typedef struct {
    long long instructions;   // per call (and for loading)
    long long deadline_ns;    // wall clock per call
    size_t memory;            // bytes for the whole state
} hive_lua_limits;

enum { HIVE_LUA_OK = 0, HIVE_LUA_DENIED = 1, HIVE_LUA_ERROR = 2, HIVE_LUA_KILLED = 3 };

// A sandboxed state for one script; NULL if even the base libraries do not fit.
hive_lua *hive_lua_new(hive_lua_limits limits, hive_lua_host host, void *hostctx, int allow_exec, const char *events);
void hive_lua_free(hive_lua *h);

// Runs the script's top level (where it calls hive.on). config: the encoded
// hive.config table. Returns a HIVE_LUA_* status; hive_lua_message() says why.
int hive_lua_load(hive_lua *h, const char *src, size_t len, const char *chunkname, const char *config, size_t configlen);

int hive_lua_handler_count(hive_lua *h);
// The i-th registration: its event, priority and encoded `when` table (may be "-").
const char *hive_lua_handler(hive_lua *h, int i, long long *priority, const char **when, size_t *whenlen);

// Calls handler i with the encoded context; on HIVE_LUA_OK and with
// want_result, hive_lua_result() holds the context as the handler left it.
int hive_lua_call(hive_lua *h, int i, const char *ctx, size_t len, int want_result);
const char *hive_lua_result(hive_lua *h, size_t *len);
const char *hive_lua_message(hive_lua *h);
size_t hive_lua_memory(hive_lua *h);
const char *hive_lua_release(void);
#endif
