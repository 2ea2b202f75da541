// SHA-256 through libcrypto (hardware SHA extensions where the CPU has them).
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/sha.h>
#include <stdlib.h>
#include "hive_platform.h"

struct hive_sha256 { SHA256_CTX ctx; };

hive_sha256 *hive_sha256_new(void) {
    hive_sha256 *h = malloc(sizeof *h);
    if (h) SHA256_Init(&h->ctx);
    return h;
}
void hive_sha256_update(hive_sha256 *h, const void *data, size_t len) { SHA256_Update(&h->ctx, data, len); }
void hive_sha256_final(hive_sha256 *h, unsigned char out[32]) { SHA256_Final(out, &h->ctx); }
void hive_sha256_free(hive_sha256 *h) { free(h); }
