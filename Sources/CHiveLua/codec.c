// The value encoding between Lua and the host (hive_lua.h): values cross as
// bytes, never as Lua objects, so Swift makes no Lua API call.
#include "lua_internal.h"
#include <lua5.4/lauxlib.h>
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
    case '{': {
        lua_newtable(L);
        while (*p < end && **p != '}') {
            decode(L, p, end, depth + 1);
            decode(L, p, end, depth + 1);
            lua_rawset(L, -3);
        }
        if (*p >= end) luaL_error(L, "truncated map");
        (*p)++;
        return;
    }
    default: luaL_error(L, "malformed value (tag %c)", c);
    }
}

void push_decoded(lua_State *L, const char *s, size_t n) {
    const char *p = s, *end = s + n;
    decode(L, &p, end, 0);
}

