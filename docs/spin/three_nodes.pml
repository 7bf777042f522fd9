/*
 * docs/spin/three_nodes.pml - mwlink delivery among three nodes, checked
 * with SPIN by tests/unit/spin-check.sh (docs/protocol.md, "Own envelopes
 * before their commit" and "Relays forwarding before their commit"):
 *
 *     spin -DFANOUT -a three_nodes.pml       (origin -> two receivers)
 *     spin -DCHAIN  -a three_nodes.pml       (origin -> relay -> destination)
 *     cc -O2 -DSAFETY -DNOCLAIM -o pan pan.c && ./pan -m10000
 *
 * Node 0 is the origin: it makes N envelopes of its own, each released to
 * a set of the other two nodes chosen nondeterministically at the start.
 *   FANOUT  links 0 -> 1 and 0 -> 2; nodes 1 and 2 are not linked (the hub
 *           deployment seen from the hub: USA's own data to KOR and JPN).
 *           Sets {1}, {2}, {1,2}.
 *   CHAIN   links 0 -> 1 -> 2; node 1 relays (KOR -> USA -> JPN). Sets {1}
 *           and {1,2} (a relay forwards only what is released to it too).
 * Data flows away from the origin only: a record is never sent back to
 * the peer it came from (node.c, release rule 2), so no link carries it
 * back and none is modelled.
 *
 * Each node has a journal of positions (committed in order by its journal
 * thread, a process of its own) and, per outgoing link, the sender state
 * of src/net/node.c: acked (acked_pos), its lazily persisted copy (never
 * written above the committed positions), tx_next, and the in-flight
 * frames; per incoming link the receiver's dedup (an envelope committed or
 * pending is only noted), journal queue in FIFO order (append = envelope +
 * cursor in one transaction, note = cursor only) and Acks sent when the
 * journal reports the cursor durable. Abstraction: an ENVELOPE frame
 * carries the sender's position and an Ack the position of the last frame
 * of the connection whose outcome is durable, tagged with the connection
 * (ep), instead of node.c's per-connection frame counts: the mapping from
 * counts to positions is what docs/spin/resume_ack.pml checks, for one
 * link. Envelopes are identified by their number u; that an (origin, seq)
 * is never reused for another envelope (the seq reservation) is checked
 * there too.
 *
 * When a pending (not yet committed) record may leave a node:
 *   origin  its own record, if at most one of its peers may receive it
 *           (node.c invariant 6); EARLY_ANY = 1 drops the "at most one"
 *           (a mutant: spin must find the loss).
 *   relay   RELAY_EARLY = 0: never (node.c today);
 *           RELAY_EARLY = 1: always (the unsafe idea of docs/benchmarks.md:
 *                            spin must find the loss);
 *           RELAY_EARLY = 2: only a record the previous hop has told it is
 *                            committed there: the previous hop sends, on the
 *                            same connection, "my frames up to position x
 *                            are committed" (a notice; no such message in
 *                            protocol version 1), and the relay uses a
 *                            notice only for frames of the same
 *                            connection (NOTICE_ANY_EP = 1 is the mutant
 *                            that forgets this). Modelled as one relay
 *                            step that may happen at any time after the
 *                            origin's commit while the connection lasts
 *                            (a notice travels behind the frames it
 *                            covers), not as a message, which keeps the
 *                            state space small.
 *
 * Faults, in any order and at any point: MAXDISC connection drops (of any
 * link), and a kill -9 of each node x up to CRASHx times (default
 * MAXCRASH; CRASH0 = 0 or CRASH1 = 0 restricts the faults to show which
 * crashes a loss needs): its pending
 * positions and records are gone, its senders fall back to their persisted
 * acked, its connections drop.
 *
 * Checked:
 *   durable before ack  whenever a sender's acked advances, every record
 *                       at a position up to it that the link carries is
 *                       committed at the receiver (so nothing
 *                       acknowledged is lost: a committed record is never
 *                       lost);
 *   at most once        no record committed twice at a node;
 *   release             only records released to the receiver cross a link;
 *   Ack sanity          an Ack covers only frames sent on its connection,
 *                       and grows;
 *   at quiescence       (no fault left, nothing can move) the origin made
 *                       all N, every node committed all it holds, every
 *                       sender is acknowledged up to its last position,
 *                       and: WHAT ANY NODE COMMITTED REACHES EVERY NODE IT
 *                       IS RELEASED TO, exactly once - a record is at all
 *                       the nodes it is released to, or (when the origin
 *                       lost it in a crash before its commit and no other
 *                       node committed it) at none of them.
 */
#ifndef N
#define N 2 /* envelopes the origin makes */
#endif
#ifndef MAXDISC
#define MAXDISC 1
#endif
#ifndef MAXCRASH
#define MAXCRASH 1 /* kills of each node */
#endif
#ifndef CRASH0
#define CRASH0 MAXCRASH
#endif
#ifndef CRASH1
#define CRASH1 MAXCRASH
#endif
#ifndef CRASH2
#define CRASH2 MAXCRASH
#endif
#ifndef EARLY_ANY
#define EARLY_ANY 0
#endif
#ifndef RELAY_EARLY
#define RELAY_EARLY 0
#endif
#ifndef ACK_ON_RECEIPT
#define ACK_ON_RECEIPT 0 /* mutant: Ack what was received, not what is durable */
#endif
#ifndef NOTICE_ANY_EP
#define NOTICE_ANY_EP 0
#endif
#if !defined(FANOUT) && !defined(CHAIN)
#define CHAIN
#endif

#define NN 3 /* nodes */
#define NL 2 /* links */
#define PI(x, p) ((x) * (N + 1) + (p)) /* (node, position) or (node, envelope) */

#ifdef CHAIN
#define SRC(l) (l)
#else
#define SRC(l) 0
#endif
#define DST(l) ((l) + 1)

byte rel[N + 1];               /* envelope -> released-to bits (1 << node) */
#define REL(u, x) ((rel[u] >> (x)) & 1)
/* link l may carry envelope u: released to the receiver, and a relay
 * forwards only what is released to itself too */
#define ELIG(l, u) (REL(u, DST(l)) && (SRC(l) == 0 || REL(u, SRC(l))))
#ifdef CHAIN
#define NPEERS0(u) (ELIG(0, u))
#else
#define NPEERS0(u) (ELIG(0, u) + ELIG(1, u))
#endif

bool lost[N + 1];              /* lost by the origin in a crash before its commit */
byte made = 0;

/* journals */
byte npos[NN], dur[NN];        /* positions assigned / committed */
byte pos_u[NN * (N + 1)];      /* (node, position) -> envelope (0 = none) */
bool held[NN * (N + 1)];       /* (node, envelope) committed */
bool pend[NN * (N + 1)];       /* (node, envelope) appended, not committed */
chan jq[NN] = [2 * N] of { byte, byte, byte, byte }; /* envelope or 0 (note), link, apos, ep */

/* relay side of RELAY_EARLY = 2 */
bool up_ok[N + 1];             /* node 1: the previous hop said it has u committed */
byte rx_apos[N + 1];           /* node 1: the origin's position u came from on the
                                  current connection (0 = none) */

/* links */
chan dch[NL] = [2] of { byte, byte }; /* ENVELOPE frames: (u, sender pos) */
chan ach[NL] = [2] of { byte };       /* Ack: sender pos of the last durable frame */
byte acked[NL], acked_disk[NL], tx_next[NL], last_sent[NL], conn_ack[NL];
byte ep[NL], rx_dur[NL], rx_rep[NL];

byte disc = 0;
byte crashes[NN];

hidden byte u, f, e, l2, i;

#if RELAY_EARLY == 1
#define EARLY1(u) 1
#elif RELAY_EARLY == 2
#define EARLY1(u) (up_ok[u])
#else
#define EARLY1(u) 0
#endif
#define EARLY0(u) (EARLY_ANY || NPEERS0(u) <= 1)
#define UAT(x, p) (pos_u[PI(x, p)])
/* the sender of link l may put position p on it */
#define SENDABLE(l, p) ((p) <= npos[SRC(l)] && ((p) <= dur[SRC(l)] || \
	(SRC(l) == 0 -> EARLY0(UAT(0, p)) : EARLY1(UAT(SRC(l), p)))))

inline check_acked(l) {
	i = 1;
	do
	:: i <= acked[l] ->
		u = UAT(SRC(l), i);
		assert(!ELIG(l, u) || held[PI(DST(l), u)]); /* durable before ack */
		i++
	:: else -> break
	od;
	i = 0; u = 0
}

inline reconnect(l) {
	do
	:: nempty(dch[l]) -> dch[l]?u,f
	:: empty(dch[l]) -> break
	od;
	do
	:: nempty(ach[l]) -> ach[l]?f
	:: empty(ach[l]) -> break
	od;
	u = 0; f = 0;
	tx_next[l] = acked[l] + 1; last_sent[l] = 0; conn_ack[l] = 0;
	ep[l]++; rx_dur[l] = 0; rx_rep[l] = 0;
#if RELAY_EARLY == 2 && !NOTICE_ANY_EP
	/* a notice speaks of the positions of its own connection only */
	if
	:: l == 0 ->
		i = 1;
		do
		:: i <= N -> rx_apos[i] = 0; i++
		:: else -> break
		od;
		i = 0
	:: else -> skip
	fi
#endif
}

/* kill -9 of node x: pending positions, records and queue are gone */
inline crash(x) {
	do
	:: nempty(jq[x]) -> jq[x]?u,f,e,l2
	:: empty(jq[x]) -> break
	od;
	i = dur[x] + 1;
	do
	:: i <= npos[x] ->
		u = UAT(x, i);
		if
		:: x == 0 -> lost[u] = true
		:: else -> pend[PI(x, u)] = false; up_ok[u] = up_ok[u] && x != 1
		fi;
		pos_u[PI(x, i)] = 0; i++
	:: else -> break
	od;
	npos[x] = dur[x];
	i = 0; u = 0; f = 0; e = 0; l2 = 0;
	if
	:: SRC(0) == x -> acked[0] = acked_disk[0]
	:: else -> skip
	fi;
	if
	:: SRC(1) == x -> acked[1] = acked_disk[1]
	:: else -> skip
	fi;
	if
	:: SRC(0) == x || DST(0) == x -> reconnect(0)
	:: else -> skip
	fi;
	if
	:: SRC(1) == x || DST(1) == x -> reconnect(1)
	:: else -> skip
	fi
}

/* ---- event-loop steps of node me, for link l */

inline send_step(l) {
	u = UAT(SRC(l), tx_next[l]);
	dch[l]!u,tx_next[l];
	last_sent[l] = tx_next[l];
	tx_next[l]++;
	u = 0
}

inline on_ack(l) {
	ach[l]?f;
	assert(f > conn_ack[l] && f <= last_sent[l]); /* Ack sanity */
	conn_ack[l] = f;
	if
	:: f > acked[l] -> acked[l] = f
	:: else -> skip
	fi;
	f = 0;
	check_acked(l)
}

inline on_frame(l) {
	dch[l]?u,f;
	assert(ELIG(l, u)); /* release */
	if
	:: !held[PI(DST(l), u)] && !pend[PI(DST(l), u)] -> /* append */
		pend[PI(DST(l), u)] = true;
		npos[DST(l)]++;
		pos_u[PI(DST(l), npos[DST(l)])] = u;
#if RELAY_EARLY == 2
		if
		:: DST(l) == 1 -> rx_apos[u] = f
		:: else -> skip
		fi;
#endif
		jq[DST(l)]!u,l,f,ep[l];
#if ACK_ON_RECEIPT
		rx_dur[l] = f; /* the mutant: the cursor counts before the commit */
#endif
		skip
	:: else -> jq[DST(l)]!0,l,f,ep[l] /* duplicate: note_rx */
	fi;
	u = 0; f = 0
}

#define MIN(a, b) ((a) < (b) -> (a) : (b))

/* one proctype for every node; the guards select the steps of its role */
proctype Node(byte me)
{
end:	do
	/* origin: make the next envelope, appended (pending) */
	:: atomic { me == 0 && made < N ->
		made++; npos[0]++; pos_u[PI(0, npos[0])] = made }

	/* pump(), link 0 then link 1 */
	:: atomic { me == SRC(0) && SENDABLE(0, tx_next[0]) && ELIG(0, UAT(me, tx_next[0])) &&
	            nfull(dch[0]) -> send_step(0) }
	:: atomic { me == SRC(0) && SENDABLE(0, tx_next[0]) && !ELIG(0, UAT(me, tx_next[0])) ->
		tx_next[0]++ }
	:: atomic { me == SRC(0) && conn_ack[0] >= last_sent[0] && tx_next[0] > acked[0] + 1 ->
		acked[0] = tx_next[0] - 1; check_acked(0) }
	:: atomic { me == SRC(1) && SENDABLE(1, tx_next[1]) && ELIG(1, UAT(me, tx_next[1])) &&
	            nfull(dch[1]) -> send_step(1) }
	:: atomic { me == SRC(1) && SENDABLE(1, tx_next[1]) && !ELIG(1, UAT(me, tx_next[1])) ->
		tx_next[1]++ }
	:: atomic { me == SRC(1) && conn_ack[1] >= last_sent[1] && tx_next[1] > acked[1] + 1 ->
		acked[1] = tx_next[1] - 1; check_acked(1) }
#if RELAY_EARLY == 2
	/* the relay learns that the origin committed the position a pending
	 * record came from on this connection (the notice: sent by the origin
	 * after that commit, carried in order on the same connection, so it
	 * may arrive at any time after the commit while the connection lasts;
	 * a reconnect, and so any crash of the origin, clears rx_apos) */
	:: atomic { me == 1 && pend[PI(1, 1)] && !up_ok[1] && rx_apos[1] != 0 &&
	            rx_apos[1] <= dur[0] -> up_ok[1] = true }
#if N >= 2
	:: atomic { me == 1 && pend[PI(1, 2)] && !up_ok[2] && rx_apos[2] != 0 &&
	            rx_apos[2] <= dur[0] -> up_ok[2] = true }
#endif
#if N >= 3
	:: atomic { me == 1 && pend[PI(1, 3)] && !up_ok[3] && rx_apos[3] != 0 &&
	            rx_apos[3] <= dur[0] -> up_ok[3] = true }
#endif
#endif

	/* on_ack() */
	:: atomic { me == SRC(0) && nempty(ach[0]) -> on_ack(0) }
	:: atomic { me == SRC(1) && nempty(ach[1]) -> on_ack(1) }

	/* persist acked lazily, never above the committed positions */
	:: atomic { me == SRC(0) && acked_disk[0] < acked[0] && acked_disk[0] < dur[me] ->
		acked_disk[0] = MIN(acked[0], dur[me]) }
	:: atomic { me == SRC(1) && acked_disk[1] < acked[1] && acked_disk[1] < dur[me] ->
		acked_disk[1] = MIN(acked[1], dur[me]) }

	/* on_envelope() (back-pressure: not while the journal queue is full) */
	:: atomic { me == DST(0) && nempty(dch[0]) && nfull(jq[me]) -> on_frame(0) }
	:: atomic { me == DST(1) && nempty(dch[1]) && nfull(jq[me]) -> on_frame(1) }

	/* durable_cb(): Ack what the journal reported durable */
	:: atomic { me == DST(0) && rx_dur[0] > rx_rep[0] && nfull(ach[0]) ->
		rx_rep[0] = rx_dur[0]; ach[0]!rx_rep[0] }
	:: atomic { me == DST(1) && rx_dur[1] > rx_rep[1] && nfull(ach[1]) ->
		rx_rep[1] = rx_dur[1]; ach[1]!rx_rep[1] }
	od
}

/* the journal thread of node me: commits in FIFO order */
proctype Journal(byte me)
{
end:	do
	:: atomic { me == 0 && dur[0] < npos[0] -> dur[0]++ }
	:: atomic { me != 0 && nempty(jq[me]) ->
		jq[me]?u,l2,f,e;
		if
		:: u != 0 ->
			assert(!held[PI(me, u)]); /* at most once */
			held[PI(me, u)] = true; pend[PI(me, u)] = false;
			dur[me]++;
			assert(pos_u[PI(me, dur[me])] == u)
		:: else -> skip
		fi;
		if /* the link's cursor, reported for the connection it is of */
		:: e == ep[l2] && f > rx_dur[l2] -> rx_dur[l2] = f
		:: else -> skip
		fi;
		u = 0; l2 = 0; f = 0; e = 0 }
	od
}

proctype Net()
{
	do
	:: atomic { disc < MAXDISC -> disc++; reconnect(0) }
	:: atomic { disc < MAXDISC -> disc++; reconnect(1) }
	:: atomic { crashes[0] < CRASH0 -> crashes[0]++; crash(0) }
	:: atomic { crashes[1] < CRASH1 -> crashes[1]++; crash(1) }
	:: atomic { crashes[2] < CRASH2 -> crashes[2]++; crash(2) }
	:: break /* no more faults */
	od
}

/* a record is somewhere: the origin kept it, or a node committed it */
#define PRESENT(u) (!lost[u] || held[PI(1, u)] || held[PI(2, u)])
#ifdef CHAIN
#define REACH(x, u) (REL(u, 1) && (x == 1 || REL(u, 2)))
#else
#define REACH(x, u) (REL(u, x))
#endif
#define AT(x, u) (held[PI(x, u)] == (REACH(x, u) && PRESENT(u)))
#define OK(u) (AT(1, u) && AT(2, u))
#define QUIET (made == N && dur[0] == npos[0] && dur[1] == npos[1] && dur[2] == npos[2] && \
               acked[0] == npos[SRC(0)] && acked[1] == npos[SRC(1)])
#if N == 1
#define DELIVERED (QUIET && OK(1))
#elif N == 2
#define DELIVERED (QUIET && OK(1) && OK(2))
#elif N == 3
#define DELIVERED (QUIET && OK(1) && OK(2) && OK(3))
#endif

proctype Clock()
{
end:	do
	:: timeout -> assert(DELIVERED) /* what any node committed reaches every node it is released to */
	od
}

init {
	atomic {
		i = 1;
		do
		:: i <= N ->
			if
			:: rel[i] = 2 /* {1} */
			:: rel[i] = 6 /* {1,2} */
#ifdef FANOUT
			:: rel[i] = 4 /* {2} */
#endif
			fi;
			i++
		:: else -> break
		od;
		i = 0;
		tx_next[0] = 1; tx_next[1] = 1;
		run Node(0); run Node(1); run Node(2);
		run Journal(0); run Journal(1); run Journal(2);
		run Net(); run Clock()
	}
}
