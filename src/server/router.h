/*
 * router.h - maps method + path to a handler (handlers.h) by a table of path patterns whose
 * '*' segments are captured into rq->args, and says who may call each route: the table holds
 * each route's privilege (auth.h), checked here and nowhere else.
 *
 * The three steps run apart so that httpd.c can refuse a request before reading its body:
 * rl_route_find (404 NOTFOUND for an unknown path, 405 METHODNOTALLOWED for a known path with
 * another method), rl_route_authorize (403 FORBIDDEN naming the missing privilege), and, once
 * the body is read, rl_route_run. Thread-safety: the table is constant; call from any thread.
 */
#ifndef RL_ROUTER_H
#define RL_ROUTER_H

#include "server.h"

/* Find rq's route: 1 (rq->route set, captures strdup'd into rq->args), else 0 after replying. */
int rl_route_find(rl_req *rq);
/* 1 when the found route needs no API key: GET / (the ping, or the console's page) and the
 * console's files under /console/ (h_console.c); they hold no data. */
int rl_route_public(const rl_req *rq);
/* 1 when the found route's body may hold NUL (\u0000): document writes, whose documents are
 * stored from the raw text. Every other body is refused with one (cJSON would cut a name). */
int rl_route_allows_nul(const rl_req *rq);
/* 1 when the found route reads its body itself, with jsonscan, and wants no cJSON tree of it
 * (rq->json stays NULL; the body is still checked to be one JSON value): document writes, whose
 * request holds up to 20,000 documents that are stored as text. */
int rl_route_raw_body(const rl_req *rq);
/* 1 when rq->who may call the found route, else 0 after replying 401 (no principal) or 403. */
int rl_route_authorize(rl_req *rq);
/* Run the found route's handler (and narrow org-wide lists to what the key may list). */
void rl_route_run(rl_req *rq);
/* find + authorize + run. */
void rl_route_dispatch(rl_req *rq);

#endif
