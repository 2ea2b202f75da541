// The attach socket (`hive attach`, `run -dit` then attach): a Unix socket in
// the container's directory; the container's output goes to every attached
// client, a client's input to the container's stdin. (Issue #14: to build.)
#include "monitor.h"

void attach_setup(struct monitor *m) { (void)m; }
int attach_pollfds(struct monitor *m, struct pollfd *fds, int cap) { (void)m; (void)fds; (void)cap; return 0; }
void attach_handle(struct monitor *m, struct pollfd *fds, int n) { (void)m; (void)fds; (void)n; }
void attach_output(struct monitor *m, const char *stream, const char *data, size_t n) { (void)m; (void)stream; (void)data; (void)n; }
void attach_container_exited(struct monitor *m, int status) { (void)m; (void)status; }
void attach_close(struct monitor *m) { (void)m; }
