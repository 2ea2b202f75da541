// A tar header walker that runs alongside libarchive over the same bytes, to
// catch what libarchive hides: a NUL byte inside a pax `path`/`linkpath`
// value or a GNU long name (libarchive silently truncates at the NUL, so the
// name it reports differs from the one other tools would see).
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "tarscan.h"

static int write_all(int fd, const void *p, size_t n) {
    const char *c = p;
    while (n > 0) {
        ssize_t w = write(fd, c, n);
        if (w < 0) { if (errno == EINTR) continue; return -1; }
        c += w; n -= (size_t)w;
    }
    return 0;
}

static void put_u64(unsigned char *b, uint64_t v) { for (int i = 0; i < 8; i++) b[i] = (unsigned char)(v >> (8 * i)); }

static void flush_raw(tarscan *s) {
    if (s->split_fd < 0 || s->split_failed || s->raw_len == 0) { s->raw_len = 0; return; }
    unsigned char h[9] = {'R'};
    put_u64(h + 1, s->raw_len);
    if (write_all(s->split_fd, h, 9) || write_all(s->split_fd, s->raw, s->raw_len)) s->split_failed = 1;
    s->raw_len = 0;
}

static void raw(tarscan *s, const unsigned char *p, size_t n) {
    if (s->split_fd < 0 || s->split_failed || n == 0) return;
    if (s->raw_len + n > s->raw_cap) {
        if (s->raw_len) flush_raw(s);
        if (n > s->raw_cap) {
            size_t cap = n > (1u << 16) ? n : (1u << 16);
            unsigned char *nb = realloc(s->raw, cap);
            if (!nb) { s->split_failed = 1; return; }
            s->raw = nb; s->raw_cap = cap;
        }
    }
    memcpy(s->raw + s->raw_len, p, n);
    s->raw_len += n;
}

static void file_record(tarscan *s, uint64_t size) {
    if (s->split_fd < 0 || s->split_failed) return;
    flush_raw(s);
    unsigned char h[9] = {'F'};
    put_u64(h + 1, size);
    if (write_all(s->split_fd, h, 9)) { s->split_failed = 1; return; }
    if (s->nsizes == s->sizes_cap) {
        size_t cap = s->sizes_cap ? s->sizes_cap * 2 : 1024;
        uint64_t *nb = realloc(s->sizes, cap * sizeof *nb);
        if (!nb) { s->split_failed = 1; return; }
        s->sizes = nb; s->sizes_cap = cap;
    }
    s->sizes[s->nsizes++] = size;
}

static uint64_t parse_size(const unsigned char *f, size_t n) {
    if (f[0] & 0x80) {  // base-256
        uint64_t v = f[0] & 0x7f;
        for (size_t i = 1; i < n; i++) v = (v << 8) | f[i];
        return v;
    }
    uint64_t v = 0;
    size_t i = 0;
    while (i < n && (f[i] == ' ' || f[i] == 0)) i++;
    for (; i < n && f[i] >= '0' && f[i] <= '7'; i++) v = v * 8 + (uint64_t)(f[i] - '0');
    return v;
}

static int checksum_ok(const unsigned char *h) {
    uint64_t want = parse_size(h + 148, 8);
    uint64_t sum = 0;
    for (int i = 0; i < 512; i++) sum += (i >= 148 && i < 156) ? ' ' : h[i];
    return sum == want;
}

static void check_pax(tarscan *s) {
    size_t i = 0;
    while (i < s->ext_len) {
        size_t len = 0, j = i;
        while (j < s->ext_len && s->ext[j] >= '0' && s->ext[j] <= '9') len = len * 10 + (size_t)(s->ext[j++] - '0');
        // A record holds its own length field and the space ("1 x" made kvlen
        // wrap), and fits in what is left (i + len could wrap for a 20-digit len).
        if (len == 0 || len > s->ext_len - i || j >= s->ext_len || s->ext[j] != ' ' || len < j + 1 - i) return;
        const char *kv = s->ext + j + 1;
        size_t kvlen = len - (j + 1 - i);
        const char *eq = memchr(kv, '=', kvlen);
        if (eq) {
            size_t klen = (size_t)(eq - kv);
            const char *val = eq + 1;
            size_t vlen = kvlen - klen - 1;
            if (vlen > 0 && val[vlen - 1] == '\n') vlen--;
            if ((klen == 4 && !memcmp(kv, "path", 4)) || (klen == 8 && !memcmp(kv, "linkpath", 8))) {
                if (memchr(val, 0, vlen) && !s->nul_name) {
                    s->nul_name = 1;
                    s->nul_len = vlen < sizeof s->nul_raw ? vlen : sizeof s->nul_raw;
                    memcpy(s->nul_raw, val, s->nul_len);
                }
            }
            if (klen > 10 && !memcmp(kv, "GNU.sparse", 10)) s->split_failed = 1;
            if (klen == 4 && !memcmp(kv, "size", 4)) {
                uint64_t v = 0;
                for (size_t k = 0; k < vlen && val[k] >= '0' && val[k] <= '9'; k++) v = v * 10 + (uint64_t)(val[k] - '0');
                s->size_override = v;
                s->has_override = 1;
            }
        }
        i += len;
    }
}

static void check_gnu_long(tarscan *s) {
    size_t end = s->ext_len;
    while (end > 0 && s->ext[end - 1] == 0) end--;
    if (memchr(s->ext, 0, end) && !s->nul_name) {
        s->nul_name = 1;
        s->nul_len = end < sizeof s->nul_raw ? end : sizeof s->nul_raw;
        memcpy(s->nul_raw, s->ext, s->nul_len);
    }
}

static void on_header(tarscan *s) {
    const unsigned char *h = s->hdr;
    int zero = 1;
    for (int i = 0; i < 512; i++) if (h[i]) { zero = 0; break; }
    if (zero) { s->done = 1; s->state = 4; return; }
    if (!checksum_ok(h)) { s->done = 1; s->state = 4; s->split_failed = 1; return; }
    char type = (char)h[156];
    uint64_t size = parse_size(h + 124, 12);
    if (s->has_override && type != 'x' && type != 'g') { size = s->size_override; s->has_override = 0; }
    if (type == '1' || type == '2' || type == '3' || type == '4' || type == '5' || type == '6') size = 0;
    if (type == 'S') s->split_failed = 1;  // GNU sparse: content is not the file's bytes
    uint64_t padded = (size + 511) & ~(uint64_t)511;
    if ((type == '0' || type == '\0' || type == '7') && size > 0) {
        file_record(s, size);
        s->skip = size;
        s->skip_after = padded - size;
        s->state = 3;
        return;
    }
    if ((type == 'x' || type == 'L' || type == 'K') && size <= (1u << 20)) {
        s->ext_type = type;
        s->ext_len = 0;
        s->ext_remaining = size;
        s->skip_after = padded - size;
        s->state = size ? 2 : 0;
        if (!size) { s->skip = padded; s->state = padded ? 1 : 0; }
    } else {
        s->skip = padded;
        s->state = padded ? 1 : 0;
    }
}

void tarscan_feed(tarscan *s, const unsigned char *p, size_t n) {
    while (n > 0) {
        if (s->state == 4) { raw(s, p, n); return; }
        if (s->state == 0) {
            size_t take = 512 - s->hdr_len;
            if (take > n) take = n;
            memcpy(s->hdr + s->hdr_len, p, take);
            raw(s, p, take);
            s->hdr_len += take; p += take; n -= take;
            if (s->hdr_len == 512) { s->hdr_len = 0; on_header(s); }
        } else if (s->state == 1 || s->state == 3) {
            uint64_t take = s->skip < n ? s->skip : n;
            if (s->state == 1) raw(s, p, (size_t)take);
            s->skip -= take; p += take; n -= (size_t)take;
            if (s->skip == 0) {
                if (s->state == 3 && s->skip_after) { s->skip = s->skip_after; s->skip_after = 0; s->state = 1; }
                else s->state = 0;
            }
        } else {
            size_t take = s->ext_remaining < n ? (size_t)s->ext_remaining : n;
            if (s->ext_len + take > s->ext_cap) {
                size_t cap = (s->ext_len + take) * 2;
                char *nb = realloc(s->ext, cap);
                if (!nb) { s->done = 1; s->state = 4; s->split_failed = 1; return; }
                s->ext = nb; s->ext_cap = cap;
            }
            memcpy(s->ext + s->ext_len, p, take);
            raw(s, p, take);
            s->ext_len += take; s->ext_remaining -= take; p += take; n -= take;
            if (s->ext_remaining == 0) {
                if (s->ext_type == 'x') check_pax(s); else check_gnu_long(s);
                s->skip = s->skip_after;
                s->state = s->skip ? 1 : 0;
            }
        }
    }
}

int tarscan_finish(tarscan *s) {
    flush_raw(s);
    if (s->state != 4) s->split_failed = 1;  // never saw the end-of-archive blocks
    return s->split_failed ? -1 : 0;
}

void tarscan_free(tarscan *s) {
    free(s->ext);
    free(s->raw);
    free(s->sizes);
}
