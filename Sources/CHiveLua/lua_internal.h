// Shared between lua.c (the sandbox and API) and codec.c (the value encoding).
#ifndef HIVE_LUA_INTERNAL_H
#define HIVE_LUA_INTERNAL_H
#include <lua5.4/lua.h>
#include <stddef.h>

#define MAX_DEPTH 32

typedef struct { char *data; size_t len, cap; } buf;

// Appends bytes (raises on overflow past 64 MiB or out of memory).
void buf_put(lua_State *L, buf *b, const char *p, size_t n);
// Encodes the value at idx (raises on functions, userdata, cycles).
void encode(lua_State *L, buf *b, int idx, int depth);
// Pushes the value encoded in s (raises on malformed input).
void push_decoded(lua_State *L, const char *s, size_t n);
#endif
