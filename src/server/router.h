/*
 * router.h - maps method + path to a handler (handlers.h) by a table of path patterns whose
 * '*' segments are captured into rq->args.
 *
 * rl_route_dispatch answers 404 NOTFOUND for an unknown path and 405 METHODNOTALLOWED for a
 * known path with another method. Thread-safety: the table is constant; call from any thread.
 */
#ifndef RL_ROUTER_H
#define RL_ROUTER_H

#include "server.h"

/* Route rq (rq->method, rq->path) and run the handler; captures are strdup'd into rq->args. */
void rl_route_dispatch(rl_req *rq);

#endif
