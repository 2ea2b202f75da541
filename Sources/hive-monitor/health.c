// Health checks (the image's HEALTHCHECK, --health-*): run through the exec
// path into the running container, their results kept in the container's
// directory, status changes reported to the engine. (Issue #14: to build.)
#include "monitor.h"

void health_setup(struct monitor *m) { (void)m; }
void health_container_started(struct monitor *m) { (void)m; }
void health_container_exited(struct monitor *m) { (void)m; }
int health_timeout_ms(struct monitor *m) { (void)m; return -1; }
int health_pollfds(struct monitor *m, struct pollfd *fds, int cap) { (void)m; (void)fds; (void)cap; return 0; }
void health_handle(struct monitor *m, struct pollfd *fds, int n) { (void)m; (void)fds; (void)n; }
void health_tick(struct monitor *m) { (void)m; }
