// string.find, match, gmatch and gsub for hooks, over the counted matcher of
// pattern.c (same results as the standard library's; every step charged to
// the running call's budgets).
#define _GNU_SOURCE
#include "lua_internal.h"
#include "pattern_internal.h"
#include <lua5.4/lauxlib.h>
#include <lua5.4/lua.h>
#include <ctype.h>
#include <string.h>

// A 1-based position (negative from the end) as a 0-based offset; may be past the end.
static size_t offset_of(lua_Integer pos, size_t len) {
    if (pos > 0) return (size_t)pos - 1;
    if (pos == 0 || pos < -(lua_Integer)len) return 0;
    return len + (size_t)pos;
}

static int no_specials(const char *p, size_t lp) {
    for (size_t i = 0; i < lp; i++) {
        if (strchr("^$*+?.([%-", p[i]) && p[i] != '\0') return 0;
    }
    return 1;
}

static int find_or_match(lua_State *L, int find) {
    size_t ls, lp;
    const char *s = luaL_checklstring(L, 1, &ls);
    const char *p = luaL_checklstring(L, 2, &lp);
    size_t init = offset_of(luaL_optinteger(L, 3, 1), ls);
    if (init > ls) {
        luaL_pushfail(L);
        return 1;
    }
    if (find && (lua_toboolean(L, 4) || no_specials(p, lp))) {
        hive_charge(L, (long long)((ls - init) / 16));
        const char *hit = lp == 0 ? s + init : memmem(s + init, ls - init, p, lp);
        if (hit) {
            lua_pushinteger(L, (lua_Integer)(hit - s) + 1);
            lua_pushinteger(L, (lua_Integer)(hit - s + lp));
            return 2;
        }
    } else {
        matcher m;
        const char *s1 = s + init;
        int anchor = *p == '^';
        if (anchor) {
            p++;
            lp--;
        }
        pat_begin(&m, L, s, ls, p, lp);
        do {
            pat_again(&m);
            const char *e = pat_match(&m, s1, p);
            if (e) {
                pat_settle(&m);
                if (find) {
                    lua_pushinteger(L, (lua_Integer)(s1 - s) + 1);
                    lua_pushinteger(L, (lua_Integer)(e - s));
                    return pat_push_captures(&m, NULL, 0) + 2;
                }
                return pat_push_captures(&m, s1, e);
            }
        } while (s1++ < m.src_end && !anchor);
        pat_settle(&m);
    }
    luaL_pushfail(L);
    return 1;
}

static int str_find(lua_State *L) { return find_or_match(L, 1); }
static int str_match(lua_State *L) { return find_or_match(L, 0); }

typedef struct {
    const char *src, *p, *last;
    matcher m;
} gmatch_state;

static int gmatch_next(lua_State *L) {
    gmatch_state *g = lua_touserdata(L, lua_upvalueindex(3));
    g->m.L = L;
    for (const char *src = g->src; src <= g->m.src_end; src++) {
        pat_again(&g->m);
        const char *e = pat_match(&g->m, src, g->p);
        if (e && e != g->last) {
            pat_settle(&g->m);
            g->src = g->last = e;
            return pat_push_captures(&g->m, src, e);
        }
    }
    pat_settle(&g->m);
    g->src = g->m.src_end + 1;  // done: later calls find nothing at once
    return 0;
}

static int str_gmatch(lua_State *L) {
    size_t ls, lp;
    const char *s = luaL_checklstring(L, 1, &ls);
    const char *p = luaL_checklstring(L, 2, &lp);
    size_t init = offset_of(luaL_optinteger(L, 3, 1), ls);
    lua_settop(L, 2);  // the subject and pattern stay alive as upvalues
    gmatch_state *g = lua_newuserdatauv(L, sizeof *g, 0);
    if (init > ls) init = ls + 1;
    pat_begin(&g->m, L, s, ls, p, lp);
    g->src = s + init;
    g->p = p;
    g->last = NULL;
    lua_pushcclosure(L, gmatch_next, 3);
    return 1;
}

static void add_replacement(matcher *m, luaL_Buffer *b, const char *s, const char *e) {
    lua_State *L = m->L;
    size_t l;
    const char *r = lua_tolstring(L, 3, &l);
    const char *pct;
    while ((pct = memchr(r, '%', l)) != NULL) {
        luaL_addlstring(b, r, (size_t)(pct - r));
        pct++;
        if (*pct == '%') {
            luaL_addchar(b, '%');
        } else if (*pct == '0') {
            luaL_addlstring(b, s, (size_t)(e - s));
        } else if (isdigit((unsigned char)*pct)) {
            const char *cap;
            ptrdiff_t len = pat_one_capture(m, *pct - '1', s, e, &cap);
            if (len == CAP_POSITION) luaL_addvalue(b);
            else luaL_addlstring(b, cap, (size_t)len);
        } else {
            luaL_error(L, "invalid use of '%c' in replacement string", '%');
        }
        l -= (size_t)(pct + 1 - r);
        r = pct + 1;
    }
    luaL_addlstring(b, r, l);
}

// Adds the replacement of one match; 0 if it kept the original text.
static int add_value(matcher *m, luaL_Buffer *b, const char *s, const char *e, int kind) {
    lua_State *L = m->L;
    switch (kind) {
    case LUA_TFUNCTION: {
        lua_pushvalue(L, 3);
        int n = pat_push_captures(m, s, e);
        lua_call(L, n, 1);
        break;
    }
    case LUA_TTABLE:
        pat_push_one(m, 0, s, e);
        lua_gettable(L, 3);
        break;
    default:
        add_replacement(m, b, s, e);
        return 1;
    }
    if (!lua_toboolean(L, -1)) {
        lua_pop(L, 1);
        luaL_addlstring(b, s, (size_t)(e - s));
        return 0;
    }
    if (!lua_isstring(L, -1)) return luaL_error(L, "invalid replacement value (a %s)", luaL_typename(L, -1));
    luaL_addvalue(b);
    return 1;
}

static int str_gsub(lua_State *L) {
    size_t ls, lp;
    const char *src = luaL_checklstring(L, 1, &ls);
    const char *p = luaL_checklstring(L, 2, &lp);
    const char *last = NULL;
    int kind = lua_type(L, 3);
    lua_Integer max = luaL_optinteger(L, 4, (lua_Integer)ls + 1);
    int anchor = *p == '^';
    lua_Integer n = 0;
    int changed = 0;
    matcher m;
    luaL_Buffer b;
    luaL_argexpected(L, kind == LUA_TNUMBER || kind == LUA_TSTRING || kind == LUA_TFUNCTION || kind == LUA_TTABLE, 3,
                     "string/function/table");
    luaL_buffinit(L, &b);
    if (anchor) {
        p++;
        lp--;
    }
    pat_begin(&m, L, src, ls, p, lp);
    while (n < max) {
        pat_again(&m);
        const char *e = pat_match(&m, src, p);
        if (e && e != last) {
            n++;
            changed = add_value(&m, &b, src, e, kind) | changed;
            src = last = e;
        } else if (src < m.src_end) {
            luaL_addchar(&b, *src++);
        } else {
            break;
        }
        if (anchor) break;
    }
    pat_settle(&m);
    if (!changed) {
        lua_pushvalue(L, 1);
    } else {
        luaL_addlstring(&b, src, (size_t)(m.src_end - src));
        luaL_pushresult(&b);
    }
    lua_pushinteger(L, n);
    return 2;
}

void hive_patterns_install(lua_State *L, int idx) {
    static const luaL_Reg fns[] = {{"find", str_find}, {"match", str_match}, {"gmatch", str_gmatch}, {"gsub", str_gsub}, {NULL, NULL}};
    idx = lua_absindex(L, idx);
    for (const luaL_Reg *f = fns; f->name; f++) {
        lua_pushcfunction(L, f->func);
        lua_setfield(L, idx, f->name);
    }
}
