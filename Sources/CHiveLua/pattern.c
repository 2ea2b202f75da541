// Lua 5.4 patterns (the manual's section 6.4.1) for hooks: string.find,
// match, gmatch and gsub with the same results as the standard library's,
// but every step of the backtracking matcher is counted and charged to the
// running call's budgets. The standard matcher runs inside one C call where
// the count hook never fires, so ("a*"):rep(28) .. "b" against 30000 "a"s
// would run for ever; here it meets the instruction budget or the deadline
// like any Lua loop (hive_charge raises a Lua error: only this file's C
// frames are unwound, and they hold nothing but stack).
//
// Plain searches (find with plain=true, or a pattern without specials) use
// glibc's memmem, which is linear.
#define _GNU_SOURCE
#include "lua_internal.h"
#include "pattern_internal.h"
#include <lua5.4/lauxlib.h>
#include <lua5.4/lua.h>
#include <ctype.h>
#include <string.h>

static inline void step(matcher *m, long long n) {
    m->steps += n;
    if (m->steps >= CHARGE_EVERY) {
        long long s = m->steps;
        m->steps = 0;
        hive_charge(m->L, s);
    }
}

void pat_begin(matcher *m, lua_State *L, const char *s, size_t ls, const char *p, size_t lp) {
    m->L = L;
    m->src_init = s;
    m->src_end = s + ls;
    m->p_end = p + lp;
    m->steps = 0;
}

void pat_again(matcher *m) {
    m->level = 0;
    m->depth = MAX_MATCH_DEPTH;
}

// What is left of the charge when a match ends.
void pat_settle(matcher *m) {
    if (m->steps > 0) {
        long long s = m->steps;
        m->steps = 0;
        hive_charge(m->L, s);
    }
}

// The end of the single-character class that starts at p.
static const char *class_end(matcher *m, const char *p) {
    switch (*p++) {
    case '%':
        if (p == m->p_end) luaL_error(m->L, "malformed pattern (ends with '%%')");
        return p + 1;
    case '[':
        if (*p == '^') p++;
        do {  // the first character (even ']') belongs to the set
            if (p == m->p_end) luaL_error(m->L, "malformed pattern (missing ']')");
            if (*(p++) == '%' && p < m->p_end) p++;
        } while (*p != ']');
        return p + 1;
    default:
        return p;
    }
}

static int class_matches(int c, int cl) {
    int r;
    switch (tolower(cl)) {
    case 'a': r = isalpha(c); break;
    case 'c': r = iscntrl(c); break;
    case 'd': r = isdigit(c); break;
    case 'g': r = isgraph(c); break;
    case 'l': r = islower(c); break;
    case 'p': r = ispunct(c); break;
    case 's': r = isspace(c); break;
    case 'u': r = isupper(c); break;
    case 'w': r = isalnum(c); break;
    case 'x': r = isxdigit(c); break;
    default: return cl == c;
    }
    if (isupper(cl)) r = !r;
    return r != 0;
}

// A set [...]: p at '[', ec at its ']'.
static int set_matches(int c, const char *p, const char *ec) {
    int yes = 1;
    if (*(p + 1) == '^') {
        yes = 0;
        p++;
    }
    while (++p < ec) {
        if (*p == '%') {
            p++;
            if (class_matches(c, (unsigned char)*p)) return yes;
        } else if (*(p + 1) == '-' && p + 2 < ec) {
            p += 2;
            if ((unsigned char)*(p - 2) <= c && c <= (unsigned char)*p) return yes;
        } else if ((unsigned char)*p == c) {
            return yes;
        }
    }
    return !yes;
}

static int single_matches(matcher *m, const char *s, const char *p, const char *ep) {
    if (s >= m->src_end) return 0;
    int c = (unsigned char)*s;
    switch (*p) {
    case '.': return 1;
    case '%': return class_matches(c, (unsigned char)*(p + 1));
    case '[': return set_matches(c, p, ep - 1);
    default: return (unsigned char)*p == c;
    }
}

static const char *match_balance(matcher *m, const char *s, const char *p) {
    if (p >= m->p_end - 1) luaL_error(m->L, "malformed pattern (missing arguments to '%%b')");
    if (s >= m->src_end || *s != *p) return NULL;
    int b = *p, e = *(p + 1), open = 1;
    while (++s < m->src_end) {
        step(m, 1);
        if (*s == e) {
            if (--open == 0) return s + 1;
        } else if (*s == b) {
            open++;
        }
    }
    return NULL;
}

static const char *max_expand(matcher *m, const char *s, const char *p, const char *ep) {
    ptrdiff_t i = 0;
    while (single_matches(m, s + i, p, ep)) {
        i++;
        step(m, 1);
    }
    for (; i >= 0; i--) {  // the longest first, then shorter ones
        const char *r = pat_match(m, s + i, ep + 1);
        if (r) return r;
    }
    return NULL;
}

static const char *min_expand(matcher *m, const char *s, const char *p, const char *ep) {
    for (;;) {
        const char *r = pat_match(m, s, ep + 1);
        if (r) return r;
        if (!single_matches(m, s, p, ep)) return NULL;
        s++;
    }
}

static const char *start_capture(matcher *m, const char *s, const char *p, int what) {
    if (m->level >= MAX_CAPTURES) luaL_error(m->L, "too many captures");
    m->capture[m->level].init = s;
    m->capture[m->level].len = what;
    m->level++;
    const char *r = pat_match(m, s, p);
    if (!r) m->level--;
    return r;
}

static const char *end_capture(matcher *m, const char *s, const char *p) {
    int l = -1;
    for (int i = m->level - 1; i >= 0; i--) {
        if (m->capture[i].len == CAP_UNFINISHED) {
            l = i;
            break;
        }
    }
    if (l < 0) luaL_error(m->L, "invalid pattern capture");
    m->capture[l].len = s - m->capture[l].init;
    const char *r = pat_match(m, s, p);
    if (!r) m->capture[l].len = CAP_UNFINISHED;
    return r;
}

static int capture_index(matcher *m, int c) {
    int l = c - '1';
    if (l < 0 || l >= m->level || m->capture[l].len == CAP_UNFINISHED) luaL_error(m->L, "invalid capture index %%%d", l + 1);
    return l;
}

static const char *match_capture(matcher *m, const char *s, int c) {
    int l = capture_index(m, c);
    size_t len = (size_t)m->capture[l].len;  // a position capture is never equal to text
    if ((size_t)(m->src_end - s) >= len && memcmp(m->capture[l].init, s, len) == 0) {
        step(m, (long long)(len / 16));
        return s + len;
    }
    return NULL;
}

const char *pat_match(matcher *m, const char *s, const char *p) {
    if (m->depth-- == 0) luaL_error(m->L, "pattern too complex");
    step(m, 1);
    while (p != m->p_end) {
        switch (*p) {
        case '(':
            if (*(p + 1) == ')') s = start_capture(m, s, p + 2, CAP_POSITION);
            else s = start_capture(m, s, p + 1, CAP_UNFINISHED);
            goto done;
        case ')':
            s = end_capture(m, s, p + 1);
            goto done;
        case '$':
            if (p + 1 != m->p_end) goto single;
            s = s == m->src_end ? s : NULL;
            goto done;
        case '%':
            switch (*(p + 1)) {
            case 'b':
                s = match_balance(m, s, p + 2);
                if (s) {
                    p += 4;
                    continue;
                }
                goto done;
            case 'f': {
                p += 2;
                if (*p != '[') luaL_error(m->L, "missing '[' after '%%f' in pattern");
                const char *ep = class_end(m, p);
                int prev = s == m->src_init ? '\0' : (unsigned char)*(s - 1);
                int cur = s < m->src_end ? (unsigned char)*s : '\0';
                if (!set_matches(prev, p, ep - 1) && set_matches(cur, p, ep - 1)) {
                    p = ep;
                    continue;
                }
                s = NULL;
                goto done;
            }
            case '0': case '1': case '2': case '3': case '4':
            case '5': case '6': case '7': case '8': case '9':
                s = match_capture(m, s, (unsigned char)*(p + 1));
                if (s) {
                    p += 2;
                    continue;
                }
                goto done;
            default:
                goto single;
            }
        default:
        single: {
            const char *ep = class_end(m, p);
            if (!single_matches(m, s, p, ep)) {
                if (*ep == '*' || *ep == '?' || *ep == '-') {  // may match nothing
                    p = ep + 1;
                    continue;
                }
                s = NULL;
            } else {
                switch (*ep) {
                case '?': {
                    const char *r = pat_match(m, s + 1, ep + 1);
                    if (r) {
                        s = r;
                    } else {
                        p = ep + 1;
                        continue;
                    }
                    break;
                }
                case '+': s = max_expand(m, s + 1, p, ep); break;
                case '*': s = max_expand(m, s, p, ep); break;
                case '-': s = min_expand(m, s, p, ep); break;
                default:
                    s++;
                    p = ep;
                    continue;
                }
            }
            goto done;
        }
        }
    }
done:
    m->depth++;
    return s;
}

// Capture i: its text (length returned) or, for a position capture, pushes
// the position and returns CAP_POSITION. With no captures, capture 0 is the whole match.
ptrdiff_t pat_one_capture(matcher *m, int i, const char *s, const char *e, const char **cap) {
    if (i >= m->level) {
        if (i != 0) luaL_error(m->L, "invalid capture index %%%d", i + 1);
        *cap = s;
        return e - s;
    }
    ptrdiff_t len = m->capture[i].len;
    *cap = m->capture[i].init;
    if (len == CAP_UNFINISHED) luaL_error(m->L, "unfinished capture");
    if (len == CAP_POSITION) lua_pushinteger(m->L, (m->capture[i].init - m->src_init) + 1);
    return len;
}

void pat_push_one(matcher *m, int i, const char *s, const char *e) {
    const char *cap;
    ptrdiff_t len = pat_one_capture(m, i, s, e, &cap);
    if (len != CAP_POSITION) lua_pushlstring(m->L, cap, (size_t)len);
}

int pat_push_captures(matcher *m, const char *s, const char *e) {
    int n = (m->level == 0 && s) ? 1 : m->level;
    luaL_checkstack(m->L, n, "too many captures");
    for (int i = 0; i < n; i++) pat_push_one(m, i, s, e);
    return n;
}

