// The sandbox: what a hook file's environment holds, the read-only views and
// the safe replacements of base functions (the `hive` API itself: api.c). One state, an environment per file (lua.c runs them).
#include "hive_lua.h"
#include "lua_internal.h"
#include <lua5.4/lua.h>
#include <lua5.4/lualib.h>
#include <lua5.4/lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

// ---- sandboxed replacements for base functions ----

static int safe_load(lua_State *L) {
    size_t n;
    const char *chunk = luaL_checklstring(L, 1, &n);  // text only: no reader functions
    hive_charge(L, (long long)(n / 4));  // parsing runs in C, out of the count hook's reach
    const char *name = luaL_optstring(L, 2, "=(load)");
    int status = luaL_loadbufferx(L, chunk, n, name, "t");
    if (status != LUA_OK) {
        luaL_pushfail(L);
        lua_insert(L, -2);
        return 2;
    }
    // the chunk's _ENV: the one given, or this file's environment
    if (!lua_isnone(L, 4)) lua_pushvalue(L, 4); else lua_pushvalue(L, lua_upvalueindex(1));
    if (!lua_setupvalue(L, -2, 1)) lua_pop(L, 1);
    return 1;
}

static int safe_collectgarbage(lua_State *L) {
    const char *opt = luaL_optstring(L, 1, "collect");
    if (strcmp(opt, "count") == 0) {
        int k = lua_gc(L, LUA_GCCOUNT, 0), b = lua_gc(L, LUA_GCCOUNTB, 0);
        lua_pushnumber(L, (lua_Number)k + ((lua_Number)b / 1024));
        return 1;
    }
    if (strcmp(opt, "collect") == 0 || strcmp(opt, "step") == 0) {
        lua_gc(L, LUA_GCCOLLECT, 0);
        lua_pushinteger(L, 0);
        return 1;
    }
    return luaL_error(L, "collectgarbage(\"%s\") is not allowed in hooks", opt);
}

static int safe_rawset(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_getfield(L, LUA_REGISTRYINDEX, "hive.protected");
    lua_pushvalue(L, 1);
    int protected = lua_rawget(L, -2) != LUA_TNIL;
    lua_pop(L, 2);
    if (protected) return luaL_error(L, "the hive table is read-only");
    luaL_checkany(L, 2);
    luaL_checkany(L, 3);
    lua_settop(L, 3);
    lua_rawset(L, 1);
    return 1;
}

static int safe_print(lua_State *L) { return hive_api_log_at(L, "info"); }

// setmetatable without finalizers: Lua runs __gc with hooks off (and at
// lua_close), where no budget reaches. Lua marks an object for finalization
// only if its metatable has a __gc field when it is set, so refusing that
// field here means no finalizer from a hook ever runs.
static int safe_setmetatable(lua_State *L) {
    int t = lua_type(L, 2);
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_argexpected(L, t == LUA_TNIL || t == LUA_TTABLE, 2, "nil or table");
    if (t == LUA_TTABLE) {
        lua_pushliteral(L, "__gc");
        int gc = lua_rawget(L, 2) != LUA_TNIL;
        lua_pop(L, 1);
        if (gc) return luaL_error(L, "setmetatable: __gc metamethods are not allowed in hooks (finalizers would run outside the hook's time budget)");
    }
    if (luaL_getmetafield(L, 1, "__metatable") != LUA_TNIL) return luaL_error(L, "cannot change a protected metatable");
    lua_settop(L, 2);
    lua_setmetatable(L, 1);
    return 1;
}

static int safe_require(lua_State *L) {
    const char *name = luaL_checkstring(L, 1);
    lua_settop(L, 1);
    if (lua_isnil(L, lua_upvalueindex(2))) {  // this file's loaded modules, made on its first require
        lua_newtable(L);
        lua_replace(L, lua_upvalueindex(2));
    }
    lua_pushvalue(L, lua_upvalueindex(2));
    if (lua_getfield(L, -1, name) != LUA_TNIL) return 1;
    lua_pop(L, 1);
    // the host finds the module's text in the plugin directories
    hive_host_call(L, "require", 1);
    if (!lua_istable(L, -1)) return luaL_error(L, "module '%s': the host returned no source", name);
    lua_rawgeti(L, -1, 1);  // source
    lua_rawgeti(L, -2, 2);  // chunk name
    size_t n;
    const char *src = luaL_checklstring(L, -2, &n);
    hive_charge(L, (long long)(n / 4));
    if (luaL_loadbufferx(L, src, n, luaL_checkstring(L, -1), "t") != LUA_OK) return lua_error(L);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_setupvalue(L, -2, 1);  // the module runs in the requiring file's environment
    lua_pushstring(L, name);
    lua_call(L, 1, 1);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        lua_pushboolean(L, 1);
    }
    lua_pushvalue(L, -1);
    lua_setfield(L, 2, name);  // hive.modules[name]
    return 1;
}

static int ro_newindex(lua_State *L) { return luaL_error(L, "the hive table is read-only"); }

// hive[key]: `config` is the table of the file running now (each file's from
// hive.toml), anything else comes from the API (upvalue 1).
static int hive_index(lua_State *L) {
    if (lua_type(L, 2) == LUA_TSTRING && strcmp(lua_tostring(L, 2), "config") == 0) {
        lua_getfield(L, LUA_REGISTRYINDEX, "hive.configs");
        lua_rawgeti(L, -1, (lua_Integer)self(L)->file + 1);
        return 1;
    }
    lua_pushvalue(L, 2);
    lua_rawget(L, lua_upvalueindex(1));
    return 1;
}
static int lib_newindex(lua_State *L) {
    return luaL_error(L, "library tables are shared and read-only in hooks (keep your own helpers in local variables)");
}

// Replaces the value on top (a table or an __index function) with an empty,
// locked object that reads through it and refuses writes with `newindex`.
static void lock_top(lua_State *L, lua_CFunction newindex) {
    int index = lua_gettop(L);
    lua_newtable(L);
    lua_createtable(L, 0, 3);
    lua_pushvalue(L, index);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, newindex);
    lua_setfield(L, -2, "__newindex");
    lua_pushliteral(L, "locked");
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
    lua_getfield(L, LUA_REGISTRYINDEX, "hive.protected");
    lua_pushvalue(L, -2);
    lua_pushboolean(L, 1);
    lua_rawset(L, -3);
    lua_pop(L, 1);
    lua_remove(L, index);
}

// Leaves a read-only proxy of the table at idx on the stack.
static void push_readonly(lua_State *L, int idx, lua_CFunction newindex) {
    lua_pushvalue(L, idx);
    lock_top(L, newindex);
}

static void drop(lua_State *L, const char *lib, const char *const *names) {
    if (lib) lua_getglobal(L, lib); else lua_pushglobaltable(L);
    for (; *names; names++) {
        lua_pushnil(L);
        lua_setfield(L, -2, *names);
    }
    lua_pop(L, 1);
}

// Copies fields of the global table `from` (NULL: the globals) into the table on top.
static void copy_fields(lua_State *L, const char *from, const char *const *names) {
    if (from) lua_getglobal(L, from); else lua_pushglobaltable(L);
    for (; *names; names++) {
        lua_getfield(L, -1, *names);
        lua_setfield(L, -3, *names);
    }
    lua_pop(L, 1);
}

// A library function that reads the clock or a random source: a file that
// calls it while it loads may register differently next time (upvalue 1: the function).
static int volatile_call(lua_State *L) {
    if (self(L)->loading) self(L)->load_volatile = 1;
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
    return lua_gettop(L);
}

// Replaces lib[name] (the table at idx) with volatile_call around it.
static void mark_volatile(lua_State *L, int idx, const char *name) {
    lua_getfield(L, idx, name);
    lua_pushcclosure(L, volatile_call, 1);
    lua_setfield(L, idx, name);
}

// The libraries a hook may not use at all: table, math, utf8 and os are
// opened on a hook's first use of them (most hooks touch none; opening and
// viewing them was a third of making the state), through the base's
// metatable. string stays eager: its metatable serves s:method() calls.
static int lazy_library(lua_State *L) {
    // (base, key): opens the library, keeps its read-only view in the base
    static const struct { const char *name; lua_CFunction open; } libs[] = {
        {LUA_TABLIBNAME, luaopen_table}, {LUA_MATHLIBNAME, luaopen_math},
        {LUA_UTF8LIBNAME, luaopen_utf8}, {LUA_OSLIBNAME, luaopen_os}, {NULL, NULL}};
    if (lua_type(L, 2) != LUA_TSTRING) return 0;
    const char *key = lua_tostring(L, 2);
    for (int i = 0; libs[i].name; i++) {
        if (strcmp(key, libs[i].name) != 0) continue;
        luaL_requiref(L, libs[i].name, libs[i].open, 0);
        if (libs[i].open == luaopen_math) mark_volatile(L, lua_gettop(L), "random");
        if (libs[i].open == luaopen_os) {
            // of os, only the clock: no execute, exit, getenv, remove, rename, tmpname
            static const char *const os[] = {"time", "clock", "date", "difftime", NULL};
            int lib = lua_gettop(L);
            lua_createtable(L, 0, 4);
            for (const char *const *n = os; *n; n++) {
                lua_getfield(L, lib, *n);
                if (strcmp(*n, "difftime") != 0) lua_pushcclosure(L, volatile_call, 1);
                lua_setfield(L, -2, *n);
            }
        }
        push_readonly(L, -1, lib_newindex);
        int view = lua_gettop(L);
        lua_pushvalue(L, 2);
        lua_pushvalue(L, view);
        lua_rawset(L, 1);  // base[key] = view: found directly from now on
        lua_pushvalue(L, view);
        return 1;
    }
    return 0;
}

// Once per state: the base library and string (in the registry's globals,
// which no hook sees), the locked string metatable, the shared base every
// environment reads through, and the hive API.
int hive_sandbox_setup(lua_State *L) {
    luaL_requiref(L, LUA_GNAME, luaopen_base, 1);
    luaL_requiref(L, LUA_STRLIBNAME, luaopen_string, 1);
    lua_pop(L, 2);
    static const char *const str[] = {"dump", NULL};
    drop(L, "string", str);
    // find, match, gmatch, gsub that count their steps (a pattern can take
    // exponential time inside one C call); the string metatable's __index is
    // this same table, so s:find() gets them too
    lua_getglobal(L, LUA_STRLIBNAME);
    hive_patterns_install(L, lua_gettop(L));
    lua_pop(L, 1);
    lua_pushliteral(L, "");
    lua_getmetatable(L, -1);
    lua_pushliteral(L, "locked");
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 2);
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, "hive.protected");

    // the base every environment reads through: allowed functions and library views
    lua_createtable(L, 0, 28);
    static const char *const base[] = {"assert", "error", "ipairs", "next", "pairs", "pcall", "rawequal", "rawget", "rawlen",
                                       "select", "tonumber", "tostring", "type", "xpcall", "_VERSION",
                                       "getmetatable", NULL};
    copy_fields(L, NULL, base);
    lua_pushcfunction(L, safe_setmetatable);
    lua_setfield(L, -2, "setmetatable");
    lua_pushcfunction(L, safe_collectgarbage);
    lua_setfield(L, -2, "collectgarbage");
    lua_pushcfunction(L, safe_rawset);
    lua_setfield(L, -2, "rawset");
    lua_pushcfunction(L, safe_print);
    lua_setfield(L, -2, "print");
    lua_getglobal(L, LUA_STRLIBNAME);
    push_readonly(L, -1, lib_newindex);
    lua_setfield(L, -3, LUA_STRLIBNAME);
    lua_pop(L, 1);
    lua_createtable(L, 0, 1);  // the other libraries, on first use
    lua_pushcfunction(L, lazy_library);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, -2);
    lua_createtable(L, 0, 2);  // environments' metatable: locked, so no file can reach the base
    lua_pushvalue(L, -2);
    lua_setfield(L, -2, "__index");
    lua_pushliteral(L, "locked");
    lua_setfield(L, -2, "__metatable");
    lua_setfield(L, LUA_REGISTRYINDEX, "hive.envmeta");
    lua_pop(L, 1);

    // the hive API, with and without exec; hive.log a read-only view
    lua_newtable(L);
    luaL_setfuncs(L, hive_api_log_funcs, 0);
    push_readonly(L, -1, ro_newindex);
    int logview = lua_gettop(L);
    // `hive` itself: one read-only object per kind (with and without exec),
    // shared by every file; hive.config is the reading file's own table
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, "hive.configs");
    for (int exec = 0; exec < 2; exec++) {
        lua_newtable(L);
        luaL_setfuncs(L, hive_api_funcs, 0);
        lua_pushvalue(L, logview);
        lua_setfield(L, -2, "log");
        if (exec) {
            lua_pushcfunction(L, hive_api_exec);
            lua_setfield(L, -2, "exec");
        }
        lua_pushcclosure(L, hive_index, 1);  // the API table is its upvalue
        lock_top(L, ro_newindex);  // the object scripts see: empty, so every write meets __newindex
        lua_setfield(L, LUA_REGISTRYINDEX, exec ? "hive.object.exec" : "hive.object");
    }
    lua_pop(L, 2);
    return 0;
}

// Leaves a new file environment on the stack: its own table, reading what it
// does not define through the shared, locked base (made once in setup).
void hive_sandbox_push_env(lua_State *L, const env_args *a) {
    hive_lua *h = self(L);
    lua_createtable(L, 0, 4);
    int env = lua_gettop(L);
    lua_getfield(L, LUA_REGISTRYINDEX, "hive.envmeta");
    lua_setmetatable(L, env);
    lua_pushvalue(L, env);
    lua_pushcclosure(L, safe_load, 1);
    lua_setfield(L, env, "load");
    lua_pushvalue(L, env);
    lua_pushnil(L);
    lua_pushcclosure(L, safe_require, 2);
    lua_setfield(L, env, "require");
    // this file's hive.config, found by hive_index while this file runs
    lua_getfield(L, LUA_REGISTRYINDEX, "hive.configs");
    push_decoded(L, a->config, a->configlen);
    if (!lua_istable(L, -1)) { lua_pop(L, 1); lua_newtable(L); }
    lua_rawseti(L, -2, (lua_Integer)h->file + 1);
    lua_pop(L, 1);
    lua_getfield(L, LUA_REGISTRYINDEX, a->allow_exec ? "hive.object.exec" : "hive.object");
    lua_setfield(L, env, "hive");
    lua_pushvalue(L, env);
    lua_setfield(L, env, "_G");
}
