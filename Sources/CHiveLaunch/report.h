// What a failing launch step reports over its error pipe before exiting.
// Shared by the launcher (launch_internal.h) and the libc-free exec stub
// (Sources/hive-exec-stub/stub.c), which reports exec failures the same way.
#ifndef HIVE_REPORT_H
#define HIVE_REPORT_H
struct report { char step[96]; int err; int exit_code; int described; };
#endif
