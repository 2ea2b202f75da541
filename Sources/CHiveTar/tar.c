// libarchive's cast macros and the in-process decompressor set (STYLE.md 5).
#include <archive.h>
#include <archive_entry.h>
#include "hive_tar.h"

unsigned int hive_ae_ifmt(void) { return AE_IFMT; }
unsigned int hive_ae_ifreg(void) { return AE_IFREG; }
unsigned int hive_ae_ifdir(void) { return AE_IFDIR; }
unsigned int hive_ae_iflnk(void) { return AE_IFLNK; }
unsigned int hive_ae_ifchr(void) { return AE_IFCHR; }
unsigned int hive_ae_ifblk(void) { return AE_IFBLK; }
unsigned int hive_ae_ififo(void) { return AE_IFIFO; }
unsigned int hive_ae_ifsock(void) { return AE_IFSOCK; }

int hive_archive_support_filters(struct archive *a) {
    int rc = 0;
    // ARCHIVE_WARN: the library lacks it and would run an external program
    if (archive_read_support_filter_gzip(a) != ARCHIVE_OK) rc = -1;
    if (archive_read_support_filter_compress(a) != ARCHIVE_OK) rc = -1;
    if (archive_read_support_filter_bzip2(a) != ARCHIVE_OK) rc = -1;
    if (archive_read_support_filter_xz(a) != ARCHIVE_OK) rc = -1;
    if (archive_read_support_filter_lzma(a) != ARCHIVE_OK) rc = -1;
    if (archive_read_support_filter_lzip(a) != ARCHIVE_OK) rc = -1;
    if (archive_read_support_filter_zstd(a) != ARCHIVE_OK) rc = -1;
    if (archive_read_support_filter_lz4(a) != ARCHIVE_OK) rc = -1;
    return rc;
}
