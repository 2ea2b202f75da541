// The `hive` API a hook file sees (hive.on, deny, log, now, images,
// containers, image, container, exec) and the calls back to the host (the
// Swift side). The sandbox (sandbox.c) puts it in every file's environment.
#include "hive_lua.h"
#include "lua_internal.h"
#include <lua5.4/lua.h>
#include <lua5.4/lualib.h>
#include <lua5.4/lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

// ---- calling the host (the Swift side) ----

int hive_host_call(lua_State *L, const char *op, int argidx) {
    hive_lua *h = self(L);
    if (h->loading && strcmp(op, "log") != 0) h->load_volatile = 1;  // what it registers may depend on the answer
    buf arg = {0};
    if (argidx) encode(L, &arg, argidx, 0);
    else buf_put(L, &arg, "-", 1);
    char *out = NULL;
    size_t outlen = 0;
    // the watchdog leaves a host call alone: the host bounds its own work
    // (hive.exec by the call's deadline) and the budgets apply when it returns
    h->in_host = 1;
    int rc = h->host ? h->host(h->hostctx, h->file, op, arg.data, arg.len, &out, &outlen) : 1;
    h->in_host = 0;
    free(arg.data);
    if (rc != 0) {
        lua_pushlstring(L, out ? out : "the host refused", out ? outlen : 17);
        free(out);
        return lua_error(L);
    }
    // copied into Lua first, so a decode error cannot leak the buffer
    lua_pushlstring(L, out ? out : "-", out ? outlen : 1);
    free(out);
    size_t n;
    const char *s = lua_tolstring(L, -1, &n);
    push_decoded(L, s, n);
    lua_remove(L, -2);
    return 1;
}

// ---- the hive API ----

static int api_on(lua_State *L) {
    hive_lua *h = self(L);
    const char *event = luaL_checkstring(L, 1);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    if (!h->loading) return luaL_error(L, "hive.on may only be called while the script loads");
    // the event must be one hive fires
    size_t el = strlen(event);
    const char *e = h->events;
    int known = 0, index = 0;
    while (e && *e) {
        const char *comma = strchr(e, ',');
        size_t n = comma ? (size_t)(comma - e) : strlen(e);
        if (n == el && strncmp(e, event, n) == 0) { known = 1; break; }
        e = comma ? comma + 1 : NULL;
        index++;
    }
    if (!known) return luaL_error(L, "unknown event \"%s\" (the events: %s)", event, h->events);
    if (h->nhandlers >= MAX_HANDLERS) return luaL_error(L, "too many hive.on registrations (at most %d)", MAX_HANDLERS);
    if (h->nhandlers == h->caphandlers) {
        int cap = h->caphandlers ? h->caphandlers * 2 : 16;
        handler *grown = realloc(h->handlers, (size_t)cap * sizeof *grown);
        if (!grown) return luaL_error(L, "not enough memory");
        h->handlers = grown;
        h->caphandlers = cap;
    }
    long long priority = 0;
    buf when = {0};
    if (!lua_isnoneornil(L, 3)) {
        luaL_checktype(L, 3, LUA_TTABLE);
        lua_getfield(L, 3, "priority");
        if (!lua_isnil(L, -1)) {
            if (!lua_isinteger(L, -1)) return luaL_error(L, "priority must be an integer");
            priority = (long long)lua_tointeger(L, -1);
        }
        lua_pop(L, 1);
        lua_getfield(L, 3, "when");
        if (!lua_isnil(L, -1)) {
            luaL_checktype(L, -1, LUA_TTABLE);
            encode(L, &when, -1, 0);
        }
        lua_pop(L, 1);
    }
    handler *hd = &h->handlers[h->nhandlers];
    hd->priority = priority;
    hd->file = h->file;
    hd->event_index = index;
    hd->when = when.data;
    hd->whenlen = when.len;
    lua_pushvalue(L, 2);
    hd->ref = luaL_ref(L, LUA_REGISTRYINDEX);
    h->nhandlers++;
    return 0;
}

static int api_deny(lua_State *L) {
    hive_lua *h = self(L);
    const char *reason = luaL_optstring(L, 1, "denied by a hook");
    if (!h->denied) h->denied = strdup(reason);
    return luaL_error(L, "denied: %s", reason);
}

int hive_api_log_at(lua_State *L, const char *level) {
    int n = lua_gettop(L);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (int i = 1; i <= n; i++) {
        if (i > 1) luaL_addchar(&b, ' ');
        luaL_tolstring(L, i, NULL);
        luaL_addvalue(&b);
    }
    luaL_pushresult(&b);
    lua_newtable(L);
    lua_pushstring(L, level);
    lua_rawseti(L, -2, 1);
    lua_pushvalue(L, -2);
    lua_rawseti(L, -2, 2);
    hive_host_call(L, "log", lua_gettop(L));
    return 0;
}
static int api_debug(lua_State *L) { return hive_api_log_at(L, "debug"); }
static int api_info(lua_State *L) { return hive_api_log_at(L, "info"); }
static int api_warn(lua_State *L) { return hive_api_log_at(L, "warn"); }
static int api_error(lua_State *L) { return hive_api_log_at(L, "error"); }

static int api_now(lua_State *L) {
    if (self(L)->loading) self(L)->load_volatile = 1;
    lua_pushnumber(L, (lua_Number)now_ns(CLOCK_REALTIME) / 1e9);
    return 1;
}

static int api_images(lua_State *L) { return hive_host_call(L, "images", 0); }
static int api_containers(lua_State *L) { return hive_host_call(L, "containers", 0); }
static int api_image(lua_State *L) { luaL_checkstring(L, 1); return hive_host_call(L, "image", 1); }
static int api_container(lua_State *L) { luaL_checkstring(L, 1); return hive_host_call(L, "container", 1); }
int hive_api_exec(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    return hive_host_call(L, "exec", 1);
}

const luaL_Reg hive_api_log_funcs[] = {{"debug", api_debug}, {"info", api_info}, {"warn", api_warn}, {"error", api_error}, {NULL, NULL}};
const luaL_Reg hive_api_funcs[] = {
    {"on", api_on}, {"deny", api_deny}, {"now", api_now}, {"images", api_images},
    {"containers", api_containers}, {"image", api_image}, {"container", api_container}, {NULL, NULL}};
