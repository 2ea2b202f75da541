// The Lua state behind hive's hooks: one per hive process, each hook file in
// an environment of its own (sandbox.c builds them: an allow-list of base
// functions, read-only views of table/string/math/utf8/os, a locked string
// metatable, the read-only `hive` API; STYLE.md 14). This file creates and
// frees the state, loads files and calls handlers inside protected calls.
//
// Budgets (the count hook, the deadline timer, the last resort) are in budget.c.
#define _GNU_SOURCE
#include "hive_lua.h"
#include "lua_internal.h"
#include <lua5.4/lua.h>
#include <lua5.4/lualib.h>
#include <lua5.4/lauxlib.h>
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>


static void set_message(hive_lua *h, const char *m) {
    free(h->message);
    h->message = strdup(m ? m : "unknown error");
}

// ---- allocator with a cap ----

static void *capped_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    hive_lua *h = ud;
    size_t old = ptr ? osize : 0;  // with ptr NULL, osize is a type tag
    if (nsize == 0) {
        free(ptr);
        h->mem_used -= old;
        return NULL;
    }
    if (nsize > old && h->mem_used + (nsize - old) > h->limits.memory) return NULL;
    void *p = realloc(ptr, nsize);
    if (!p) return NULL;
    h->mem_used = h->mem_used - old + nsize;
    return p;
}

hive_lua *hive_lua_new(hive_lua_limits limits, hive_lua_host host, void *hostctx, const char *events) {
    hive_lua *h = calloc(1, sizeof *h);
    if (!h) return NULL;
    h->limits = limits;
    h->host = host;
    h->hostctx = hostctx;
    h->file = -1;
    h->event_index = -1;
    h->events = strdup(events ? events : "");
    h->L = lua_newstate(capped_alloc, h);
    if (!h->L) {
        hive_lua_free(h);
        return NULL;
    }
    *(hive_lua **)lua_getextraspace(h->L) = h;
    // No collection steps: a hive process lives milliseconds, and the
    // incremental collector's steps were a tenth of loading the hook files.
    // Memory is still bounded: an allocation past the cap makes Lua run an
    // emergency full collection before it fails (lmem.c tryagain), and
    // collectgarbage("collect") still collects.
    lua_gc(h->L, LUA_GCSTOP);
    lua_pushcfunction(h->L, hive_sandbox_setup);
    if (lua_pcall(h->L, 0, 0, 0) != LUA_OK) {
        hive_lua_free(h);
        return NULL;
    }
    return h;
}

static void forget_keys(hive_lua *h);

void hive_lua_free(hive_lua *h) {
    if (!h) return;
    hive_budget_free(h);
    // no finalizer can run here: sandbox.c refuses __gc, so closing is bounded by the memory cap
    if (h->L) lua_close(h->L);
    for (int i = 0; i < h->nnames; i++) free(h->names[i]);
    free(h->names);
    for (int i = 0; i < h->nhandlers; i++) free(h->handlers[i].when);
    free(h->handlers);
    forget_keys(h);
    free(h->keys);
    free(h->denied);
    free(h->message);
    free(h->events);
    free(h->out.data);
    free(h->compiled.data);
    free(h);
}

// Turns a finished protected call into a status and message.
static int finish(hive_lua *h, int status) {
    lua_State *L = h->L;
    hive_budget_disarm(h);
    lua_sethook(L, NULL, 0, 0);
    int result = HIVE_LUA_OK;
    if (h->killed) {
        result = HIVE_LUA_KILLED;
        char m[128];
        if (h->killed == 1) snprintf(m, sizeof m, "exceeded its time budget (%lld instructions)", h->limits.instructions);
        else snprintf(m, sizeof m, "exceeded its time budget (deadline of %lld ms)", h->limits.deadline_ns / 1000000);
        set_message(h, m);
    } else if (h->denied) {
        result = HIVE_LUA_DENIED;
        set_message(h, h->denied);
    } else if (status == LUA_ERRMEM) {
        result = HIVE_LUA_ERROR;
        char m[128];
        snprintf(m, sizeof m, "memory limit of %zu bytes exceeded", h->limits.memory);
        set_message(h, m);
    } else if (status != LUA_OK) {
        result = HIVE_LUA_ERROR;
        const char *m = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "error object is not a string";
        set_message(h, m);
    }
    free(h->denied);
    h->denied = NULL;
    h->killed = 0;
    lua_settop(L, 0);
    return result;
}

typedef struct { const char *src, *name; size_t len; env_args env; int mode; } load_args;

static int dump_writer(lua_State *L, const void *p, size_t n, void *ud) {
    buf_put(L, ud, p, n);
    return 0;
}

static int load_main(lua_State *L) {
    load_args *a = lua_touserdata(L, 1);
    hive_lua *h = self(L);
    if (luaL_loadbufferx(L, a->src, a->len, a->name, a->mode == 2 ? "b" : "t") != LUA_OK) {
        if (a->mode == 2) a->mode = -1;  // the compiled chunk itself is bad: reported apart
        return lua_error(L);
    }
    if (a->mode == 1) {
        h->compiled.len = 0;
        lua_dump(L, dump_writer, &h->compiled, 0);
    }
    hive_sandbox_push_env(L, &a->env);
    lua_setupvalue(L, -2, 1);  // _ENV
    h->loading = 1;
    h->load_volatile = 0;
    hive_budget_arm(h, -1);
    lua_call(L, 0, 0);
    return 0;
}

const char *hive_lua_compiled(hive_lua *h, size_t *len) {
    *len = h->compiled.len;
    return h->compiled.data ? h->compiled.data : "";
}

int hive_lua_load_mode(hive_lua *h, int file, const char *src, size_t len, const char *chunkname, const char *config, size_t configlen, int allow_exec, int mode) {
    load_args a = {src, chunkname, len, {allow_exec, config ? config : "-", config ? configlen : 1}, mode};
    if (file >= 0 && file >= h->nnames) {
        char **grown = realloc(h->names, (size_t)(file + 8) * sizeof *grown);
        if (grown) {
            for (int i = h->nnames; i < file + 8; i++) grown[i] = NULL;
            h->names = grown;
            h->nnames = file + 8;
        }
    }
    if (file >= 0 && file < h->nnames && !h->names[file]) h->names[file] = strdup(chunkname ? chunkname : "?");
    h->file = file;
    lua_pushcfunction(h->L, load_main);
    lua_pushlightuserdata(h->L, &a);
    int status = lua_pcall(h->L, 1, 0, 0);
    h->loading = 0;
    h->file = -1;
    int result = finish(h, status);
    return a.mode == -1 ? HIVE_LUA_BADCHUNK : result;
}

int hive_lua_handler_count(hive_lua *h) { return h->nhandlers; }
int hive_lua_load_volatile(hive_lua *h) { return h->load_volatile; }

int hive_lua_handler(hive_lua *h, int i, long long *priority, const char **when, size_t *whenlen, int *file, int *event_index) {
    if (i < 0 || i >= h->nhandlers) return 0;
    *priority = h->handlers[i].priority;
    *file = h->handlers[i].file;
    *event_index = h->handlers[i].event_index;
    *when = h->handlers[i].when ? h->handlers[i].when : "-";
    *whenlen = h->handlers[i].when ? h->handlers[i].whenlen : 1;
    return 1;
}

typedef struct { int ref; const char *ctx; size_t len; int want_result; long long generation; int event_index; } call_args;

// ---- which top-level fields a pre-* handler changed ----

static void forget_keys(hive_lua *h) {
    for (int i = 0; i < h->nkeys; i++) free(h->keys[i].key);
    h->nkeys = 0;
    h->keys_valid = 0;
}

static int add_key(hive_lua *h, const char *k, size_t n, uint64_t fp) {
    if (h->nkeys == h->capkeys) {
        int cap = h->capkeys ? h->capkeys * 2 : 32;
        struct key_fp *grown = realloc(h->keys, (size_t)cap * sizeof *grown);
        if (!grown) return 0;
        h->keys = grown;
        h->capkeys = cap;
    }
    char *copy = malloc(n ? n : 1);
    if (!copy) return 0;
    memcpy(copy, k, n);
    h->keys[h->nkeys++] = (struct key_fp){copy, n, fp, 0};
    return 1;
}

// Records the digest of each field of the context at idx (only string keys;
// otherwise changes are reported as the whole context).
static void record_keys(lua_State *L, hive_lua *h, int idx) {
    forget_keys(h);
    idx = lua_absindex(L, idx);
    int ok = 1;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        int deep = 0;
        size_t n;
        const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tolstring(L, -2, &n) : NULL;
        uint64_t fp = fingerprint(L, -1, 1, &deep);
        lua_pop(L, 1);
        if (!k || deep || !add_key(h, k, n, fp)) { ok = 0; lua_pop(L, 1); break; }
    }
    h->keys_valid = ok;
}

// Encodes the fields whose digest changed (and new ones; a removed one as
// nil) into h->out and records the new digests; returns how many changed, or
// -1 if it cannot (a key that is not a string, a table too deep): the caller
// then sends the whole context.
static int encode_delta(lua_State *L, hive_lua *h, int idx) {
    if (!h->keys_valid) return -1;
    idx = lua_absindex(L, idx);
    for (int i = 0; i < h->nkeys; i++) h->keys[i].seen = 0;
    int changed = 0;
    h->out.len = 0;
    buf_put(L, &h->out, "{", 1);
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        int deep = 0;
        if (lua_type(L, -2) != LUA_TSTRING) { lua_pop(L, 2); return -1; }
        size_t n;
        const char *k = lua_tolstring(L, -2, &n);
        uint64_t fp = fingerprint(L, -1, 1, &deep);
        if (deep) { lua_pop(L, 2); return -1; }
        int i = 0;
        while (i < h->nkeys && !(h->keys[i].len == n && memcmp(h->keys[i].key, k, n) == 0)) i++;
        int added = i == h->nkeys;
        if (added && !add_key(h, k, n, fp)) { lua_pop(L, 2); return -1; }
        h->keys[i].seen = 1;
        if (added || h->keys[i].fp != fp) {
            lua_pushvalue(L, -2);
            encode(L, &h->out, -1, 0);  // the key
            lua_pop(L, 1);
            encode(L, &h->out, -1, 0);
            h->keys[i].fp = fp;
            changed++;
        }
        lua_pop(L, 1);
    }
    for (int i = 0; i < h->nkeys; i++) {
        if (h->keys[i].seen) continue;
        lua_pushlstring(L, h->keys[i].key, h->keys[i].len);
        encode(L, &h->out, -1, 0);
        lua_pop(L, 1);
        buf_put(L, &h->out, "-", 1);
        free(h->keys[i].key);
        h->keys[i--] = h->keys[--h->nkeys];
        changed++;
    }
    buf_put(L, &h->out, "}", 1);
    return changed;
}

static int call_main(lua_State *L) {
    call_args *a = lua_touserdata(L, 1);
    hive_lua *h = self(L);
    lua_rawgeti(L, LUA_REGISTRYINDEX, a->ref);
    // the handlers of one event share one decoded context while it is unchanged
    if (a->generation != 0 && a->generation == h->ctx_generation) {
        lua_getfield(L, LUA_REGISTRYINDEX, "hive.ctx");
    } else {
        h->ctx_generation = 0;
        push_decoded(L, a->ctx, a->len);
        lua_pushvalue(L, -1);
        lua_setfield(L, LUA_REGISTRYINDEX, "hive.ctx");
        h->ctx_generation = a->generation;
        if (a->want_result) record_keys(L, h, -1);
    }
    lua_pushvalue(L, -1);
    lua_insert(L, -3);  // ctx, fn, ctx
    hive_budget_arm(h, a->event_index);
    lua_call(L, 1, 0);
    lua_sethook(L, NULL, 0, 0);
    h->out.len = 0;
    h->unchanged = 0;
    h->delta = 0;
    if (a->want_result) {
        // a digest per field tells which ones the handler changed (most
        // change none) without encoding the context; only those go back
        int changed = encode_delta(L, h, -1);
        if (changed == 0) {
            h->unchanged = 1;
        } else if (changed > 0) {
            h->delta = 1;
        } else {
            h->out.len = 0;
            encode(L, &h->out, -1, 0);
            record_keys(L, h, -1);
        }
    }
    return 0;
}

int hive_lua_call(hive_lua *h, int i, const char *ctx, size_t len, int want_result, long long generation) {
    if (i < 0 || i >= h->nhandlers) {
        set_message(h, "no such handler");
        return HIVE_LUA_ERROR;
    }
    call_args a = {h->handlers[i].ref, ctx, len, want_result, generation, h->handlers[i].event_index};
    h->file = h->handlers[i].file;
    lua_pushcfunction(h->L, call_main);
    lua_pushlightuserdata(h->L, &a);
    int status = lua_pcall(h->L, 1, 0, 0);
    h->file = -1;
    return finish(h, status);
}

int hive_lua_unchanged(hive_lua *h) { return h->unchanged; }
int hive_lua_result_is_delta(hive_lua *h) { return h->delta; }

typedef struct { const char *key, *enc; size_t keylen, len; } base_args;

static int set_base_main(lua_State *L) {
    base_args *a = lua_touserdata(L, 1);
    if (lua_getfield(L, LUA_REGISTRYINDEX, "hive.bases") != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushvalue(L, -1);
        lua_setfield(L, LUA_REGISTRYINDEX, "hive.bases");
    }
    lua_pushlstring(L, a->key, a->keylen);
    push_decoded(L, a->enc, a->len);
    if (!lua_istable(L, -1)) return luaL_error(L, "a context base must be a table");
    lua_rawset(L, -3);
    return 0;
}

int hive_lua_set_base(hive_lua *h, const char *key, size_t keylen, const char *enc, size_t len) {
    base_args a = {key, enc, keylen, len};
    lua_pushcfunction(h->L, set_base_main);
    lua_pushlightuserdata(h->L, &a);
    return finish(h, lua_pcall(h->L, 1, 0, 0));
}

const char *hive_lua_result(hive_lua *h, size_t *len) {
    *len = h->out.len;
    return h->out.data ? h->out.data : "";
}

const char *hive_lua_message(hive_lua *h) { return h->message ? h->message : ""; }
size_t hive_lua_memory(hive_lua *h) { return h->mem_used; }
const char *hive_lua_release(void) { return LUA_RELEASE; }
