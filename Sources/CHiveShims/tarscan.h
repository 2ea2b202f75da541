#ifndef HIVE_TARSCAN_H
#define HIVE_TARSCAN_H
#include <stddef.h>
#include <stdint.h>

typedef struct tarscan {
    int state;               // 0 header, 1 skipping data, 2 collecting extended header data
    unsigned char hdr[512];
    size_t hdr_len;
    uint64_t skip, skip_after, ext_remaining, size_override;
    int has_override;
    char ext_type;
    char *ext;
    size_t ext_len, ext_cap;
    int done;                // end of archive or unparseable: stop looking
    int nul_name;            // a name with a NUL byte was seen
    char nul_raw[256];       // that name, up to 255 bytes (NULs included)
    size_t nul_len;
} tarscan;

void tarscan_feed(tarscan *s, const unsigned char *p, size_t n);
void tarscan_free(tarscan *s);
#endif
