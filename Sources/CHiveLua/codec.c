// The value encoding between Lua and the host (hive_lua.h): values cross as
// bytes, never as Lua objects, so Swift makes no Lua API call.
#include "lua_internal.h"
#include <lua5.4/lauxlib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// ---- value encoding ----
// -  nil        t / f  booleans      i<int>;  d<double>;   s<len>:<bytes>
// [ values ]    { s<key> value ... }

void buf_put(lua_State *L, buf *b, const char *p, size_t n) {
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1) cap *= 2;
        if (cap > (64u << 20)) luaL_error(L, "value too large to return (over 64 MiB)");
        char *d = realloc(b->data, cap);
        if (!d) luaL_error(L, "out of memory");
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = 0;
}

// `tag`, the decimal digits of v, then `end` (snprintf was a tenth of a
// context's encoding time)
static void put_number(lua_State *L, buf *b, char tag, long long v, char end) {
    char tmp[32];
    int i = (int)sizeof tmp;
    tmp[--i] = end;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do { tmp[--i] = (char)('0' + u % 10); u /= 10; } while (u);
    if (v < 0) tmp[--i] = '-';
    tmp[--i] = tag;
    buf_put(L, b, tmp + i, sizeof tmp - (size_t)i);
}

static void put_string(lua_State *L, buf *b, const char *s, size_t n) {
    put_number(L, b, 's', (long long)n, ':');
    buf_put(L, b, s, n);
}

static int is_sequence(lua_State *L, int idx, lua_Integer *n) {
    lua_Integer len = (lua_Integer)lua_rawlen(L, idx), count = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        if (!lua_isinteger(L, -1)) { lua_pop(L, 1); return 0; }
        lua_Integer k = lua_tointeger(L, -1);
        if (k < 1 || k > len) { lua_pop(L, 1); return 0; }
        count++;
    }
    *n = len;
    return count == len && len > 0;
}

// ---- fingerprints ----
// A 64-bit digest of a value that does not depend on the order a table's
// pairs are stored in: how a pre-* handler's context is checked for changes
// without encoding it (sorting keys, writing text) after every handler.
// Integers and floats differ as they do in the encoding; functions and other
// values count by identity (encoding them fails later, as it should).

static uint64_t mix(uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    return x ^ (x >> 33);
}

uint64_t fingerprint(lua_State *L, int idx, int depth, int *deep) {
    idx = lua_absindex(L, idx);
    switch (lua_type(L, idx)) {
    case LUA_TNIL: return 0x6e696cULL;
    case LUA_TBOOLEAN: return lua_toboolean(L, idx) ? 0x74727565ULL : 0x66616c7365ULL;
    case LUA_TNUMBER:
        if (lua_isinteger(L, idx)) return mix((uint64_t)lua_tointeger(L, idx) ^ 0x696e74ULL);
        {
            double d = (double)lua_tonumber(L, idx);
            uint64_t u;
            memcpy(&u, &d, sizeof u);
            return mix(u ^ 0x666c74ULL);
        }
    case LUA_TSTRING: {
        size_t n;
        const char *s = lua_tolstring(L, idx, &n);
        uint64_t h = 0xcbf29ce484222325ULL;
        for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
        return mix(h ^ n);
    }
    case LUA_TTABLE: {
        if (depth > MAX_DEPTH || !lua_checkstack(L, 3)) { *deep = 1; return 0; }
        uint64_t sum = 0x7461626c65ULL;
        lua_pushnil(L);
        while (lua_next(L, idx)) {
            uint64_t k = fingerprint(L, -2, depth + 1, deep), v = fingerprint(L, -1, depth + 1, deep);
            sum += mix(k * 0x9e3779b97f4a7c15ULL + v);
            lua_pop(L, 1);
        }
        return mix(sum);
    }
    default: return mix((uint64_t)(uintptr_t)lua_topointer(L, idx) ^ (uint64_t)lua_type(L, idx));
    }
}

typedef struct { const char *text; size_t len; int slot; } sorted_key;

static int compare_keys(const void *x, const void *y) {
    const sorted_key *a = x, *b = y;
    int c = memcmp(a->text, b->text, a->len < b->len ? a->len : b->len);
    if (c) return c;
    return a->len < b->len ? -1 : a->len > b->len;
}

void encode(lua_State *L, buf *b, int idx, int depth) {
    idx = lua_absindex(L, idx);
    char tmp[64];
    switch (lua_type(L, idx)) {
    case LUA_TNIL: buf_put(L, b, "-", 1); break;
    case LUA_TBOOLEAN: buf_put(L, b, lua_toboolean(L, idx) ? "t" : "f", 1); break;
    case LUA_TNUMBER:
        if (lua_isinteger(L, idx)) {
            put_number(L, b, 'i', (long long)lua_tointeger(L, idx), ';');
            break;
        }
        snprintf(tmp, sizeof tmp, "d%.17g;", (double)lua_tonumber(L, idx));
        buf_put(L, b, tmp, strlen(tmp));
        break;
    case LUA_TSTRING: {
        size_t n;
        const char *s = lua_tolstring(L, idx, &n);
        put_string(L, b, s, n);
        break;
    }
    case LUA_TTABLE: {
        if (depth > MAX_DEPTH) luaL_error(L, "table nested deeper than %d levels (or a cycle)", MAX_DEPTH);
        luaL_checkstack(L, 4, "encode");
        lua_Integer n;
        if (is_sequence(L, idx, &n)) {
            buf_put(L, b, "[", 1);
            for (lua_Integer i = 1; i <= n; i++) {
                lua_rawgeti(L, idx, i);
                encode(L, b, -1, depth + 1);
                lua_pop(L, 1);
            }
            buf_put(L, b, "]", 1);
            break;
        }
        // keys in byte order, as the host encodes them: an unchanged table
        // encodes to the very bytes it was decoded from.
        // Usually every key is a string: sort them in a C array (the strings
        // stay anchored as keys of the table, which nothing changes meanwhile)
        {
            sorted_key quick[32];
            int nq = 0, all_strings = 1;
            lua_pushnil(L);
            while (lua_next(L, idx)) {
                lua_pop(L, 1);
                if (lua_type(L, -1) != LUA_TSTRING || nq == 32) { lua_pop(L, 1); all_strings = 0; break; }
                quick[nq].text = lua_tolstring(L, -1, &quick[nq].len);
                quick[nq].slot = nq;
                nq++;
            }
            if (all_strings) {
                qsort(quick, (size_t)nq, sizeof quick[0], compare_keys);
                buf_put(L, b, "{", 1);
                for (int i = 0; i < nq; i++) {
                    put_string(L, b, quick[i].text, quick[i].len);
                    lua_pushlstring(L, quick[i].text, quick[i].len);
                    lua_rawget(L, idx);
                    encode(L, b, -1, depth + 1);
                    lua_pop(L, 1);
                }
                buf_put(L, b, "}", 1);
                break;
            }
        }
        lua_createtable(L, 0, 0);   // original keys
        int keys = lua_gettop(L);
        lua_createtable(L, 0, 0);   // their text
        int names = lua_gettop(L);
        int count = 0;
        lua_pushnil(L);
        while (lua_next(L, idx)) {
            lua_pop(L, 1);
            if (lua_type(L, -1) == LUA_TSTRING) {
                lua_pushvalue(L, -1);
            } else if (lua_isinteger(L, -1)) {
                lua_pushfstring(L, "%I", (LUAI_UACINT)lua_tointeger(L, -1));
            } else {
                luaL_error(L, "table keys must be strings or integers, not %s", luaL_typename(L, -1));
            }
            lua_rawseti(L, names, ++count);
            lua_pushvalue(L, -1);
            lua_rawseti(L, keys, count);
        }
        sorted_key *order = lua_newuserdatauv(L, sizeof(sorted_key) * (size_t)(count ? count : 1), 0);
        for (int i = 0; i < count; i++) {
            lua_rawgeti(L, names, i + 1);
            order[i].text = lua_tolstring(L, -1, &order[i].len);  // anchored in `names`
            order[i].slot = i + 1;
            lua_pop(L, 1);
        }
        qsort(order, (size_t)count, sizeof *order, compare_keys);
        buf_put(L, b, "{", 1);
        for (int i = 0; i < count; i++) {
            put_string(L, b, order[i].text, order[i].len);
            lua_rawgeti(L, keys, order[i].slot);
            lua_rawget(L, idx);
            encode(L, b, -1, depth + 1);
            lua_pop(L, 1);
        }
        lua_pop(L, 3);
        buf_put(L, b, "}", 1);
        break;
    }
    default:
        luaL_error(L, "a %s cannot leave Lua (only nil, booleans, numbers, strings and tables)", luaL_typename(L, idx));
    }
}

// Pushes a copy of the table at idx, nested tables copied too (strings are
// shared: they are values in Lua).
static void copy_table(lua_State *L, int idx, int depth) {
    idx = lua_absindex(L, idx);
    if (depth > MAX_DEPTH) luaL_error(L, "value nested too deeply");
    luaL_checkstack(L, 4, "copy");
    lua_createtable(L, (int)lua_rawlen(L, idx), 8);
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        if (lua_type(L, -1) == LUA_TTABLE) {
            copy_table(L, -1, depth + 1);
            lua_remove(L, -2);
        }
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_rawset(L, -4);
    }
}

static void decode(lua_State *L, const char **p, const char *end, int depth);

// Reads `k v ... }` into the table on top (a nil value removes the key).
static void decode_pairs(lua_State *L, const char **p, const char *end, int depth) {
    while (*p < end && **p != '}') {
        decode(L, p, end, depth + 1);
        decode(L, p, end, depth + 1);
        lua_rawset(L, -3);
    }
    if (*p >= end) luaL_error(L, "truncated map");
    (*p)++;
}

// `@s<n>:<key>{k v ...}`: a copy of the base stored under key (hive_lua_set_base)
// with the pairs that follow set on it (`-` removes one).
static void decode_on_base(lua_State *L, const char **p, const char *end, int depth) {
    decode(L, p, end, depth + 1);  // the key
    if (lua_type(L, -1) != LUA_TSTRING) luaL_error(L, "malformed base reference");
    lua_getfield(L, LUA_REGISTRYINDEX, "hive.bases");
    if (!lua_istable(L, -1)) luaL_error(L, "no context bases");
    lua_pushvalue(L, -2);
    lua_rawget(L, -2);
    if (!lua_istable(L, -1)) luaL_error(L, "unknown context base");
    copy_table(L, -1, depth);
    lua_replace(L, -4);  // key, bases, base -> copy
    lua_pop(L, 2);
    if (*p >= end || *(*p)++ != '{') luaL_error(L, "malformed overlay");
    decode_pairs(L, p, end, depth);
}

// Pushes the value encoded at *p (advancing it); raises on malformed input.
static void decode(lua_State *L, const char **p, const char *end, int depth) {
    if (*p >= end) luaL_error(L, "truncated value");
    if (depth > MAX_DEPTH) luaL_error(L, "value nested too deeply");
    luaL_checkstack(L, 4, "decode");
    char c = *(*p)++;
    switch (c) {
    case '-': lua_pushnil(L); return;
    case 't': lua_pushboolean(L, 1); return;
    case 'f': lua_pushboolean(L, 0); return;
    case 'i': case 'd': {
        const char *semi = memchr(*p, ';', (size_t)(end - *p));
        if (!semi || semi - *p > 60) luaL_error(L, "malformed number");
        char tmp[64];
        memcpy(tmp, *p, (size_t)(semi - *p));
        tmp[semi - *p] = 0;
        if (c == 'i') lua_pushinteger(L, (lua_Integer)strtoll(tmp, NULL, 10));
        else lua_pushnumber(L, (lua_Number)strtod(tmp, NULL));
        *p = semi + 1;
        return;
    }
    case 's': {
        char *colon;
        unsigned long long n = strtoull(*p, &colon, 10);
        if (colon >= end || *colon != ':' || n > (unsigned long long)(end - colon - 1)) luaL_error(L, "malformed string");
        lua_pushlstring(L, colon + 1, (size_t)n);
        *p = colon + 1 + n;
        return;
    }
    case '[': {
        lua_newtable(L);
        lua_Integer i = 1;
        while (*p < end && **p != ']') {
            decode(L, p, end, depth + 1);
            lua_rawseti(L, -2, i++);
        }
        if (*p >= end) luaL_error(L, "truncated array");
        (*p)++;
        return;
    }
    case '{':
        lua_newtable(L);
        decode_pairs(L, p, end, depth);
        return;
    case '@':
        decode_on_base(L, p, end, depth);
        return;
    default: luaL_error(L, "malformed value (tag %c)", c);
    }
}

void push_decoded(lua_State *L, const char *s, size_t n) {
    const char *p = s, *end = s + n;
    decode(L, &p, end, 0);
}

