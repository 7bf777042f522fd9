/*
 * net/linkstate.c - link state transitions, backoff, RTT smoothing.
 *
 * The transition table below IS the state machine drawn in linkstate.h;
 * a -1 entry is an illegal transition (a programming error in the caller,
 * reported as -EINVAL so the caller can log it instead of corrupting the
 * link state).
 */
#include "net/linkstate.h"

#include <errno.h>

static const char *const state_names[NET_LINK_STATE_COUNT] = {
    "down", "connecting", "handshaking", "up", "degraded", "closed",
};

static const char *const event_names[NET_LEV_COUNT] = {
    "dial", "accepted", "connected", "established", "rtt_high", "rtt_ok", "fail", "shutdown",
};

#define D  NET_LINK_DOWN
#define CN NET_LINK_CONNECTING
#define H  NET_LINK_HANDSHAKING
#define U  NET_LINK_UP
#define G  NET_LINK_DEGRADED
#define X  NET_LINK_CLOSED

/* next[state][event]; -1 = illegal. Columns follow enum net_link_event:
 * dial, accepted, connected, established, rtt_high, rtt_ok, fail, shutdown */
static const signed char next_tab[NET_LINK_STATE_COUNT][NET_LEV_COUNT] = {
    [NET_LINK_DOWN] = {CN, H, -1, -1, -1, -1, D, X},
    [NET_LINK_CONNECTING] = {-1, -1, H, -1, -1, -1, D, X},
    [NET_LINK_HANDSHAKING] = {-1, -1, -1, U, -1, -1, D, X},
    [NET_LINK_UP] = {-1, -1, -1, -1, G, U, D, X},
    [NET_LINK_DEGRADED] = {-1, -1, -1, -1, G, U, D, X},
    [NET_LINK_CLOSED] = {-1, -1, -1, -1, -1, -1, -1, X},
};

const char *net_link_state_str(enum net_link_state s)
{
	if ((int)s < 0 || s >= NET_LINK_STATE_COUNT)
		return "invalid";
	return state_names[s];
}

const char *net_link_event_str(enum net_link_event e)
{
	if ((int)e < 0 || e >= NET_LEV_COUNT)
		return "invalid";
	return event_names[e];
}

int net_link_next(enum net_link_state s, enum net_link_event ev)
{
	if ((int)s < 0 || s >= NET_LINK_STATE_COUNT || (int)ev < 0 || ev >= NET_LEV_COUNT)
		return -EINVAL;
	int n = next_tab[s][ev];
	return n < 0 ? -EINVAL : n;
}

int64_t net_backoff_ns(int64_t min_ns, int64_t max_ns, unsigned attempt, double u01)
{
	if (min_ns < 1)
		min_ns = 1;
	if (max_ns < min_ns)
		max_ns = min_ns;
	int64_t d = min_ns;
	for (unsigned i = 0; i < attempt && d < max_ns; i++)
		d = d > max_ns / 2 ? max_ns : d * 2;
	if (d > max_ns)
		d = max_ns;
	if (!(u01 >= 0.0) || u01 >= 1.0)
		u01 = 0.5;
	double j = (double)d * (0.5 + u01);
	int64_t out = j >= (double)max_ns ? max_ns : (int64_t)j;
	return out < min_ns ? min_ns : out;
}

int64_t net_rtt_update(int64_t srtt_ns, int64_t sample_ns)
{
	if (sample_ns < 0)
		sample_ns = 0;
	if (srtt_ns <= 0)
		return sample_ns > 0 ? sample_ns : 1;
	return srtt_ns - srtt_ns / 8 + sample_ns / 8;
}
