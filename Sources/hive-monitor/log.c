// The container's output into its log (DESIGN.md "detach"): Docker's
// json-file format through the writer the foreground run uses too
// (CHiveLaunch's hive_log_writer.h: records, 16 KiB splits, rotation at
// max-size keeping max-file files, gzip of rotated files with FLAGS z).
// With the "none" driver nothing is written. The records' "attrs" (--log-opt
// labels=/env=) are in DIR/log-attrs, written by hive at create.
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include "hive_log_writer.h"
#include "monitor.h"

static struct hive_log_writer writer;
static int log_on;

void log_setup(struct monitor *m) {
    if (m->args.log_none) return;
    // writer.gzip stays NULL: rotated files are compressed by `hive __gzip-log`
    // (the monitor does not use the deflate code)
    hive_log_gzip_helper = m->args.hive;
    hive_log_open(&writer, m->args.dir, m->args.log_max_size, m->args.log_max_file, m->args.log_compress);
    log_on = 1;
}

void log_output(struct monitor *m, int stream, const char *data, size_t n) {
    (void)m;
    if (log_on) hive_log_write(&writer, stream, data, n);
}

void log_flush(struct monitor *m) {
    (void)m;
    if (log_on) hive_log_flush(&writer);
}

void log_close(struct monitor *m) {
    (void)m;
    if (log_on) hive_log_close(&writer);
    log_on = 0;
}
