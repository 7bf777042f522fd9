/*
 * docs/spin/resume_ack.pml - model of mwlink's link resume/ack protocol as
 * implemented in src/net/node.c and src/store/journal.c (docs/protocol.md,
 * "Links: resume and acknowledgement" and "Own envelopes before their
 * commit"), checked with the SPIN model checker by tests/unit/spin-check.sh:
 *
 *     spin -DN=3 -a resume_ack.pml                         (safety)
 *     cc -O2 -DSAFETY -DNOCLAIM -o pan pan.c && ./pan
 *     spin -DN=3 -DLIVENESS -a resume_ack.pml              (liveness)
 *     cc -O2 -DNFAIR=3 -o pan pan.c && ./pan -a -f
 *
 * One direction of one link: an origin S that makes N envelopes of its
 * own and a receiver R. Which envelopes are released to R is chosen
 * nondeterministically at the start (every pattern of holes, including
 * trailing ones). An envelope's content is its number u = 1..N (the order
 * in which S made it); its identity on the wire is (origin, seq), seq_of[u].
 *
 * Processes (each step is one event-loop callback or one journal
 * transaction; they interleave arbitrarily):
 *   Sender   originate: make envelope u with seq = own_seq + 1 at journal
 *            position next_pos + 1 (pending), and ask for a reservation
 *            block when fewer than half of it remain (OWN_SEQ_BLOCK, here
 *            B); pump(): send the position at tx_next if it is durable or
 *            its seq is at or below the DURABLE reservation (own records
 *            before their commit), skip it if it is such a position not
 *            released to R, end the pump (FIFO empty: acked = everything
 *            scanned); on_ack(): pop F - frames_acked positions, the last
 *            popped is the new acked; persist acked lazily, never above
 *            the committed positions (journal invariant 4).
 *   SJournal S's journal thread: commit the next pending position; write
 *            the asked reservation (in the code it rides with a group;
 *            as its own step here it may land between any two commits,
 *            which covers every grouping).
 *   Receiver on_envelope(): the k-th frame of the connection gets
 *            from_pos = rx_base + k; a new (origin, seq) is appended, a
 *            duplicate (already committed or pending) is only noted
 *            (store_journal_note_rx), both queued in FIFO order; back-
 *            pressure when the queue is full. journal_cb()/durable_cb():
 *            when the durable cursor advanced past the last report, ack
 *            min(cursor - rx_base, rx_frames) frames if more than sent.
 *   Journal  R's journal thread commits the oldest queued item (envelope
 *            and cursor in one transaction).
 *   Net      faults, each bounded, or none at all (it may stop at any
 *            time): the connection drops (both directions lose what is in
 *            flight; both sides reset per-connection state, as on_hello()
 *            does); S is killed: its pending positions and the envelopes
 *            in them are lost (R may already hold and have acked them),
 *            next_pos falls back to the committed ones, acked to the
 *            persisted one, and own_seq restarts at max(highest committed
 *            seq, durable reservation), with a fresh block asked for; R is
 *            killed (pending appends and notes are gone; rx_max and the
 *            report mark restart from the durable cursor).
 *   Clock    only when nothing else can move (timeout): quiescence is an
 *            infinite run, so the liveness claim is checked against it.
 *
 * Checked:
 *   safety   durable before ack: whenever S advances acked, every envelope
 *            released to R at a position up to it is committed at R; at
 *            most once: no envelope committed twice at R; no seq reuse:
 *            R never receives a different envelope under an (origin, seq)
 *            it already holds or has pending (that envelope would be
 *            dropped as a duplicate: silent loss); release: S never puts
 *            an envelope not released to R on the link; an Ack never
 *            counts more frames than were sent or fewer than before; at
 *            quiescence (no faults left) S has made all N, committed and
 *            acknowledged every position, and R holds exactly once every
 *            released envelope S did not lose, none that is not released
 *            (one S lost in a crash R may hold or not).
 *   liveness ltl 'delivered' under weak fairness: every fair run ends in
 *            that same state and stays there (no lost ack, no livelock).
 *
 * Not modelled: multi-path delivery (two senders of one envelope), relays
 * and an origin whose record two or more peers may receive (both in
 * docs/spin/three_nodes.pml; R here is the one peer of src/net/node.c
 * invariant 6), receiver-side rejections (signature, release re-check:
 * same path as a duplicate, note_rx), heartbeats and timeouts.
 */
#ifndef N
#define N         3 /* envelopes S makes */
#endif
#define B         2 /* reservation block (OWN_SEQ_BLOCK) */
#define SMAX      (N + B * (MAXSCRASH + 2)) /* highest seq that can be used */
#define MAXDISC   2 /* connection drops */
#define MAXSCRASH 1 /* sender kills */
#define MAXRCRASH 1 /* receiver kills */

chan s2r = [N] of { byte };  /* ENVELOPE frames: the envelope (content) they carry */
chan r2s = [N] of { byte };  /* Ack.frames */

bool eligible[N + 1];        /* envelope u released to R */
byte seq_of[N + 1];          /* envelope u -> its seq */
bool lost[N + 1];            /* envelope u was lost in a crash of S before its commit */

/* sender */
byte made = 0;               /* envelopes made so far */
byte own_seq = 0;            /* last seq used */
byte res_want = B, res_dur = 0; /* reservation asked / committed */
byte next_pos = 0;           /* last position assigned */
byte s_dur = 0;              /* positions committed at S */
byte pos_u[N + 1];           /* position -> envelope living there (0 = none) */
byte acked = 0;              /* acked_pos in memory */
byte acked_disk = 0;         /* acked_pos persisted */
byte tx_next = 1;
byte fifo[N];                /* positions in flight on this connection, oldest first */
byte fifo_count = 0;
byte frames_sent = 0, frames_acked = 0;

/* receiver, by seq */
byte r_held[SMAX + 1];       /* envelope committed under seq (0 = none) */
byte r_pend[SMAX + 1];       /* envelope appended under seq, not committed (0 = none) */
byte committed[N + 1];       /* times envelope u was committed at R */
chan pq = [2 * N] of { byte, byte }; /* journal queue: (envelope or 0 for a note, from_pos) */
byte rx_dur = 0;             /* durable per-peer cursor */
byte rx_rep = 0;             /* last cursor value the journal reported (rx_reported) */
byte rx_max = 0;             /* rx_max_pos: highest from_pos used */
byte rx_base = 0, rx_frames = 0, acks_sent = 0;

byte disc = 0, scrash = 0, rcrash = 0;

/* scratch, only used inside atomic sequences and left at 0 */
hidden byte f, k, last, i, u;

/* S may put position p on the link: committed, or its own envelope
 * whose seq is durably reserved (node.c invariant 6) */
#define SENDABLE(p) (p <= next_pos && (p <= s_dur || seq_of[pos_u[p]] <= res_dur))

inline check_acked() {
	/* durable before ack */
	i = 1;
	do
	:: i <= acked ->
		u = pos_u[i];
		assert(!eligible[u] || r_held[seq_of[u]] == u);
		i++
	:: else -> break
	od;
	i = 0; u = 0
}

inline reconnect() {
	do
	:: nempty(s2r) -> s2r?f
	:: empty(s2r) -> break
	od;
	do
	:: nempty(r2s) -> r2s?f
	:: empty(r2s) -> break
	od;
	f = 0;
	/* sender: peer_conn_lost() and on_hello() */
	i = 0;
	do
	:: i < N -> fifo[i] = 0; i++
	:: else -> break
	od;
	i = 0;
	fifo_count = 0; frames_sent = 0; frames_acked = 0;
	tx_next = acked + 1;
	/* receiver: on_hello() */
	rx_base = rx_max; rx_frames = 0; acks_sent = 0
}

proctype Sender()
{
end:	do
	/* net_node_originate() + flush_batch(): signed, appended (pending) */
	:: atomic { made < N ->
		made++; own_seq++; next_pos++;
		assert(own_seq <= SMAX);
		seq_of[made] = own_seq; pos_u[next_pos] = made;
		if /* fewer than half a block left: ask for the next one */
		:: own_seq + B / 2 > res_want -> res_want = own_seq + B
		:: else -> skip
		fi }

	/* pump(): send the next sendable position released to R */
	:: atomic { SENDABLE(tx_next) && eligible[pos_u[tx_next]] && fifo_count < N && nfull(s2r) ->
		s2r!pos_u[tx_next];
		fifo[fifo_count] = tx_next; fifo_count++;
		frames_sent++; tx_next++ }

	/* pump(): skip a sendable position not released to R */
	:: atomic { SENDABLE(tx_next) && !eligible[pos_u[tx_next]] -> tx_next++ }

	/* end of pump(): nothing in flight, so everything scanned is done */
	:: atomic { fifo_count == 0 && tx_next > acked + 1 ->
		acked = tx_next - 1;
		check_acked() }

	/* on_ack(): Ack.frames = f */
	:: atomic { nempty(r2s) ->
		r2s?f;
		assert(f >= frames_acked && f <= frames_sent);
		do
		:: frames_acked < f ->
			last = fifo[0];
			i = 1;
			do
			:: i < fifo_count -> fifo[i - 1] = fifo[i]; i++
			:: else -> break
			od;
			fifo_count--; fifo[fifo_count] = 0; i = 0;
			frames_acked++
		:: else -> break
		od;
		if
		:: last > acked -> acked = last
		:: else -> skip
		fi;
		check_acked();
		f = 0; last = 0 }

	/* persist_acked(): written lazily with a later group, never above
	 * what that group leaves committed (journal invariant 4) */
	:: atomic { acked_disk < acked && acked_disk < s_dur ->
		acked_disk = (acked <= s_dur -> acked : s_dur) }
	od
}

proctype SJournal()
{
end:	do
	/* commit the oldest pending position */
	:: atomic { s_dur < next_pos -> s_dur++ }
	/* the asked reservation becomes durable (journal invariant 10) */
	:: atomic { res_dur < res_want -> res_dur = res_want }
	od
}

proctype Receiver()
{
end:	do
	/* on_envelope(): the rx_frames-th frame of this connection */
	:: atomic { nempty(s2r) && nfull(pq) ->
		s2r?f;
		assert(eligible[f]); /* only released envelopes cross the link */
		rx_frames++;
		rx_max = rx_base + rx_frames;
		k = seq_of[f];
		if
		:: r_held[k] == 0 && r_pend[k] == 0 -> r_pend[k] = f; pq!f,rx_max /* append */
		:: else -> /* duplicate of (origin, seq): store_journal_note_rx */
			assert(r_held[k] == f || r_pend[k] == f); /* no seq reuse */
			pq!0,rx_max /* note */
		fi;
		f = 0; k = 0 }

	/* journal_cb() drains a cursor advance; durable_cb() acks it */
	:: atomic { rx_dur > rx_rep && nfull(r2s) ->
		rx_rep = rx_dur;
		if
		:: rx_rep > rx_base ->
			k = rx_rep - rx_base;
			if
			:: k > rx_frames -> k = rx_frames
			:: else -> skip
			fi;
			if
			:: k > acks_sent -> r2s!k; acks_sent = k
			:: else -> skip
			fi
		:: else -> skip
		fi;
		k = 0 }
	od
}

proctype Journal()
{
end:	do
	:: atomic { nempty(pq) ->
		pq?f,k;
		if
		:: f != 0 ->
			committed[f]++;
			assert(committed[f] == 1); /* at most once */
			r_held[seq_of[f]] = f;
			r_pend[seq_of[f]] = 0
		:: else -> skip
		fi;
		if
		:: k > rx_dur -> rx_dur = k
		:: else -> skip
		fi;
		f = 0; k = 0 }
	od
}

proctype Net()
{
	do
	:: atomic { disc < MAXDISC -> disc++; reconnect() }
	:: atomic { scrash < MAXSCRASH -> scrash++;
		/* the pending positions and their envelopes are gone */
		i = s_dur + 1;
		do
		:: i <= next_pos -> lost[pos_u[i]] = true; pos_u[i] = 0; i++
		:: else -> break
		od;
		i = 0;
		next_pos = s_dur;
		/* net_node_new(): own seq above what is committed and reserved */
		if
		:: s_dur > 0 -> own_seq = seq_of[pos_u[s_dur]]
		:: else -> own_seq = 0
		fi;
		if
		:: res_dur > own_seq -> own_seq = res_dur
		:: else -> skip
		fi;
		res_want = own_seq + B;
		acked = acked_disk;
		reconnect() }
	:: atomic { rcrash < MAXRCRASH -> rcrash++;
		do
		:: nempty(pq) -> pq?f,k
		:: empty(pq) -> break
		od;
		f = 0; k = 0;
		i = 1;
		do
		:: i <= SMAX -> r_pend[i] = 0; i++
		:: else -> break
		od;
		i = 0;
		rx_max = rx_dur; rx_rep = rx_dur;
		reconnect() }
	:: break /* no more faults */
	od
}

/* S made everything, committed and acknowledged every position; R holds
 * exactly once every released envelope S did not lose and nothing else
 * (an envelope S lost may be at R or not; at most once is asserted) */
#define REL(j) ((eligible[j] && !lost[j] && committed[j] == 1) || \
                (eligible[j] && lost[j]) || (!eligible[j] && committed[j] == 0))
#if N == 2
#define DELIVERED (made == N && s_dur == next_pos && acked == next_pos && REL(1) && REL(2))
#elif N == 3
#define DELIVERED (made == N && s_dur == next_pos && acked == next_pos && REL(1) && REL(2) && \
                   REL(3))
#elif N == 4
#define DELIVERED (made == N && s_dur == next_pos && acked == next_pos && REL(1) && REL(2) && \
                   REL(3) && REL(4))
#endif

proctype Clock()
{
end:	do
#ifdef LIVENESS
	:: timeout -> skip /* the ltl claim judges quiescence */
#else
	:: timeout -> assert(DELIVERED)
#endif
	od
}

init {
	atomic {
		/* every pattern of releasability holes */
		i = 1;
		do
		:: i <= N -> if :: eligible[i] = true :: eligible[i] = false fi; i++
		:: else -> break
		od;
		i = 0;
		run Sender(); run SJournal(); run Receiver(); run Journal(); run Net(); run Clock()
	}
}

ltl delivered { <> [] DELIVERED }
