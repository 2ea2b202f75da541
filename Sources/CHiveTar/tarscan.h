#ifndef HIVE_TARSCAN_H
#define HIVE_TARSCAN_H
#include <stddef.h>
#include <stdint.h>

// Walks tar headers in a raw byte stream alongside libarchive. It
//  - catches NUL bytes in pax path/linkpath values and GNU long names, which
//    libarchive silently truncates;
//  - optionally writes a "tar-split": every byte of the stream except the
//    content of regular files, so the exact tar (and its diffID) can be
//    rebuilt later from the extracted files without storing the tar twice.
//    Records: 'R' u64le len + bytes (raw), 'F' u64le size (next regular file).
typedef struct tarscan {
    int state;               // 0 header, 1 raw data, 2 ext header data, 3 file content, 4 after the end
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
    // tar-split
    int split_fd;            // -1: no split
    int split_failed;        // the stream cannot be split faithfully (or a write failed)
    unsigned char *raw;      // pending raw bytes
    size_t raw_len, raw_cap;
    uint64_t *sizes;         // content size of each regular file, in order
    size_t nsizes, sizes_cap;
} tarscan;

void tarscan_feed(tarscan *s, const unsigned char *p, size_t n);
// Flushes pending raw bytes to the split; returns 0, or -1 if the split failed.
int tarscan_finish(tarscan *s);
void tarscan_free(tarscan *s);
#endif
