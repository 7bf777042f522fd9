/*
 * link_resume.pml - a Promela model of mwlink's resume/ack protocol on one
 * link, checked with the spin model checker (tests/spin/run).
 *
 * What is modelled (docs/protocol.md, "Resume and acknowledgement"):
 *   - The sender S has a journal of N envelopes at positions 1..N; each is
 *     released to the receiver's nation or not (chosen nondeterministically,
 *     so every release pattern, including gaps, is checked).
 *   - S sends, in journal order, only released envelopes, each tagged with
 *     its sender position. R accepts a frame, detects duplicates against its
 *     durable journal and its pending (not yet committed) set, and its
 *     journal thread commits pending envelopes together with the durable
 *     resume cursor peer_rx in ONE transaction (group commit).
 *   - R acknowledges only durable positions: Ack(peer_rx), whenever peer_rx
 *     is ahead of the last Ack it sent on the current connection. (An
 *     earlier version acked only at commit time; spin found the lost-ack
 *     cycle: a commit that finished after a reconnect's Hello was never
 *     acknowledged while the link stayed up.)
 *   - On (re)connect R's Hello carries its durable peer_rx; S resumes from
 *     peer_rx + 1.
 *   - Faults, each a bounded number of times: the link drops (both channel
 *     directions lose what they hold), R is killed (-9: its pending set and
 *     volatile cursor vanish, its journal and peer_rx survive), S is killed
 *     (its volatile ack cursor falls back to the last one it persisted,
 *     which it persists lazily).
 *
 * Checked:
 *   safety   (assertions) an envelope S considers acknowledged is durable in
 *            R's journal; no envelope is journaled (applied) twice; nothing
 *            not released to R ever reaches R's journal;
 *   liveness (ltl, with weak fairness) once the faults are used up, every
 *            released envelope ends up durable at R and acknowledged at S.
 *
 * Not modelled: multi-path delivery through a hub (duplicate detection by
 * (origin, seq) across links is the same check as "pending or durable"
 * below), signatures, and the data content.
 */

#define N          4 /* journal length at the sender */
#define MAX_DROPS  2
#define MAX_RKILL  1
#define MAX_SKILL  1

bool rel[N + 1]; /* released to R? */

/* receiver: durable */
byte rj[N + 1];      /* times each position was journaled (must stay <= 1) */
byte r_rx_dur = 0;   /* persisted peer_rx: sender pos durable in order */
/* receiver: volatile */
byte pend[N + 1];     /* times accepted but not yet committed (must stay <= 1) */
byte pend_rx = 0;    /* highest sender pos accepted on this connection */
byte r_ack_sent = 0; /* highest cursor acknowledged on this connection */
/* sender */
byte s_acked = 0;    /* volatile ack cursor */
byte s_acked_dur = 0; /* lazily persisted ack cursor */
byte s_next = 1;     /* next journal pos to consider sending */

bool started = false;
bool up = false;
byte drops = 0, rkills = 0, skills = 0;

chan data = [2] of { byte };
chan acks = [2] of { byte };

inline flush() {
	do
	:: data ? _
	:: acks ? _
	:: empty(data) && empty(acks) -> break
	od
}

active proctype Setup()
{
	byte i;
	/* choose the release pattern, then let the others run */
	for (i : 1 .. N) {
		if
		:: rel[i] = true
		:: rel[i] = false
		fi
	};
	started = true
}

/* The network and the operator: connects (with R's Hello) and faults. */
active proctype Net()
{
	byte i;
	started;
end:	do
	:: atomic { !up ->
		up = true;
		pend_rx = r_rx_dur;
		r_ack_sent = r_rx_dur;
		s_next = r_rx_dur + 1;
		if
		:: s_acked < r_rx_dur -> s_acked = r_rx_dur
		:: else
		fi }
	:: atomic { up && drops < MAX_DROPS -> drops++; up = false; flush() }
	:: atomic { rkills < MAX_RKILL -> rkills++; up = false; flush();
		for (i : 1 .. N) { pend[i] = 0 };
		pend_rx = r_rx_dur }
	:: atomic { skills < MAX_SKILL -> skills++; up = false; flush();
		s_acked = s_acked_dur; s_next = 1 }
	od
}

active proctype Sender()
{
	byte i;
	started;
end:	do
	/* send the next released envelope, skip unreleased ones */
	:: atomic { up && s_next <= N && nfull(data) ->
		if
		:: rel[s_next] -> data ! s_next
		:: else
		fi;
		s_next++ }
	/* an ack arrives */
	:: atomic { up && nempty(acks) ->
		acks ? i;
		if
		:: i > s_acked -> s_acked = i
		:: else
		fi;
		for (i : 1 .. N) {
			assert(!rel[i] || i > s_acked || rj[i] == 1)
		} }
	/* persist the ack cursor lazily */
	:: atomic { s_acked_dur != s_acked -> s_acked_dur = s_acked }
	od
}

active proctype Receiver()
{
	byte i;
	started;
end:	do
	/* accept a frame */
	:: atomic { up && nempty(data) ->
		data ? i;
		assert(rel[i]);      /* the sender filtered */
		assert(i > pend_rx); /* per-link order */
		if
		:: rj[i] > 0 || pend[i] > 0 -> skip /* duplicate: not applied again */
		:: else -> pend[i]++
		fi;
		pend_rx = i }
	/* acknowledge whatever became durable since the last ack on this
	 * connection (not only at commit time: a commit that completes while
	 * the link is down or after a new Hello must still be acked) */
	:: atomic { up && r_rx_dur > r_ack_sent && nfull(acks) ->
		acks ! r_rx_dur;
		r_ack_sent = r_rx_dur }
	od
}

/* R's journal thread: group commit of the pending set with the cursor. */
active proctype Journal()
{
	byte i;
	started;
end:	do
	:: atomic { pend_rx > r_rx_dur ->
		for (i : 1 .. N) {
			if
			:: pend[i] > 0 -> rj[i] = rj[i] + pend[i]; assert(rj[i] == 1); pend[i] = 0
			:: else
			fi
		};
		r_rx_dur = pend_rx }
	od
}

/* Time passes: keeps the system from deadlocking once everything has
 * quiesced, so that "nothing more happens" is an infinite run the
 * liveness claim is checked against (timeout: only when nothing else
 * can move). */
active proctype Clock()
{
	started;
end:	do
	:: timeout -> skip
	od
}

/* never journaled something unreleased: enabled, and fails, in any state
 * where the invariant is broken */
#define RELEASE_INV (!(rj[1] > 0 && !rel[1]) && !(rj[2] > 0 && !rel[2]) && \
		     !(rj[3] > 0 && !rel[3]) && !(rj[4] > 0 && !rel[4]))
active proctype ReleaseMonitor()
{
	started;
	atomic { !RELEASE_INV -> assert(RELEASE_INV) }
}

#define D(k) (!rel[k] || (rj[k] == 1 && s_acked >= k))
ltl eventually_delivered { <> [] (started && D(1) && D(2) && D(3) && D(4)) }
