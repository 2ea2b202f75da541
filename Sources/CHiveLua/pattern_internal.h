// The counted Lua pattern matcher (pattern.c), shared with the string
// functions built on it (pattern_lib.c).
#ifndef HIVE_PATTERN_INTERNAL_H
#define HIVE_PATTERN_INTERNAL_H
#include <stddef.h>
#include <lua5.4/lua.h>

#define MAX_CAPTURES 32        // LUA_MAXCAPTURES
#define MAX_MATCH_DEPTH 200    // recursion of the matcher ("pattern too complex")
#define CHARGE_EVERY 1024      // steps between two charges to the budget
#define CAP_UNFINISHED (-1)
#define CAP_POSITION (-2)

typedef struct {
    const char *src_init, *src_end, *p_end;
    lua_State *L;
    int level;   // captures open or closed so far
    int depth;   // recursion left
    long long steps;
    struct { const char *init; ptrdiff_t len; } capture[MAX_CAPTURES];
} matcher;

void pat_begin(matcher *m, lua_State *L, const char *s, size_t ls, const char *p, size_t lp);
void pat_again(matcher *m);
void pat_settle(matcher *m);
const char *pat_match(matcher *m, const char *s, const char *p);
int pat_push_captures(matcher *m, const char *s, const char *e);
void pat_push_one(matcher *m, int i, const char *s, const char *e);
ptrdiff_t pat_one_capture(matcher *m, int i, const char *s, const char *e, const char **cap);
#endif
