/*
 * httpd.h - rockset-local's HTTP front: libmicrohttpd glue (one thread per connection), API-key
 * auth, the fault knobs (latency, fail rate, rate limit), body limits, JSON parsing of bodies,
 * and one log line per request on stderr (method, path, status, ms; never headers or bodies).
 *
 * Thread-safety: rl_httpd_start/stop from the main thread; the daemon's threads share only the
 * rl_server (whose parts are thread-safe) and the knob state here (mutex-protected).
 */
#ifndef RL_HTTPD_H
#define RL_HTTPD_H

#include "server.h"

typedef struct rl_httpd rl_httpd;

/* Listen on srv->cfg.host:port (port 0 = any free one) and serve. On success *out owns the
 * daemon and *bound_port is the port actually bound. */
int rl_httpd_start(rl_server *srv, rl_httpd **out, int *bound_port, rs_err *err);
/* Stop accepting, wait for running requests, free. NULL ok. */
void rl_httpd_stop(rl_httpd *h);

#endif
