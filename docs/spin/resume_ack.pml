/*
 * docs/spin/resume_ack.pml - model of mwlink's link resume/ack protocol as
 * implemented in src/net/node.c (docs/protocol.md, "Links: resume and
 * acknowledgement"), checked with the SPIN model checker by
 * tests/unit/spin-check.sh:
 *
 *     spin -DN=4 -a resume_ack.pml                         (safety)
 *     cc -O2 -DSAFETY -DNOCLAIM -o pan pan.c && ./pan
 *     spin -DN=3 -DLIVENESS -a resume_ack.pml              (liveness)
 *     cc -O2 -DNFAIR=3 -o pan pan.c && ./pan -a -f
 *
 * One direction of one link: a sender S with N envelopes already durable
 * in its journal at positions 1..N (it only ever sends durable records)
 * and a receiver R. Which envelopes are released to R is chosen
 * nondeterministically at the start (every pattern of holes, including
 * trailing ones).
 *
 * Processes (each step is one event-loop callback or one journal
 * transaction; they interleave arbitrarily):
 *   Sender   pump(): send the next released position (it goes into the
 *            in-flight FIFO and counts in frames_sent), skip one not
 *            released, end the pump (FIFO empty: acked = everything
 *            scanned); on_ack(): pop F - frames_acked positions, the last
 *            popped is the new acked; persist acked (lazily: any time).
 *   Receiver on_envelope(): the k-th frame of the connection gets
 *            from_pos = rx_base + k; a new envelope is appended, a
 *            duplicate (already committed or pending) is only noted
 *            (store_journal_note_rx), both queued in FIFO order; back-
 *            pressure when the queue is full. journal_cb()/durable_cb():
 *            when the durable cursor advanced past the last report, ack
 *            min(cursor - rx_base, rx_frames) frames if more than sent.
 *   Journal  the journal thread commits the oldest queued item (envelope
 *            and cursor in one transaction; a group commit is a run of
 *            these with no other step between, so every grouping is
 *            covered).
 *   Net      faults, each bounded, or none at all (it may stop at any
 *            time): the connection drops (both directions lose what is in
 *            flight; both sides reset per-connection state, as on_hello()
 *            does, atomically - the first frame of a connection is the
 *            Hello, so nothing of the new connection is seen earlier); S is
 *            killed (its acked falls back to the persisted one); R is
 *            killed (pending appends and notes are gone; rx_max and the
 *            report mark restart from the durable cursor).
 *   Clock    only when nothing else can move (timeout): quiescence is an
 *            infinite run, so the liveness claim is checked against it.
 *
 * Checked:
 *   safety   durable before ack: whenever S advances acked, every envelope
 *            released to R up to it is committed at R; at most once: no
 *            envelope is committed twice; release: S never puts an
 *            envelope not released to R on the link (node.c invariant 2);
 *            an Ack never counts more frames than were sent or fewer than
 *            before (node.c would close the link); at quiescence (no
 *            faults left) exactly the released envelopes are committed,
 *            each once, and S has acknowledged all N positions.
 *   liveness ltl 'delivered' under weak fairness: every fair run ends in
 *            that same state and stays there (no lost ack, no livelock).
 *
 * Not modelled: multi-path delivery (two senders of one envelope),
 * receiver-side rejections (signature, release re-check: same path as a
 * duplicate, note_rx), heartbeats and timeouts, records becoming durable
 * at S while the link runs.
 */
#ifndef N
#define N         4 /* envelopes */
#endif
#define MAXDISC   2 /* connection drops */
#define MAXSCRASH 1 /* sender kills */
#define MAXRCRASH 1 /* receiver kills */

chan s2r = [N] of { byte };  /* ENVELOPE frames: the sender position they carry */
chan r2s = [N] of { byte };  /* Ack.frames */

bool eligible[N + 1];        /* released to R */

/* sender */
byte acked = 0;              /* acked_pos in memory */
byte acked_disk = 0;         /* acked_pos persisted */
byte tx_next = 1;
byte fifo[N];                /* positions in flight on this connection, oldest first */
byte fifo_count = 0;
byte frames_sent = 0, frames_acked = 0;

/* receiver */
byte committed[N + 1];       /* times each envelope was committed */
bool pending[N + 1];         /* appended, not yet committed */
chan pq = [2 * N] of { byte, byte }; /* journal queue: (envelope or 0 for a note, from_pos) */
byte rx_dur = 0;             /* durable per-peer cursor */
byte rx_rep = 0;             /* last cursor value the journal reported (rx_reported) */
byte rx_max = 0;             /* rx_max_pos: highest from_pos used */
byte rx_base = 0, rx_frames = 0, acks_sent = 0;

byte disc = 0, scrash = 0, rcrash = 0;

/* scratch, only used inside atomic sequences and left at 0 */
hidden byte f, k, last, i;

inline check_acked() {
	/* durable before ack */
	i = 1;
	do
	:: i <= acked -> assert(!eligible[i] || committed[i] == 1); i++
	:: else -> break
	od;
	i = 0
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
	/* pump(): send the next durable position released to R */
	:: atomic { tx_next <= N && eligible[tx_next] && fifo_count < N && nfull(s2r) ->
		s2r!tx_next;
		fifo[fifo_count] = tx_next; fifo_count++;
		frames_sent++; tx_next++ }

	/* pump(): skip a position not released to R */
	:: atomic { tx_next <= N && !eligible[tx_next] -> tx_next++ }

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

	/* persist_acked(): written lazily, so at any later time */
	:: atomic { acked_disk != acked -> acked_disk = acked }
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
		if
		:: committed[f] == 0 && !pending[f] -> pending[f] = true; pq!f,rx_max /* append */
		:: else -> pq!0,rx_max /* duplicate: store_journal_note_rx */
		fi;
		f = 0 }

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
			pending[f] = false
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
	:: atomic { scrash < MAXSCRASH -> scrash++; acked = acked_disk; reconnect() }
	:: atomic { rcrash < MAXRCRASH -> rcrash++;
		do
		:: nempty(pq) -> pq?f,k
		:: empty(pq) -> break
		od;
		f = 0; k = 0;
		i = 1;
		do
		:: i <= N -> pending[i] = false; i++
		:: else -> break
		od;
		i = 0;
		rx_max = rx_dur; rx_rep = rx_dur;
		reconnect() }
	:: break /* no more faults */
	od
}

/* exactly the released envelopes committed, each once, all acknowledged */
#define REL(j) ((eligible[j] && committed[j] == 1) || (!eligible[j] && committed[j] == 0))
#if N == 2
#define DELIVERED (acked == N && REL(1) && REL(2))
#elif N == 3
#define DELIVERED (acked == N && REL(1) && REL(2) && REL(3))
#elif N == 4
#define DELIVERED (acked == N && REL(1) && REL(2) && REL(3) && REL(4))
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
		run Sender(); run Receiver(); run Journal(); run Net(); run Clock()
	}
}

ltl delivered { <> [] DELIVERED }
