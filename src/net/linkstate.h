/*
 * net/linkstate.h - the life cycle of one partner link, and its
 * reconnect backoff. Pure functions: no I/O, no clocks (the caller passes
 * times and random numbers), so every transition is unit-tested.
 *
 *                     dial timer (dialler only)
 *       +--------+ ------------------------------> +------------+  TCP connect and
 *  +--> |  DOWN  |                                 | CONNECTING |  TLS handshake
 *  |    +--------+ <------ error / timeout ------- +------------+
 *  |       |  ^                                          | TLS done, identity ok
 *  |       |  |                                          v
 *  |       |  +------- error / timeout / bad cert --- +-------------+  Hello sent,
 *  |       +---------- accepted (listener side; ----> | HANDSHAKING |  waiting for
 *  |                   TLS done, identity ok)         +-------------+  the peer's
 *  |                                                     | valid Hello received
 *  |                                                     v
 *  |   error / timeout / close                       +--------+
 *  +------------------------------------------------ |   UP   | <-+
 *  |                                                 +--------+   |
 *  |                 smoothed RTT > degraded_rtt, or |        | a heartbeat with
 *  |                 no frame for 2 heartbeat periods v        | RTT <= degraded_rtt
 *  |   error / timeout / close                       +----------+ |
 *  +------------------------------------------------ | DEGRADED | +
 *                                                    +----------+
 *  any state --- shutdown ---> CLOSED (final)
 *
 * DOWN is also the state of a listener-side link waiting for its partner
 * to connect; only a dialler arms the dial timer.
 *
 * Invariants:
 *  1. net_link_next() returns the new state for a legal (state, event)
 *     pair and -EINVAL for every other pair, leaving nothing changed.
 *  2. Data (envelopes, acks) flows only in UP and DEGRADED.
 *  3. CLOSED is final.
 *  4. Backoff delays stay within [min, max] and, before jitter, double
 *     on each failed attempt.
 */
#ifndef MW_NET_LINKSTATE_H
#define MW_NET_LINKSTATE_H

#include <stdbool.h>
#include <stdint.h>

enum net_link_state {
	NET_LINK_DOWN = 0,
	NET_LINK_CONNECTING,
	NET_LINK_HANDSHAKING,
	NET_LINK_UP,
	NET_LINK_DEGRADED,
	NET_LINK_CLOSED,
	NET_LINK_STATE_COUNT
};

enum net_link_event {
	NET_LEV_DIAL = 0,    /* reconnect timer fired: start a TCP connect */
	NET_LEV_ACCEPTED,    /* inbound TCP connection for this peer slot */
	NET_LEV_CONNECTED,   /* outbound TCP connect completed */
	NET_LEV_ESTABLISHED, /* TLS done, identity ok, valid Hello received */
	NET_LEV_RTT_HIGH,
	NET_LEV_RTT_OK,
	NET_LEV_FAIL, /* error, close, heartbeat timeout, rejected certificate */
	NET_LEV_SHUTDOWN,
	NET_LEV_COUNT
};

const char *net_link_state_str(enum net_link_state s);
const char *net_link_event_str(enum net_link_event e);

/* New state, or -EINVAL if ev is not legal in s. */
int net_link_next(enum net_link_state s, enum net_link_event ev);

/* True in the states where envelopes and acks flow. */
static inline bool net_link_carries_data(enum net_link_state s)
{
	return s == NET_LINK_UP || s == NET_LINK_DEGRADED;
}

/*
 * Reconnect delay for the attempt-th consecutive failure (0 = first
 * retry): min * 2^attempt capped at max, then multiplied by a jitter
 * factor in [0.5, 1.5) drawn from u01 in [0, 1), and clamped to
 * [min, max]. Full doubling with jitter spreads the reconnects of many
 * nodes after a hub restart (the "thundering herd").
 */
int64_t net_backoff_ns(int64_t min_ns, int64_t max_ns, unsigned attempt, double u01);

/*
 * Smoothed RTT (RFC 6298 section 2 style: srtt = 7/8 srtt + 1/8 sample;
 * the first sample sets it). srtt_ns == 0 means no sample yet.
 */
int64_t net_rtt_update(int64_t srtt_ns, int64_t sample_ns);

#endif
