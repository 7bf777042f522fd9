/*
 * api/server.c - the HTTP API server (libevent evhttp) on the node's loop.
 *
 * Endpoints (GET and HEAD; every other method is 405 with "Allow: GET,
 * HEAD"; every other path 404; both with a JSON error body):
 *
 *   /                 index of the endpoints (JSON)
 *   /metrics          Prometheus text format 0.0.4 (api/metrics.c)
 *   /api/v1/health    node, mode, uptime, journal, links summary; 503 when
 *                     the journal has failed
 *   /api/v1/links     one object per configured peer (api/json.c)
 *   /api/v1/tracks    this node's current national tracks
 *   /api/v1/events    Server-Sent Events: "link" and "track" events
 *
 * How it works.
 *
 * Connections. evhttp accepts; every connection's bufferevent is made
 * here (evhttp_set_bevcb) as a pass-through filter over a socket
 * bufferevent, for two reasons libevent 2.1's evhttp has no hook for:
 * the filter's free callback tells when a connection is gone (to keep
 * the open-connection count), and its input side counts bytes received
 * since the last request that reached the router. evhttp answers a
 * request line or header that is malformed or over the size limit with
 * its own 400 page and closes, without calling the router; a connection
 * that closes with unrouted bytes is counted as a bad request
 * ("too_large" when more bytes than the header limit arrived, else
 * "malformed"). The socket bufferevent is freed by the filter's free
 * callback; neither closes the socket (evhttp does). At max_conns
 * open connections the listener is disabled (the kernel's backlog holds
 * further connects) and re-enabled when one closes.
 * A request must arrive whole within timeout_ns of its first byte
 * (on_deadline; evhttp's own timeout restarts with every byte read).
 *
 * The filter's output side writes straight to the socket (out_filter)
 * and keeps in the filter what the kernel did not take, retrying when
 * the socket is writable. evhttp considers a response sent when the
 * filter's output is empty and may then shut the socket down; with the
 * default pass-through a response would only have reached the socket
 * bufferevent's buffer by then and a "Connection: close" reply would be
 * lost. So "empty" here means "in the kernel". Output added to the
 * filter also schedules a write (on_output -> on_writable, BEV_FLUSH):
 * evhttp writes status lines and its own error pages while writing is
 * disabled on the connection, which a filter would otherwise never pass
 * on.
 *
 * Tracks. The table behind /api/v1/tracks is fed from the journal, not
 * from the tracker: every TRACK envelope of this node's own origin
 * (what the national tracker shared, impact and launch predictions
 * included) replaces the entry of its track id; status DELETED removes
 * it. The daemon replays the journal through it at start, so a
 * restarted node shows the same table; then each append of an own
 * record schedules a read of the new records (api_journal_appended) at
 * the end of the loop iteration, in chunks of TRACK_CHUNK records
 * (partners' records are read past, never woken for).
 *
 * SSE. Each client is an evhttp chunked reply that never ends. Events:
 *
 *   id: <n>\nevent: link\ndata: <api_json_link + "prev_state">\n\n
 *   id: <n>\nevent: track\ndata: <api_json_track>\n\n
 *   : heartbeat <time>\n\n                     every sse_heartbeat_ns
 *
 * Link state changes come from the node itself: the daemon forwards
 * net_node_opts.on_link_state to api_link_state, which the node calls
 * from its single transition function, after the change, on this loop.
 * Each call writes one "link" event at once (state = the new state,
 * prev_state = the old one, since = the transition's time), so every
 * transition is one event, in the order the node made them, however
 * close together (nothing is sampled; down -> up -> down between two
 * loop iterations is three events), and counts it in
 * link_transitions[peer][new state]. A client's queue is what its connection
 * has not yet written to the socket; when an event would take it over
 * sse_queue_bytes the client is dropped (counted), so a stalled reader
 * costs at most that much memory. A stream's request is owned
 * (evhttp_request_own) and freed once evhttp has let go of its
 * connection (sse_closed/reap); an event on the socket sees a client
 * leave at once (evhttp does not read while it sends).
 *
 * Invariants:
 *  1. Every response the router sends is counted by status code;
 *     every refused request by reason (metrics.h enum api_bad).
 *  2. Open connections <= max_conns except for connections accepted in
 *     the same accept batch, which are answered 503 and closed.
 *  3. Open SSE streams <= max_sse_clients; queued bytes per stream <=
 *     sse_queue_bytes + one event.
 *  4. The track table holds at most max_tracks entries.
 *  5. Nothing here blocks the loop beyond a bounded journal read.
 */
#include "api/api.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <jansson.h>

#include "api/json.h"
#include "core/time.h"
#include "net/linkstate.h"
#include "wire/envelope.h"
#include "wire/payload.h"

#define MOD         "api"
#define TRACK_CHUNK 4096
#define EVENT_MAX   16384 /* bytes of one SSE event */

struct api_conn {
	struct api *a;
	struct bufferevent *bev;   /* the filter evhttp uses */
	struct bufferevent *under; /* its socket bufferevent */
	struct event *ev_wr;       /* socket writable again (out_filter) */
	struct event *ev_kick;     /* output was added: run out_filter */
	struct event *ev_deadline; /* a request's bytes began arriving timeout_ns ago */
	size_t unrouted;           /* bytes received since the last routed request */
	bool over_limit;           /* accepted beyond max_conns (answered 503) */
	struct api_conn *prev, *next;
};

struct sse_client {
	struct api *a;
	struct evhttp_request *req;
	struct evhttp_connection *evcon;
	struct api_conn *conn;
	struct event *ev_eof; /* the socket, to see the client leave at once */
	struct sse_client *prev, *next;
};

struct api {
	struct api_opts o;
	char host[64], nation[8], name[40], version[24];
	struct evhttp *http;
	struct evhttp_bound_socket *bound;
	uint16_t port;
	int64_t start_ns, start_mono_ns;
	struct api_conn *conns;
	bool listening; /* listener enabled */
	struct sse_client *sse;
	struct sse_client *dead; /* closed; requests to free (sse_closed) */
	uint64_t event_id;
	struct event *ev_hb, *ev_journal, *ev_reap;
	struct api_track *tracks;
	size_t n_tracks;
	uint64_t next_pos; /* journal read cursor */
	struct api_counters c;
};

/* ------------------------------------------------------------ helpers */

static struct timeval tv_of(int64_t ns)
{
	struct timeval tv = {(time_t)(ns / 1000000000), (suseconds_t)(ns % 1000000000 / 1000)};
	return tv;
}

static enum api_code code_of(int status)
{
	for (int c = 0; c < API_CODE_COUNT; c++)
		if (api_code_status((enum api_code)c) == status)
			return (enum api_code)c;
	return API_CODE_500;
}

static const char *reason_of(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 503:
		return "Service Unavailable";
	default:
		return "Internal Server Error";
	}
}

static void common_headers(struct evhttp_request *req, const char *ctype)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	evhttp_add_header(h, "Content-Type", ctype);
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
}

static struct api_conn *conn_of(struct api *a, struct evhttp_request *req);

/* Send a complete response and count it (invariant 1). body may be NULL. */
static void reply(struct api *a, struct evhttp_request *req, int status, const char *ctype,
                  struct evbuffer *body)
{
	a->c.requests[code_of(status)]++;
	common_headers(req, ctype);
	evhttp_send_reply(req, status, reason_of(status), body);
}

/* Serialise o (consumed) and send it; 500 if it is NULL or too large. */
static void reply_json(struct api *a, struct evhttp_request *req, int status, json_t *o)
{
	char *s = o ? json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(12)) : NULL;
	json_decref(o);
	size_t n = s ? strlen(s) : 0;
	struct evbuffer *b = evbuffer_new();
	if (!s || !b || n + 1 > a->o.max_response_bytes || evbuffer_add(b, s, n) ||
	    evbuffer_add(b, "\n", 1)) {
		a->c.render_errors++;
		if (b)
			evbuffer_drain(b, evbuffer_get_length(b));
		if (b)
			evbuffer_add_printf(b, "{\"error\":\"response could not be built\","
			                       "\"status\":500}\n");
		reply(a, req, 500, "application/json", b);
	} else {
		reply(a, req, status, "application/json", b);
	}
	free(s);
	if (b)
		evbuffer_free(b);
}

static void reply_error(struct api *a, struct evhttp_request *req, int status, const char *msg)
{
	reply_json(a, req, status, api_json_error(status, msg));
}

/* ---------------------------------------------------------- snapshot */

static const char *mode_str(const struct api *a)
{
	return a->o.exercise ? "exercise" : "live";
}

static void fill_snapshot(struct api *a, struct api_snapshot *s)
{
	memset(s, 0, sizeof(*s));
	s->nation = a->nation;
	s->name = a->name;
	s->mode = mode_str(a);
	s->version = a->version;
	s->start_ns = a->start_ns;
	s->now_s = mw_time_now_ns() / 1000000000;
	s->uptime_ns = mw_time_mono_ns() - a->start_mono_ns;
	if (a->o.node) {
		s->have_node = true;
		net_node_get_stats(a->o.node, &s->net);
		size_t n = net_node_n_peers(a->o.node);
		for (size_t i = 0; i < n && s->n_peers < NET_MAX_PEERS; i++)
			if (net_node_peer_status(a->o.node, i, &s->peers[s->n_peers]) == 0) {
				/* keep the transition counts aligned with peers[] */
				memcpy(s->link_transitions[s->n_peers], a->c.link_transitions[i],
				       sizeof(s->link_transitions[0]));
				s->n_peers++;
			}
		s->journal_failed = net_node_failed(a->o.node);
		s->own_cert_fault = net_node_own_cert_fault(a->o.node);
		net_node_cert_not_after(a->o.node, &s->own_cert_na_s, &s->ca_cert_na_s);
	}
	if (a->o.journal) {
		s->have_journal = true;
		store_journal_get_stats(a->o.journal, &s->js);
	}
	if (a->o.nat) {
		s->have_national = true;
		net_national_get_stats(a->o.nat, &s->nat);
		s->nat_live[0] = net_national_live_tracks(a->o.nat, 0);
		s->nat_live[1] = net_national_live_tracks(a->o.nat, 1);
	}
	s->api = a->c;
	s->api.tracks_live = a->n_tracks;
}

/* ----------------------------------------------------------- handlers */

static void h_metrics(struct api *a, struct evhttp_request *req)
{
	struct api_snapshot *s = malloc(sizeof(*s));
	struct mw_buf buf;
	mw_buf_init(&buf, a->o.max_response_bytes);
	struct evbuffer *b = evbuffer_new();
	int rc = !s || !b ? -ENOMEM : 0;
	if (rc == 0) {
		fill_snapshot(a, s);
		rc = api_metrics_render(s, &buf);
	}
	if (rc == 0 && evbuffer_add(b, mw_buf_peek(&buf), mw_buf_used(&buf)) != 0)
		rc = -ENOMEM;
	if (rc == 0) {
		reply(a, req, 200, "text/plain; version=0.0.4; charset=utf-8", b);
	} else {
		a->c.render_errors++;
		mw_logf(a->o.log, MW_LOG_ERROR, MOD, "/metrics: %s", mw_strerror(rc));
		reply_error(a, req, 500, "metrics could not be rendered");
	}
	if (b)
		evbuffer_free(b);
	mw_buf_finish(&buf);
	free(s);
}

static void h_health(struct api *a, struct evhttp_request *req)
{
	struct api_health h;
	memset(&h, 0, sizeof(h));
	h.nation = a->nation;
	h.name = a->name;
	h.mode = mode_str(a);
	h.version = a->version;
	h.now_ns = mw_time_now_ns();
	h.uptime_ns = mw_time_mono_ns() - a->start_mono_ns;
	if (a->o.node) {
		h.journal_failed = net_node_failed(a->o.node);
		h.own_cert_fault = net_node_own_cert_fault(a->o.node);
		net_node_cert_not_after(a->o.node, &h.own_cert_na_s, &h.ca_cert_na_s);
		size_t n = net_node_n_peers(a->o.node);
		for (size_t i = 0; i < n; i++) {
			struct net_peer_status ps;
			if (net_node_peer_status(a->o.node, i, &ps) != 0)
				continue;
			h.n_peers++;
			if (ps.state == NET_LINK_UP)
				h.links_up++;
			else if (ps.state == NET_LINK_DEGRADED)
				h.links_degraded++;
			else
				h.links_down++;
		}
	}
	if (a->o.journal) {
		struct store_journal_stats js;
		store_journal_get_stats(a->o.journal, &js);
		h.journal_last_err = js.last_err;
		h.durable_pos = js.durable_pos;
		h.last_pos = js.last_pos;
	}
	h.tracks = a->n_tracks;
	reply_json(a, req, h.journal_failed ? 503 : 200, api_json_health(&h));
}

static void h_links(struct api *a, struct evhttp_request *req)
{
	json_t *arr = json_array();
	size_t n = a->o.node ? net_node_n_peers(a->o.node) : 0;
	for (size_t i = 0; arr && i < n; i++) {
		struct net_peer_status ps;
		if (net_node_peer_status(a->o.node, i, &ps) != 0)
			continue;
		if (json_array_append_new(arr, api_json_link(&ps)) != 0) {
			json_decref(arr);
			arr = NULL;
		}
	}
	reply_json(a, req, 200,
	           arr ? json_pack("{s:s,s:o,s:o}", "nation", a->nation, "time",
	                           api_json_time(mw_time_now_ns()), "links", arr)
	               : NULL);
}

static void h_tracks(struct api *a, struct evhttp_request *req)
{
	json_t *arr = json_array();
	for (size_t i = 0; arr && i < a->n_tracks; i++)
		if (json_array_append_new(arr, api_json_track(&a->tracks[i])) != 0) {
			json_decref(arr);
			arr = NULL;
		}
	reply_json(a, req, 200,
	           arr ? json_pack("{s:s,s:s,s:o,s:o}", "nation", a->nation, "mode", mode_str(a),
	                           "time", api_json_time(mw_time_now_ns()), "tracks", arr)
	               : NULL);
}

static void h_index(struct api *a, struct evhttp_request *req)
{
	reply_json(a, req, 200,
	           json_pack("{s:s,s:s,s:[s,s,s,s,s]}", "service", "mwlink", "nation", a->nation,
	                     "endpoints", "/metrics", "/api/v1/health", "/api/v1/links",
	                     "/api/v1/tracks", "/api/v1/events"));
}

/* -------------------------------------------------------------- SSE */

static void sse_unlink(struct sse_client *c)
{
	struct api *a = c->a;
	if (c->prev)
		c->prev->next = c->next;
	else
		a->sse = c->next;
	if (c->next)
		c->next->prev = c->prev;
	a->c.sse_clients--;
}

/* The client's connection closed, failed or is being freed (api_free):
 * forget the client. evhttp calls this before it takes the requests off
 * the connection (evhttp_connection_free), or after it took a failed
 * one off (a client that left): either way the request, which is ours
 * (evhttp_request_own), can only be freed once evhttp is done with the
 * connection - at the end of this loop iteration (reap) or in api_free. */
static void sse_closed(struct evhttp_connection *evcon, void *arg)
{
	(void)evcon;
	struct sse_client *c = arg;
	struct api *a = c->a;
	sse_unlink(c);
	if (c->ev_eof)
		event_free(c->ev_eof);
	c->ev_eof = NULL;
	c->prev = NULL;
	c->next = a->dead;
	a->dead = c;
	if (a->ev_reap)
		event_active(a->ev_reap, EV_TIMEOUT, 0);
}

static void reap(struct api *a)
{
	while (a->dead) {
		struct sse_client *c = a->dead;
		a->dead = c->next;
		evhttp_request_free(c->req);
		free(c);
	}
}

static void on_reap(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	reap(arg);
}

/* Close a client's connection: its queue is full (slow), or it left. */
static void sse_close(struct sse_client *c, bool slow)
{
	struct api *a = c->a;
	struct evhttp_connection *evcon = c->evcon;
	if (slow) {
		a->c.sse_dropped_slow++;
		mw_logf(a->o.log, MW_LOG_WARN, MOD, "SSE client dropped: more than %u bytes queued",
		        a->o.sse_queue_bytes);
	}
	struct evhttp_request *req = c->req;
	evhttp_connection_set_closecb(evcon, NULL, NULL);
	sse_unlink(c);
	if (c->ev_eof)
		event_free(c->ev_eof);
	free(c);
	evhttp_connection_free(evcon);
	evhttp_request_free(req); /* owned: the connection did not free it */
}

/* The stream's socket is readable. evhttp does not read while it sends
 * a reply, so a client that closes would only be noticed by the next
 * write; this sees it at once. A client has nothing to say on an event
 * stream: bytes it sends are read and dropped. */
static void sse_readable(evutil_socket_t fd, short what, void *arg)
{
	(void)what;
	struct sse_client *c = arg;
	char buf[512];
	ssize_t n = recv(fd, buf, sizeof(buf), 0);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
		sse_close(c, false);
}

static size_t sse_queued(const struct sse_client *c)
{
	/* what the kernel has not taken (out_filter keeps it in the filter) */
	return evbuffer_get_length(bufferevent_get_output(c->conn->bev));
}

/* Write text to every client; type counts one event per client. */
static void sse_broadcast(struct api *a, enum api_sse_ev type, const char *text, size_t n)
{
	struct sse_client *c = a->sse, *next;
	for (; c; c = next) {
		next = c->next;
		if (sse_queued(c) + n > a->o.sse_queue_bytes) {
			sse_close(c, true);
			continue;
		}
		struct evbuffer *b = evbuffer_new();
		if (!b || evbuffer_add(b, text, n) != 0) {
			if (b)
				evbuffer_free(b);
			continue;
		}
		evhttp_send_reply_chunk(c->req, b);
		evbuffer_free(b);
		a->c.sse_events[type]++;
	}
}

/* "id: n\nevent: type\ndata: <json>\n\n" to every client; o consumed. */
static void sse_event(struct api *a, enum api_sse_ev type, json_t *o)
{
	if (!a->sse || !o) {
		json_decref(o);
		return;
	}
	char *s = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(12));
	json_decref(o);
	if (!s) {
		a->c.render_errors++;
		return;
	}
	char *ev = malloc(EVENT_MAX);
	int n = ev ? snprintf(ev, EVENT_MAX, "id: %llu\nevent: %s\ndata: %s\n\n",
	                      (unsigned long long)++a->event_id, api_sse_ev_str(type), s)
	           : -1;
	if (n > 0 && n < EVENT_MAX)
		sse_broadcast(a, type, ev, (size_t)n);
	else
		a->c.render_errors++;
	free(ev);
	free(s);
}

static struct api_conn *conn_of(struct api *a, struct evhttp_request *req)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct bufferevent *bev = evcon ? evhttp_connection_get_bufferevent(evcon) : NULL;
	for (struct api_conn *c = a->conns; c; c = c->next)
		if (c->bev == bev)
			return c;
	return NULL;
}

static void h_events(struct api *a, struct evhttp_request *req, struct api_conn *conn)
{
	if (evhttp_request_get_command(req) == EVHTTP_REQ_HEAD) {
		reply(a, req, 200, "text/event-stream", NULL);
		return;
	}
	if (a->c.sse_clients >= a->o.max_sse_clients) {
		a->c.bad[API_BAD_SSE_FULL]++;
		reply_error(a, req, 503, "too many event stream clients");
		return;
	}
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct sse_client *c = calloc(1, sizeof(*c));
	if (!c || !conn || !evcon) {
		free(c);
		reply_error(a, req, 500, "cannot open the event stream");
		return;
	}
	c->a = a;
	c->req = req;
	c->evcon = evcon;
	c->conn = conn;
	c->next = a->sse;
	if (a->sse)
		a->sse->prev = c;
	a->sse = c;
	a->c.sse_clients++;
	a->c.sse_opened++;
	a->c.requests[API_CODE_200]++;
	/* the stream outlives the request timeout; a dead reader is found by
	 * its queue filling up (heartbeats keep writing) */
	evhttp_connection_set_timeout(evcon, 24 * 3600);
	/* the request is never finished: when the connection goes, evhttp
	 * would leave it detached and unfreed (libevent 2.1); owning it
	 * makes every path free it here, exactly once */
	evhttp_request_own(req);
	evhttp_connection_set_closecb(evcon, sse_closed, c);
	/* From here on only sse_readable reads the socket (and drops what it
	 * reads): the socket bufferevent would buffer whatever a client sends
	 * on a stream, without limit, as nobody consumes it. */
	bufferevent_disable(conn->under, EV_READ);
	evutil_socket_t fd = bufferevent_getfd(conn->under);
	c->ev_eof =
	    fd >= 0 ? event_new(a->o.base, fd, EV_READ | EV_PERSIST, sse_readable, c) : NULL;
	if (c->ev_eof)
		event_add(c->ev_eof, NULL);
	common_headers(req, "text/event-stream");
	evhttp_send_reply_start(req, 200, "OK");
	struct evbuffer *b = evbuffer_new();
	if (b) {
		evbuffer_add_printf(b, ": mwlink %s events\nretry: 2000\n\n", a->nation);
		evhttp_send_reply_chunk(req, b);
		evbuffer_free(b);
	}
}

static void on_heartbeat(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct api *a = arg;
	if (!a->sse)
		return;
	char t[48] = "";
	mw_time_format(mw_time_now_ns(), 3, t, sizeof(t));
	char line[80];
	int n = snprintf(line, sizeof(line), ": heartbeat %s\n\n", t);
	sse_broadcast(a, API_SSE_HEARTBEAT, line, (size_t)n);
}

void api_link_state(struct api *a, size_t peer_index, enum net_link_state old,
                    enum net_link_state new_state, int64_t t_ns)
{
	if (!a || (int)old < 0 || old >= NET_LINK_STATE_COUNT || (int)new_state < 0 ||
	    new_state >= NET_LINK_STATE_COUNT)
		return;
	if (peer_index < NET_MAX_PEERS)
		a->c.link_transitions[peer_index][new_state]++;
	if (!a->sse)
		return;
	/* the rest of the link (name, counters) as it is now: the node calls
	 * this right after the change, so it is the state after it */
	struct net_peer_status ps;
	memset(&ps, 0, sizeof(ps));
	if (a->o.node)
		net_node_peer_status(a->o.node, peer_index, &ps); /* stays zeroed on failure */
	ps.state = new_state;
	ps.since_ns = t_ns;
	json_t *o = api_json_link(&ps);
	if (o)
		json_object_set_new(o, "prev_state", json_string(net_link_state_str(old)));
	sse_event(a, API_SSE_LINK, o);
}

/* ------------------------------------------------------------ tracks */

struct read_ctx {
	struct api *a;
};

static struct api_track *track_find(struct api *a, uint64_t id)
{
	for (size_t i = 0; i < a->n_tracks; i++)
		if (a->tracks[i].track_id == id)
			return &a->tracks[i];
	return NULL;
}

static int on_record(void *ud, const struct store_rec *r)
{
	struct api *a = ud;
	if (r->kind != WIRE_KIND_TRACK || strcmp(r->origin, a->nation) != 0)
		return 0;
	a->c.track_records++;
	struct wire_envelope e;
	if (wire_envelope_decode(r->bytes, r->len, &e) != 0) {
		a->c.track_bad++;
		return 0;
	}
	struct api_track t;
	memset(&t, 0, sizeof(t));
	snprintf(t.origin, sizeof(t.origin), "%s", e.hdr.origin);
	t.exercise = e.hdr.exercise;
	t.data_t_ns = e.hdr.data_t_ns;
	t.seq = e.hdr.seq;
	t.journal_pos = r->pos;
	int rc = api_track_decode(e.hdr.payload, e.hdr.payload_len, &t);
	wire_envelope_finish(&e);
	if (rc != 0) {
		a->c.track_bad++;
		return 0;
	}
	struct api_track *old = track_find(a, t.track_id);
	if (t.status == MWLINK__TRACK_STATUS__TRACK_DELETED) {
		if (old) {
			*old = a->tracks[--a->n_tracks];
		}
	} else if (old) {
		*old = t;
	} else if (a->n_tracks < a->o.max_tracks) {
		a->tracks[a->n_tracks++] = t;
	} else {
		a->c.tracks_full++;
		return 0;
	}
	sse_event(a, API_SSE_TRACK, api_json_track(&t));
	return 0;
}

int api_catch_up(struct api *a, size_t max_recs)
{
	if (!a->o.journal)
		return 0;
	uint64_t next = a->next_pos;
	int got = store_journal_read(a->o.journal, a->next_pos, STORE_READ_PENDING, max_recs,
	                             on_record, a, &next);
	if (got >= 0)
		a->next_pos = next;
	else
		a->c.journal_read_errors++;
	return got;
}

static void on_journal_ev(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct api *a = arg;
	int got = api_catch_up(a, TRACK_CHUNK);
	if (got < 0)
		mw_logf(a->o.log, MW_LOG_ERROR, MOD, "track table: journal read: %s",
		        mw_strerror(got));
	else if (got == TRACK_CHUNK) {
		/* more, after the loop has polled again (a timer due now; an
		 * event_active here would run before any socket: mwlinkd.c
		 * on_nat) */
		static const struct timeval now = {0, 0};
		evtimer_add(a->ev_journal, &now);
	}
}

void api_journal_appended(struct api *a, const char *origin)
{
	if (a && a->ev_journal && (!origin || strcmp(origin, a->nation) == 0))
		event_active(a->ev_journal, EV_TIMEOUT, 0);
}

/* ------------------------------------------------------------ router */

static void on_request(struct evhttp_request *req, void *arg)
{
	struct api *a = arg;
	struct api_conn *conn = conn_of(a, req);
	if (conn)
		conn->unrouted = 0;
	if (conn && conn->ev_deadline)
		event_del(conn->ev_deadline);
	if (conn && conn->over_limit) {
		a->c.bad[API_BAD_CONN_LIMIT]++;
		evhttp_add_header(evhttp_request_get_output_headers(req), "Connection", "close");
		reply_error(a, req, 503, "too many connections");
		return;
	}
	const struct evhttp_uri *u = evhttp_request_get_evhttp_uri(req);
	const char *path = u ? evhttp_uri_get_path(u) : NULL;
	if (!path || !*path)
		path = "/";
	static const char *const paths[] = {
	    "/", "/metrics", "/api/v1/health", "/api/v1/links", "/api/v1/tracks", "/api/v1/events"};
	size_t k = 0, np = sizeof(paths) / sizeof(paths[0]);
	while (k < np && strcmp(path, paths[k]) != 0)
		k++;
	if (k == np) {
		a->c.bad[API_BAD_UNKNOWN_PATH]++;
		reply_error(a, req, 404, "no such resource");
		return;
	}
	enum evhttp_cmd_type m = evhttp_request_get_command(req);
	if (m != EVHTTP_REQ_GET && m != EVHTTP_REQ_HEAD) {
		a->c.bad[API_BAD_METHOD]++;
		evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "GET, HEAD");
		reply_error(a, req, 405, "method not allowed (GET, HEAD)");
		return;
	}
	switch (k) {
	case 0:
		h_index(a, req);
		break;
	case 1:
		h_metrics(a, req);
		break;
	case 2:
		h_health(a, req);
		break;
	case 3:
		h_links(a, req);
		break;
	case 4:
		h_tracks(a, req);
		break;
	default:
		h_events(a, req, conn);
		break;
	}
}

/* -------------------------------------------------------- connections */

static void deadline_arm(struct api_conn *c);

/* A request (line, headers and body) must arrive within timeout_ns of its
 * first byte. evhttp's read timeout restarts with every byte, so a client
 * trickling a header line every few seconds ("slowloris") would otherwise
 * hold one of max_conns connections until the header limit ran out
 * (8 KiB at a byte per 9 s: about 20 hours). Shutting the socket down
 * makes evhttp see EOF mid-request and free the connection; conn_gone
 * counts it (API_BAD_MALFORMED, or TOO_LARGE). */
static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct api_conn *c = arg;
	evutil_socket_t s = bufferevent_getfd(c->under);
	if (c->unrouted > 0 && c->a && evbuffer_get_length(bufferevent_get_output(c->bev)) > 0) {
		/* still writing the previous response: evhttp reads the next
		 * request only after it (pipelining); the write timeout covers that */
		deadline_arm(c);
		return;
	}
	if (c->unrouted > 0 && s >= 0)
		shutdown(s, SHUT_RDWR);
}

static void deadline_arm(struct api_conn *c)
{
	if (!c->ev_deadline)
		c->ev_deadline = event_new(bufferevent_get_base(c->bev), -1, 0, on_deadline, c);
	struct timeval tv = tv_of(c->a->o.timeout_ns);
	if (c->ev_deadline)
		event_add(c->ev_deadline, &tv);
}

static enum bufferevent_filter_result in_filter(struct evbuffer *src, struct evbuffer *dst,
                                                ev_ssize_t lim, enum bufferevent_flush_mode mode,
                                                void *ctx)
{
	(void)mode;
	struct api_conn *c = ctx;
	size_t n = evbuffer_get_length(src);
	if (lim >= 0 && (size_t)lim < n)
		n = (size_t)lim;
	int moved = evbuffer_remove_buffer(src, dst, n);
	if (moved > 0 && c->unrouted == 0 && c->a)
		deadline_arm(c);
	if (moved > 0)
		c->unrouted += (size_t)moved;
	return BEV_OK;
}

/* Run out_filter now. BEV_FLUSH: a filter bufferevent only passes its
 * output on by itself (BEV_NORMAL) while writing is enabled, and evhttp
 * adds a status line and headers while it is disabled, enabling it
 * afterwards (which does not make the filter look again) or, for the
 * error pages it makes itself (bad or oversized request), not at all:
 * without this a response could sit here until the connection timed out. */
static void on_writable(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct api_conn *c = arg;
	/* Only with something to write: a BEV_FLUSH of an empty output still
	 * "processes" it and runs the write callback, and evhttp, already
	 * reading the next request on a keep-alive connection, would take
	 * that for the end of a response and close (it lost pipelined
	 * requests that way under load). */
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) > 0)
		bufferevent_flush(c->bev, EV_WRITE, BEV_FLUSH);
}

/* Bytes were added to the connection's output: write them at the end of
 * this loop iteration (not from inside evhttp's call that added them). */
static void on_output(struct evbuffer *b, const struct evbuffer_cb_info *info, void *arg)
{
	(void)b;
	struct api_conn *c = arg;
	if (info->n_added > 0 && c->ev_kick)
		event_active(c->ev_kick, EV_WRITE, 0);
}

/* Write what evhttp queued straight to the socket (header comment).
 * Returns BEV_OK when everything is in the kernel, BEV_NEED_MORE with
 * the rest kept (and a retry armed) otherwise, BEV_ERROR if the socket
 * failed. dst (the socket bufferevent's output) stays empty. */
static enum bufferevent_filter_result out_filter(struct evbuffer *src, struct evbuffer *dst,
                                                 ev_ssize_t lim, enum bufferevent_flush_mode mode,
                                                 void *ctx)
{
	(void)dst;
	(void)lim;
	(void)mode;
	struct api_conn *c = ctx;
	evutil_socket_t fd = bufferevent_getfd(c->under);
	if (fd < 0)
		return BEV_ERROR;
	while (evbuffer_get_length(src) > 0) {
		int n = evbuffer_write(src, fd);
		if (n > 0)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
			if (!c->ev_wr)
				c->ev_wr = event_new(bufferevent_get_base(c->bev), fd, EV_WRITE,
				                     on_writable, c);
			if (!c->ev_wr || event_add(c->ev_wr, NULL) != 0)
				return BEV_ERROR;
			return BEV_NEED_MORE;
		}
		return BEV_ERROR;
	}
	return BEV_OK;
}

static void listener_set(struct api *a, bool on)
{
	struct evconnlistener *l = evhttp_bound_socket_get_listener(a->bound);
	if (!l || a->listening == on)
		return;
	if (on)
		evconnlistener_enable(l);
	else
		evconnlistener_disable(l);
	a->listening = on;
}

/* The filter is being freed: the connection is gone. */
static void conn_gone(void *ctx)
{
	struct api_conn *c = ctx;
	struct api *a = c->a;
	if (c->ev_wr)
		event_free(c->ev_wr);
	if (c->ev_kick)
		event_free(c->ev_kick);
	if (c->ev_deadline)
		event_free(c->ev_deadline);
	/* our reference; the filter drops its own after this callback */
	bufferevent_free(c->under);
	if (!a) { /* the API was freed first (api_free detached it) */
		free(c);
		return;
	}
	if (c->unrouted > 0) /* a request evhttp refused before routing */
		a->c.bad[c->unrouted > a->o.max_header_bytes ? API_BAD_TOO_LARGE
		                                             : API_BAD_MALFORMED]++;
	if (c->prev)
		c->prev->next = c->next;
	else
		a->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	a->c.conns_live--;
	free(c);
	if (a->bound && a->c.conns_live < a->o.max_conns)
		listener_set(a, true);
}

static struct bufferevent *new_conn_bev(struct event_base *base, void *arg)
{
	struct api *a = arg;
	struct api_conn *c = calloc(1, sizeof(*c));
	/* Neither bufferevent closes the socket: evhttp closes it itself when
	 * the filter lacks BEV_OPT_CLOSE_ON_FREE, and conn_gone frees the
	 * socket bufferevent. (With BEV_OPT_CLOSE_ON_FREE libevent 2.1 warns
	 * on stderr about the socket bufferevent's references on every
	 * server-side close.) */
	struct bufferevent *under = bufferevent_socket_new(base, -1, 0);
	struct event *kick = c ? event_new(base, -1, 0, on_writable, c) : NULL;
	struct bufferevent *f =
	    c && under && kick
	        ? bufferevent_filter_new(under, in_filter, out_filter, 0, conn_gone, c)
	        : NULL;
	if (!f || !evbuffer_add_cb(bufferevent_get_output(f), on_output, c)) {
		/* evhttp makes its own bufferevent; this connection is then not
		 * tracked (logged: only under memory exhaustion) */
		if (f) {
			c->a = NULL; /* conn_gone frees c, kick and under */
			c->ev_kick = kick;
			c->under = under;
			bufferevent_free(f);
		} else {
			if (under)
				bufferevent_free(under);
			if (kick)
				event_free(kick);
			free(c);
		}
		mw_logf(a->o.log, MW_LOG_ERROR, MOD, "connection: out of memory");
		return NULL;
	}
	/* The socket bufferevent's write callback is the filter's
	 * be_filter_writecb, which in libevent 2.1 runs the filter without
	 * holding a reference: when evhttp frees the connection from inside
	 * it (the response is out, "Connection: close"), the filter re-arms
	 * its write timeout after being finalized and is freed with that
	 * timer still queued - a use after free in the loop when it fires.
	 * Its output is always empty here (out_filter writes to the socket,
	 * on_writable retries), so that callback has nothing to do: drop it. */
	bufferevent_data_cb under_rd = NULL;
	bufferevent_event_cb under_ev = NULL;
	void *under_arg = NULL;
	bufferevent_getcb(under, &under_rd, NULL, &under_ev, &under_arg);
	bufferevent_setcb(under, under_rd, NULL, under_ev, under_arg);
	c->a = a;
	c->bev = f;
	c->under = under;
	c->ev_kick = kick;
	c->next = a->conns;
	if (a->conns)
		a->conns->prev = c;
	a->conns = c;
	a->c.conns_total++;
	if (a->c.conns_live >= a->o.max_conns)
		c->over_limit = true; /* same accept batch as the one that hit the limit */
	a->c.conns_live++;
	if (a->c.conns_live >= a->o.max_conns && a->listening) {
		a->c.conn_limit_hits++;
		mw_logf(a->o.log, MW_LOG_WARN, MOD,
		        "%u HTTP connections open: not accepting more until one closes",
		        a->o.max_conns);
		listener_set(a, false);
	}
	return f;
}

/* ------------------------------------------------------------ life */

static void defaults(struct api_opts *o)
{
#define D(f, v)                                                                                    \
	if (!o->f)                                                                                 \
	o->f = (v)
	D(max_conns, API_DEF_MAX_CONNS);
	D(max_sse_clients, API_DEF_MAX_SSE);
	D(max_header_bytes, API_DEF_MAX_HEADER_BYTES);
	D(max_body_bytes, API_DEF_MAX_BODY_BYTES);
	D(timeout_ns, API_DEF_TIMEOUT_NS);
	D(sse_heartbeat_ns, API_DEF_HEARTBEAT_NS);
	D(sse_queue_bytes, API_DEF_SSE_QUEUE_BYTES);
	D(max_tracks, API_DEF_MAX_TRACKS);
	D(max_response_bytes, API_DEF_MAX_RESPONSE);
#undef D
}

int api_new(const struct api_opts *opts, struct api **out, struct mw_errbuf *err)
{
	if (!opts || !out || !opts->base || !opts->host || !opts->nation ||
	    strlen(opts->host) >= 64 || strlen(opts->nation) >= 8) {
		mw_errbuf_set(err, "api: bad options");
		return -EINVAL;
	}
	struct api *a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->o = *opts;
	defaults(&a->o);
	snprintf(a->host, sizeof(a->host), "%s", opts->host);
	snprintf(a->nation, sizeof(a->nation), "%s", opts->nation);
	snprintf(a->name, sizeof(a->name), "%s", opts->name ? opts->name : "");
	snprintf(a->version, sizeof(a->version), "%s", opts->version ? opts->version : "");
	a->o.log = opts->log;
	a->start_ns = mw_time_now_ns();
	a->start_mono_ns = mw_time_mono_ns();
	a->next_pos = 1;
	int rc = -ENOMEM;
	a->tracks = calloc(a->o.max_tracks, sizeof(*a->tracks));
	a->http = evhttp_new(opts->base);
	a->ev_hb = event_new(opts->base, -1, EV_PERSIST, on_heartbeat, a);
	a->ev_journal = event_new(opts->base, -1, 0, on_journal_ev, a);
	a->ev_reap = event_new(opts->base, -1, 0, on_reap, a);
	if (!a->tracks || !a->http || !a->ev_hb || !a->ev_journal || !a->ev_reap)
		goto fail;
	evhttp_set_max_headers_size(a->http, a->o.max_header_bytes);
	evhttp_set_max_body_size(a->http, a->o.max_body_bytes);
	struct timeval to = tv_of(a->o.timeout_ns);
	evhttp_set_timeout_tv(a->http, &to);
	/* every method reaches the router, which answers 405 itself */
	evhttp_set_allowed_methods(a->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
	                                        EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	                                        EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE |
	                                        EVHTTP_REQ_CONNECT | EVHTTP_REQ_PATCH);
	evhttp_set_bevcb(a->http, new_conn_bev, a);
	evhttp_set_gencb(a->http, on_request, a);
	errno = 0;
	a->bound = evhttp_bind_socket_with_handle(a->http, a->host, opts->port);
	if (!a->bound) {
		rc = errno ? -errno : -EADDRNOTAVAIL;
		mw_errbuf_set(err, "[listen] http %s:%u: cannot listen: %s", a->host,
		              (unsigned)opts->port, mw_strerror(rc));
		goto fail;
	}
	a->listening = true;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	if (getsockname(evhttp_bound_socket_get_fd(a->bound), (struct sockaddr *)&ss, &sl) == 0) {
		if (ss.ss_family == AF_INET)
			a->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		else if (ss.ss_family == AF_INET6)
			a->port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	}
	struct timeval hb = tv_of(a->o.sse_heartbeat_ns);
	if (event_add(a->ev_hb, &hb) != 0) {
		mw_errbuf_set(err, "api: cannot arm timers");
		goto fail;
	}
	*out = a;
	return 0;
fail:
	if (rc == -ENOMEM && !err->msg[0])
		mw_errbuf_set(err, "api: out of memory");
	api_free(a);
	return rc;
}

void api_free(struct api *a)
{
	if (!a)
		return;
	/* SSE clients go with their connections (closecb frees each) */
	if (a->http)
		evhttp_free(a->http);
	a->bound = NULL;
	/* libevent frees a connection's bufferevents later, from the loop or
	 * event_base_free (finalizers): their contexts must not point here */
	for (struct api_conn *c = a->conns; c; c = c->next)
		c->a = NULL;
	while (a->sse) { /* not reached via closecb (connection never connected) */
		struct sse_client *c = a->sse;
		sse_unlink(c);
		if (c->ev_eof)
			event_free(c->ev_eof);
		evhttp_request_free(c->req);
		free(c);
	}
	reap(a); /* the streams evhttp_free closed */
	if (a->ev_reap)
		event_free(a->ev_reap);
	if (a->ev_hb)
		event_free(a->ev_hb);
	if (a->ev_journal)
		event_free(a->ev_journal);
	free(a->tracks);
	free(a);
}

uint16_t api_port(const struct api *a)
{
	return a->port;
}

void api_get_counters(const struct api *a, struct api_counters *out)
{
	*out = a->c;
	out->tracks_live = a->n_tracks;
}
