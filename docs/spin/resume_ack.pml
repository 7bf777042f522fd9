/*
 * docs/spin/resume_ack.pml - model of mwlink's link resume/ack protocol
 * (docs/protocol.md, "Links: resume and acknowledgement";
 * src/net/node.c), checked with the SPIN model checker:
 *
 *     spin -a resume_ack.pml && cc -O2 -o pan pan.c && ./pan -m100000
 *
 * One sender S with N envelopes already durable in its journal at
 * positions 1..N (it only ever sends durable records), one receiver R.
 * Faults, each bounded: the connection drops (both directions lose what
 * is in flight), S crashes (loses its in-memory acked cursor back to the
 * lazily persisted one), R crashes (loses every append not yet
 * committed). Steps interleave arbitrarily; commits happen whenever the
 * journal thread gets to them, persisting S's acked cursor happens or
 * not, acks are sent whenever R likes.
 *
 * Releasability: which envelopes are released to R is chosen
 * nondeterministically at the start (every pattern of holes); S skips the
 * others, and with nothing in flight counts everything scanned as done
 * (as node.c's pump() does).
 *
 * Checked:
 *   - durable before ack: whenever S advances acked_pos to A, every
 *     envelope 1..A is committed at R (assertion in ack handling);
 *   - at most once: no envelope is ever committed twice at R;
 *   - no deadlock, and at the end (no faults left, everything acked)
 *     exactly the envelopes released to R are committed there, each once.
 */
#define N        4   /* envelopes */
#define MAXDISC  2   /* connection drops */
#define MAXSCRASH 1  /* sender crashes */
#define MAXRCRASH 1  /* receiver crashes */

chan s2r = [N] of { byte };  /* ENVELOPE frames carrying envelope id = sender pos */
chan r2s = [N] of { byte };  /* Ack.frames */

/* which envelopes are released to R (releasability gaps): chosen at start */
bool eligible[N + 1];

/* sender */
byte acked = 0;          /* in memory */
byte acked_disk = 0;     /* persisted (lazily) */
byte tx_next = 1;
byte fifo[N];            /* positions sent on this connection, not acked */
byte fifo_head = 0, fifo_count = 0;
byte frames_sent = 0, frames_acked = 0;

/* receiver */
byte committed[N + 1];   /* times envelope id was committed (must stay <= 1) */
bool pending[N + 1];     /* appended, not yet committed */
chan pq = [2 * N] of { byte, byte }; /* journal queue, FIFO: (id or 0 for a note, from_pos) */
byte rx_dur = 0;         /* durable cursor: max from_pos committed */
byte rx_max = 0;         /* highest from_pos used (volatile) */
byte rx_base = 0, rx_frames = 0, acks_sent = 0;

byte disc = 0, scrash = 0, rcrash = 0;
byte f, i, k;

inline flush() {
	do
	:: nempty(s2r) -> s2r?f
	:: nempty(r2s) -> r2s?f
	:: empty(s2r) && empty(r2s) -> break
	od
}

/* a new connection: both sides reset their per-connection state */
inline reconnect() {
	flush();
	fifo_head = 0; fifo_count = 0; frames_sent = 0; frames_acked = 0;
	tx_next = acked + 1;
	rx_base = rx_max; rx_frames = 0; acks_sent = 0
}

/* the journal thread commits the oldest queued item (a group commit is a
 * run of these with no observation in between, so this interleaving
 * covers every grouping) */
inline commit_one() {
	pq?f,k;
	if
	:: f != 0 -> committed[f]++; assert(committed[f] <= 1); pending[f] = false
	:: else -> skip
	fi;
	if
	:: k > rx_dur -> rx_dur = k
	:: else -> skip
	fi
}

active proctype link()
{
	/* every combination of releasability holes (envelope N always goes) */
	i = 1;
	do
	:: i < N -> if :: eligible[i] = true :: eligible[i] = false fi; i++
	:: else -> break
	od;
	eligible[N] = true;
	do
	/* S sends the next durable envelope released to R */
	:: atomic { tx_next <= N && eligible[tx_next] && nfull(s2r) && fifo_count < N ->
		s2r!tx_next;
		fifo[(fifo_head + fifo_count) % N] = tx_next; fifo_count++;
		frames_sent++; tx_next++ }

	/* S skips a position not released to R; with nothing in flight,
	 * everything scanned is done for R (node.c pump()) */
	:: atomic { tx_next <= N && !eligible[tx_next] ->
		tx_next++;
		if
		:: fifo_count == 0 && tx_next - 1 > acked -> acked = tx_next - 1
		:: else -> skip
		fi }

	/* R receives the k-th frame of this connection: from_pos = rx_base + k */
	:: atomic { nempty(s2r) && nfull(pq) ->
		s2r?f;
		rx_frames++;
		rx_max = rx_base + rx_frames;
		if
		:: committed[f] == 0 && !pending[f] -> pending[f] = true; pq!f,rx_max /* append */
		:: else -> pq!0,rx_max                                    /* duplicate: note_rx */
		fi }

	/* R's journal thread commits (envelope and cursor in one transaction) */
	:: atomic { nempty(pq) -> commit_one() }

	/* R acks what is durable of this connection */
	:: atomic { rx_dur > rx_base && nfull(r2s) ->
		k = rx_dur - rx_base;
		if
		:: k > rx_frames -> k = rx_frames
		:: else -> skip
		fi;
		if
		:: k > acks_sent -> r2s!k; acks_sent = k
		:: else -> skip
		fi }

	/* S handles Ack.frames = f */
	:: atomic { nempty(r2s) ->
		r2s?f;
		assert(f >= frames_acked && f <= frames_sent);
		do
		:: frames_acked < f ->
			k = fifo[fifo_head];
			fifo_head = (fifo_head + 1) % N; fifo_count--;
			frames_acked++;
			if
			:: k > acked -> acked = k
			:: else -> skip
			fi
		:: else -> break
		od;
		if
		:: fifo_count == 0 && tx_next - 1 > acked -> acked = tx_next - 1
		:: else -> skip
		fi;
		/* durable before ack: everything released to R up to acked is
		 * committed at R */
		i = 1;
		do
		:: i <= acked -> assert(!eligible[i] || committed[i] == 1); i++
		:: else -> break
		od }

	/* S persists its acked cursor (lazily: maybe now, maybe later) */
	:: atomic { acked_disk != acked -> acked_disk = acked }

	/* faults */
	:: atomic { disc < MAXDISC -> disc++; reconnect() }
	:: atomic { scrash < MAXSCRASH -> scrash++; acked = acked_disk; reconnect() }
	:: atomic { rcrash < MAXRCRASH -> rcrash++;
		i = 1;
		do
		:: i <= N -> pending[i] = false; i++
		:: else -> break
		od;
		do
		:: nempty(pq) -> pq?f,k
		:: empty(pq) -> break
		od;
		rx_max = rx_dur; reconnect() }

	/* done: everything acknowledged and nothing in flight */
	:: atomic { acked == N && empty(s2r) && empty(r2s) && empty(pq) -> break }
	od;
	/* exactly the envelopes released to R, each once */
	i = 1;
	do
	:: i <= N -> assert(committed[i] == (eligible[i] -> 1 : 0)); i++
	:: else -> break
	od
}
