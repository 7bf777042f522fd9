#!/usr/bin/env python3
"""integration-api, integration-api-tracks: the HTTP API of real mwlinkd
processes (src/api/).

    api_http.py [api]   the checks below
    api_http.py tracks  test_tracks: the track table and track events with
                        real national tracking (see its docstring)

ROK dials the USA hub; both serve HTTP on 127.0.0.1 port 0 (the bound
port is read from the "ready" log record). Checked, each against the
running nodes:

  - /metrics parses as strict Prometheus text format 0.0.4 (the parser
    below: every sample line `name{labels} value`, HELP/TYPE before the
    samples of their family, TYPE once, no duplicate series, label values
    escaped, counters end in _total, histogram buckets cumulative with
    +Inf == _count);
  - link state "up" on both sides once the nodes connect, in /metrics and
    /api/v1/links, and the shapes of /api/v1/links and /api/v1/health;
  - a counter moves when a bad frame is injected (a garbage frame from a
    sensor: mwlink_net_rejects_total{reason="frame_garbage"}), and the
    journal counters move with honest observations;
  - 404 and 405 (with Allow) with JSON bodies, a request header over the
    limit and a malformed request refused, each counted by reason;
  - the SSE stream delivers one "link" event per link state transition,
    in order: up -> down when the peer is killed (kill -9), then down ->
    handshaking -> up when it is restarted; the same sequence, exactly, as
    the node's own "link state" log records, and
    mwlink_link_transitions_total{peer,nation,to} moved by the same counts;
    heartbeats are comments;
  - both nodes stop cleanly (exit 0 under ASan's leak check).

Bounded: about 2 s on an idle machine (the checks print elapsed time). Standard library only; reuses
run.py's cluster helpers (PKI, ports, logs).
"""
import http.client
import json
import math
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run  # noqa: E402
from run import Fail, wait_until  # noqa: E402

T0 = time.time()


def check(cond, what):
    """run.check with the elapsed time (the test must stay well under 30 s)."""
    run.check(cond, f"[{time.time() - T0:5.1f} s] {what}")


class ApiNode(run.Node):
    """A run.Node that serves HTTP on an ephemeral loopback port."""

    def write_conf(self):
        super().write_conf()
        with open(self.conf) as f:
            text = f.read()
        if "http = off\n" not in text:
            raise Fail("run.Node's configuration changed: no 'http = off' line to replace")
        with open(self.conf, "w") as f:
            f.write(text.replace("http = off\n", "http = 127.0.0.1:0\n"))

    def start(self):
        r = super().start()
        self.http_port = int(r.get("http_port", 0))
        if not self.http_port:
            raise Fail(f"{self.name}: the ready record has no http_port: {r}")
        return r

    def get(self, path, method="GET", headers=None, body=None):
        c = http.client.HTTPConnection("127.0.0.1", self.http_port, timeout=10)
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            return r.status, dict(r.getheaders()), r.read().decode("utf-8")
        finally:
            c.close()

    def json(self, path, want=200):
        st, h, body = self.get(path)
        if st != want:
            raise Fail(f"{self.name} {path}: status {st}, wanted {want}: {body[:200]}")
        if not h.get("Content-Type", "").startswith("application/json"):
            raise Fail(f"{self.name} {path}: Content-Type {h.get('Content-Type')}")
        return json.loads(body)

    def metrics(self):
        st, h, body = self.get("/metrics")
        if st != 200:
            raise Fail(f"{self.name} /metrics: status {st}")
        ct = h.get("Content-Type", "")
        if not ct.startswith("text/plain; version=0.0.4"):
            raise Fail(f"{self.name} /metrics: Content-Type {ct}")
        return parse_exposition(body)


# ------------------------------------------------ strict exposition parser

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LNAME = r"[a-zA-Z_][a-zA-Z0-9_]*"
SAMPLE = re.compile(r"^(" + NAME + r")(\{(.*)\})? (\S+)$")
LABEL = re.compile(r"(" + LNAME + r')="((?:[^"\\\n]|\\[\\"n])*)"(,|$)')
TYPES = ("counter", "gauge", "histogram", "summary", "untyped")


def parse_value(s, line):
    if s in ("+Inf", "-Inf", "NaN"):
        return float(s.replace("Inf", "inf").replace("NaN", "nan"))
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", s):
        raise Fail(f"bad sample value {s!r} in line {line!r}")
    return float(s)


def unescape(v):
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "\\": "\\", '"': '"'}[m.group(1)], v)


def parse_labels(s, line):
    out, pos = {}, 0
    while pos < len(s):
        m = LABEL.match(s, pos)
        if not m:
            raise Fail(f"bad label set {{{s}}} in line {line!r}")
        name = m.group(1)
        if name.startswith("__"):
            raise Fail(f"reserved label name {name} in line {line!r}")
        if name in out:
            raise Fail(f"label {name} twice in line {line!r}")
        out[name] = unescape(m.group(2))
        pos = m.end()
        if m.group(3) == "" and pos != len(s):
            raise Fail(f"trailing text in labels of line {line!r}")
    return out


def family_of(name, types):
    """The declared family a sample name belongs to."""
    if name in types:
        return name
    for suf in ("_bucket", "_sum", "_count"):
        if name.endswith(suf) and types.get(name[: -len(suf)]) in ("histogram", "summary"):
            return name[: -len(suf)]
    return None


def parse_exposition(text):
    """{(name, frozenset(labels)): value}; raises Fail on any violation."""
    if not text.endswith("\n"):
        raise Fail("exposition does not end with a line feed")
    types, helps, series, seen_samples, order = {}, {}, {}, set(), []
    for line in text.split("\n")[:-1]:
        if line.startswith("#"):
            parts = line.split(" ", 3)
            if len(parts) >= 3 and parts[1] in ("HELP", "TYPE"):
                name = parts[2]
                if not re.fullmatch(NAME, name):
                    raise Fail(f"bad metric name in {line!r}")
                if name in seen_samples:
                    raise Fail(f"{parts[1]} for {name} after its samples")
                if parts[1] == "TYPE":
                    if len(parts) != 4 or parts[3] not in TYPES:
                        raise Fail(f"bad TYPE line {line!r}")
                    if name in types:
                        raise Fail(f"TYPE {name} twice")
                    types[name] = parts[3]
                    order.append(name)
                else:
                    if name in helps:
                        raise Fail(f"HELP {name} twice")
                    helps[name] = parts[3] if len(parts) == 4 else ""
            continue
        if not line:
            raise Fail("empty line in the exposition")
        m = SAMPLE.match(line)
        if not m:
            raise Fail(f"bad sample line {line!r}")
        name, labels = m.group(1), parse_labels(m.group(3) or "", line)
        value = parse_value(m.group(4), line)
        fam = family_of(name, types)
        if fam is None:
            raise Fail(f"sample {name} before (or without) its TYPE line")
        if order[-1] != fam:
            raise Fail(f"sample {name} not grouped with its family {fam}")
        if types[fam] == "counter":
            if not fam.endswith("_total"):
                raise Fail(f"counter {fam} does not end in _total")
            if value < 0 or math.isnan(value):
                raise Fail(f"counter {line!r} negative or NaN")
        key = (name, frozenset(labels.items()))
        if key in series:
            raise Fail(f"duplicate series {line!r}")
        series[key] = value
        seen_samples.add(fam)
    for fam, t in types.items():
        if fam not in helps:
            raise Fail(f"{fam} has no HELP")
        if not fam.startswith("mwlink_"):
            raise Fail(f"{fam} lacks the mwlink_ prefix")
        if t == "histogram":
            check_histogram(fam, series)
    return series


def check_histogram(fam, series):
    buckets = sorted(((float(dict(k[1])["le"]), v) for k, v in series.items()
                      if k[0] == fam + "_bucket"), key=lambda x: x[0])
    if not buckets or not math.isinf(buckets[-1][0]):
        raise Fail(f"histogram {fam} has no +Inf bucket")
    for (_, a), (_, b) in zip(buckets, buckets[1:]):
        if b < a:
            raise Fail(f"histogram {fam} buckets are not cumulative")
    cnt = series.get((fam + "_count", frozenset()))
    if cnt is None or (fam + "_sum", frozenset()) not in series:
        raise Fail(f"histogram {fam} lacks _count or _sum")
    if cnt != buckets[-1][1]:
        raise Fail(f"histogram {fam}: +Inf bucket {buckets[-1][1]} != _count {cnt}")


def val(series, metric, **labels):
    return series.get((metric, frozenset(labels.items())))


def parser_self_check():
    """The parser refuses what it must refuse (a parser that accepts
    everything would make the checks below vacuous)."""
    good = ("# HELP mwlink_a_total A.\n# TYPE mwlink_a_total counter\n"
            'mwlink_a_total{x="q\\"\\\\\\n"} 1\n')
    s = parse_exposition(good)
    check(val(s, "mwlink_a_total", x='q"\\\n') == 1.0, "parser reads escaped label values")
    bad = {
        "sample before TYPE": "mwlink_a_total 1\n# HELP mwlink_a_total A.\n"
                              "# TYPE mwlink_a_total counter\n",
        "duplicate series": good + 'mwlink_a_total{x="q\\"\\\\\\n"} 2\n',
        "unescaped quote": '# HELP mwlink_b B.\n# TYPE mwlink_b gauge\nmwlink_b{x="a"b"} 1\n',
        "counter without _total": "# HELP mwlink_c C.\n# TYPE mwlink_c counter\nmwlink_c 1\n",
        "bad value": "# HELP mwlink_d D.\n# TYPE mwlink_d gauge\nmwlink_d one\n",
        "histogram without +Inf": "# HELP mwlink_h H.\n# TYPE mwlink_h histogram\n"
                                  'mwlink_h_bucket{le="1"} 1\nmwlink_h_sum 1\nmwlink_h_count 1\n',
    }
    for what, text in bad.items():
        try:
            parse_exposition(text)
        except Fail:
            continue
        raise Fail(f"the exposition parser accepted a document with a {what}")
    check(True, f"the strict parser refuses {len(bad)} kinds of malformed exposition")


# ------------------------------------------------------------------ SSE

class SseReader:
    """Reads /api/v1/events in a thread; events and comments in order."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.sock.sendall(b"GET /api/v1/events HTTP/1.1\r\nHost: x\r\n"
                          b"Accept: text/event-stream\r\n\r\n")
        self.events, self.comments, self.head = [], [], b""
        self.lock = threading.Lock()
        self.th = threading.Thread(target=self.loop, daemon=True)
        self.th.start()

    def loop(self):
        buf = b""
        try:
            while True:
                d = self.sock.recv(65536)
                if not d:
                    break
                buf += d
                if not self.head:
                    if b"\r\n\r\n" not in buf:
                        continue
                    self.head, buf = buf.split(b"\r\n\r\n", 1)
                    raw = b""
                # de-chunk what is complete
                while True:
                    m = re.match(rb"([0-9a-fA-F]+)\r\n", buf)
                    if not m:
                        break
                    n = int(m.group(1), 16)
                    if len(buf) < m.end() + n + 2:
                        break
                    raw += buf[m.end():m.end() + n]
                    buf = buf[m.end() + n + 2:]
                while b"\n\n" in raw:
                    block, raw = raw.split(b"\n\n", 1)
                    self.block(block.decode("utf-8"))
        except OSError:
            pass

    def block(self, text):
        ev = {}
        for line in text.split("\n"):
            if line.startswith(":"):
                with self.lock:
                    self.comments.append(line)
                continue
            k, _, v = line.partition(": ")
            ev[k] = v
        if "event" in ev:
            ev["json"] = json.loads(ev["data"])
            with self.lock:
                self.events.append(ev)

    def close(self):
        # shutdown first: close() alone does not end the connection while
        # the reader thread is blocked in recv() on it
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        self.th.join(5)


# ---------------------------------------------------------------- tests

def raw_request(port, data):
    """Send raw bytes; return what came back before the server closed."""
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        s.sendall(data)
        out = b""
        while True:
            d = s.recv(65536)
            if not d:
                return out
            out += d
    except ConnectionResetError:
        return out
    finally:
        s.close()


def test_api(cl):
    parser_self_check()
    usa = ApiNode(cl, "usa", "USA", {"rok": ("KOR", None)}, {"KOR": "observation"})
    rok = ApiNode(cl, "rok", "KOR", {"usa": ("USA", "usa")}, {"USA": "observation"})
    cl.nodes.update({"usa": usa, "rok": rok})
    usa.start()
    rok.start()
    check(usa.http_port > 0 and rok.http_port > 0 and usa.http_port != rok.http_port,
          f"both nodes serve HTTP on ephemeral ports ({usa.http_port}, {rok.http_port}) "
          f"logged in their ready records")

    def both_up():
        a = usa.json("/api/v1/links")["links"]
        b = rok.json("/api/v1/links")["links"]
        st = (a[0]["state"], b[0]["state"])
        return True if st == ("up", "up") else st
    wait_until(both_up, 20, "link up on both sides in /api/v1/links")
    check(True, "/api/v1/links shows the link up on both sides")

    links = usa.json("/api/v1/links")
    want = {"name", "nation", "state", "up", "since", "since_ns", "rtt_ms", "backlog", "acked",
            "tx_next", "env_tx", "env_rx", "connects", "replaced", "cert_not_after",
            "cert_expiry_s"}
    lk = links["links"][0]
    check(links["nation"] == "USA" and len(links["links"]) == 1 and set(lk) == want and
          lk["name"] == "rok" and lk["nation"] == "KOR" and lk["up"] is True and
          lk["connects"] >= 1 and isinstance(lk["backlog"], int) and lk["replaced"] == 0 and
          360 * 86400 < lk["cert_expiry_s"] <= 366 * 86400 and lk["cert_not_after"],
          f"/api/v1/links shape: {json.dumps(lk)}")

    for n, peer, nat in ((usa, "rok", "KOR"), (rok, "usa", "USA")):
        s = n.metrics()
        check(val(s, "mwlink_link_state", peer=peer, nation=nat, state="up") == 1 and
              val(s, "mwlink_link_state", peer=peer, nation=nat, state="down") == 0 and
              val(s, "mwlink_link_up", peer=peer, nation=nat) == 1,
              f"{n.name} /metrics: valid exposition ({len(s)} series), "
              f"mwlink_link_state{{peer=\"{peer}\",state=\"up\"}} 1")
    s = rok.metrics()
    reasons = {dict(k[1])["reason"] for k in s if k[0] == "mwlink_net_rejects_total"}
    check(len(reasons) == 23 and "frame_garbage" in reasons and "exercise_mismatch" in reasons
          and "sensor_signature" in reasons,
          f"every rejection reason is a series ({len(reasons)})")
    check(val(s, "mwlink_info", nation="KOR", name="rok", mode="exercise",
              version="0.1.0") == 1, "mwlink_info names the node and its mode")
    check(val(s, "mwlink_own_cert_valid") == 1, "mwlink_own_cert_valid 1 (a valid certificate)")
    own, ca = val(s, "mwlink_own_cert_expiry_seconds"), val(s, "mwlink_ca_cert_expiry_seconds")
    peer = val(s, "mwlink_peer_cert_expiry_seconds", peer="usa", nation="USA")
    check(all(x is not None and 360 * 86400 < x <= 366 * 86400 for x in (own, ca, peer)) and
          val(s, "mwlink_link_replaced_total", peer="usa", nation="USA") == 0,
          f"certificate expiry gauges (mwlink keys --days 365): own {own}, CA {ca}, peer USA "
          f"{peer} s; mwlink_link_replaced_total 0")

    h = rok.json("/api/v1/health")
    check(h["status"] == "ok" and h["nation"] == "KOR" and h["mode"] == "exercise" and
          h["journal"]["status"] == "ok" and h["links"] == {"total": 1, "up": 1, "degraded": 0,
                                                              "down": 0} and
          h["uptime_s"] >= 0 and isinstance(h["tracks"], int) and
          "own_cert_fault" in h and h["own_cert_fault"] is None and
          360 * 86400 < h["own_cert_expiry_s"] <= 366 * 86400 and
          360 * 86400 < h["ca_cert_expiry_s"] <= 366 * 86400 and h["own_cert_not_after"] and
          h["ca_cert_not_after"],
          f"/api/v1/health shape: {json.dumps(h)}")
    # urllib sends "Connection: close": the reply must reach the client
    # before the server shuts the socket
    with urllib.request.urlopen(f"http://127.0.0.1:{rok.http_port}/api/v1/health",
                                timeout=10) as r:
        check(r.status == 200 and json.loads(r.read())["nation"] == "KOR",
              "urllib (Connection: close) gets the whole /api/v1/health")
    t = rok.json("/api/v1/tracks")
    check(t["nation"] == "KOR" and t["mode"] == "exercise" and t["tracks"] == [],
          "/api/v1/tracks: no tracks ([track] off)")

    # --- counters move: honest observations, then a garbage frame ----------
    before = rok.metrics()
    g0 = val(before, "mwlink_net_rejects_total", reason="frame_garbage")
    c0 = val(before, "mwlink_journal_commit_duration_seconds_count")
    check(rok.inject(20) == 20, "20 observations injected at ROK")
    rok.inject(0, extra=["--garbage"])

    def moved():
        s2 = rok.metrics()
        g = val(s2, "mwlink_net_rejects_total", reason="frame_garbage")
        o = val(s2, "mwlink_net_observations_received_total")
        c = val(s2, "mwlink_journal_commit_duration_seconds_count")
        return True if g == g0 + 1 and o >= 20 and c > c0 else (g0, g, o, c0, c)
    wait_until(moved, 10, "reject and journal counters moved")
    check(True, f"a garbage frame moved mwlink_net_rejects_total{{reason=\"frame_garbage\"}} "
                f"{g0:.0f} -> {g0 + 1:.0f}; the journal commit histogram counted the commits")

    def acked():
        lk2 = rok.json("/api/v1/links")["links"][0]
        return True if lk2["acked"] >= 20 and lk2["backlog"] == 0 and lk2["env_tx"] >= 20 \
            else lk2
    wait_until(acked, 10, "USA acknowledged ROK's 20 envelopes")
    check(True, "/api/v1/links at ROK: 20 envelopes sent to USA and acknowledged, backlog 0")

    # --- bad requests -------------------------------------------------------
    st, hd, body = usa.get("/nope")
    check(st == 404 and json.loads(body) == {"error": "no such resource", "status": 404},
          f"unknown path: 404 with a JSON error body ({body.strip()})")
    st, hd, body = usa.get("/metrics", method="POST", body="x")
    check(st == 405 and hd.get("Allow") == "GET, HEAD" and json.loads(body)["status"] == 405,
          f"POST /metrics: 405, Allow: {hd.get('Allow')}")
    st, hd, body = usa.get("/api/v1/links", method="DELETE")
    check(st == 405, "DELETE /api/v1/links: 405")
    big = raw_request(usa.http_port, b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " +
                      b"a" * 20000 + b"\r\n\r\n")
    check(re.match(rb"HTTP/1\.[01] 4\d\d ", big) is not None,
          f"a 20 kB header is refused with a 4xx ({big[:30]!r})")
    bad = raw_request(usa.http_port, b"NOT A REQUEST\r\n\r\n")
    check(re.match(rb"HTTP/1\.[01] 4\d\d ", bad) is not None,
          f"a malformed request line is refused with a 4xx ({bad[:30]!r})")
    pipe = b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n" * 40 + \
        b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    out = raw_request(usa.http_port, pipe)
    check(out.count(b"HTTP/1.1 200 OK\r\n") == 41,
          f"41 pipelined requests on one connection: {out.count(b'200 OK')} answers")
    st, hd, body = usa.get("/api/v1/health", method="HEAD")
    check(st == 200 and body == "", "HEAD /api/v1/health: 200 without a body")

    def counted():
        s2 = usa.metrics()
        got = {r: val(s2, "mwlink_api_bad_requests_total", reason=r)
               for r in ("unknown_path", "method", "too_large", "malformed")}
        codes = {c: val(s2, "mwlink_api_requests_total", code=c) for c in ("404", "405")}
        ok = got == {"unknown_path": 1, "method": 2, "too_large": 1, "malformed": 1} and \
            codes == {"404": 1, "405": 2}
        return True if ok else (got, codes)
    wait_until(counted, 10, "bad requests counted")
    check(True, "404, 405 x2, oversized header and malformed request each counted "
                "(mwlink_api_bad_requests_total by reason, requests_total by code)")

    # --- SSE: a link event when the peer is killed --------------------------
    sse = SseReader(usa.http_port)
    wait_until(lambda: True if sse.head else "no header", 10, "SSE response header")
    head = sse.head.decode()
    check(head.startswith("HTTP/1.1 200") and "text/event-stream" in head,
          "/api/v1/events answers 200 text/event-stream")
    wait_until(lambda: True if val(usa.metrics(), "mwlink_api_sse_clients") == 1 else "0",
               10, "SSE client registered")
    log_off = os.path.getsize(usa.log)  # transitions from here on are in the stream
    STATES = ("down", "connecting", "handshaking", "up", "degraded", "closed")

    def transitions():
        s = usa.metrics()
        return {st: val(s, "mwlink_link_transitions_total", peer="rok", nation="KOR", to=st)
                for st in STATES}
    tr0 = transitions()
    check(tr0["up"] >= 1 and tr0["handshaking"] >= 1,
          f"mwlink_link_transitions_total for rok before the kill: {tr0}")
    rok.kill9()

    def down_event():
        with sse.lock:
            evs = [e for e in sse.events if e["event"] == "link"]
        for e in evs:
            j = e["json"]
            if j["name"] == "rok" and j["state"] != "up" and j["prev_state"] == "up":
                return e
        return [e["json"].get("state") for e in evs] or "no event"
    t0 = time.time()
    wait_until(lambda: True if isinstance(down_event(), dict) else down_event(), 10,
               "SSE link event after the peer was killed")
    e = down_event()
    check(int(e["id"]) >= 1 and e["json"]["nation"] == "KOR",
          f"SSE delivered a link event {time.time() - t0:.2f} s after kill -9 of ROK: "
          f"{e['json']['prev_state']} -> {e['json']['state']}")
    check(any(c.startswith(": mwlink USA events") for c in sse.comments),
          "the stream opens with a comment line")

    # --- SSE: every transition, in order, through a restart of the peer ----
    rok.start()

    def rok_links():
        with sse.lock:
            return [e for e in sse.events if e["event"] == "link" and e["json"]["name"] == "rok"]

    def up_again():
        seq = [(e["json"]["prev_state"], e["json"]["state"]) for e in rok_links()]
        return True if len(seq) >= 2 and seq[-1][1] == "up" else seq
    wait_until(up_again, 20, "SSE link event: rok up again after its restart")

    def logged():
        return [(r.get("from"), r.get("to")) for r in usa.records(log_off)
                if r.get("msg") == "link state" and r.get("peer") == "rok"]

    def same_as_log():
        seq = [(e["json"]["prev_state"], e["json"]["state"]) for e in rok_links()]
        lg = logged()
        return True if seq == lg else (seq, lg)
    wait_until(same_as_log, 10, "SSE link events equal to the node's link state log records")
    evs = rok_links()
    seq = [(e["json"]["prev_state"], e["json"]["state"]) for e in evs]
    ids = [int(e["id"]) for e in evs]
    chained = all(seq[i][1] == seq[i + 1][0] for i in range(len(seq) - 1))
    # a degraded <-> up flap is legal on a loaded machine (heartbeats late);
    # nothing else may appear, nothing may be merged or lost
    core = [t for t in seq if "degraded" not in t]
    check(core == [("up", "down"), ("down", "handshaking"), ("handshaking", "up")] and
          chained and ids == sorted(set(ids)) and seq == logged(),
          "SSE link events for rok, one per transition, in order, equal to the node's log: " +
          ", ".join(f"{a} -> {b}" for a, b in seq) + f" (ids {ids})")
    tr1 = transitions()
    moved = {st: tr1[st] - tr0[st] for st in STATES}
    want = {st: float(sum(1 for t in seq if t[1] == st)) for st in STATES}
    check(moved == want, f"mwlink_link_transitions_total moved by one per event: {moved}")

    def rss_kb():
        with open(f"/proc/{usa.proc.pid}/status") as f:
            return int(next(x for x in f if x.startswith("VmRSS")).split()[1])
    r0 = rss_kb()
    sse.sock.sendall(b"x" * (16 << 20))  # nothing reads a stream's input but the node
    time.sleep(0.3)
    grew = rss_kb() - r0
    check(grew < 8 * 1024 and val(usa.metrics(), "mwlink_api_sse_clients") == 1,
          f"16 MiB sent by an SSE client are read and dropped (node RSS +{grew} KiB), "
          f"the stream stays open")
    sse.close()
    wait_until(lambda: True if val(usa.metrics(), "mwlink_api_sse_clients") == 0 else "open",
               10, "SSE client gone after it closed")
    check(True, "a closed SSE client is forgotten (mwlink_api_sse_clients 0)")
    s = usa.metrics()
    check(val(s, "mwlink_api_sse_events_total", type="link") >= len(seq),
          "mwlink_api_sse_events_total{type=\"link\"} counted the events")
    rc = rok.stop()
    check(rc == 0, f"rok stopped cleanly after its restart ({rc})")
    rc = usa.stop()
    check(rc == 0, f"usa stopped cleanly ({rc})")


WGS84_A, WGS84_F = 6378137.0, 1 / 298.257223563  # NIMA TR8350.2


def lla_to_ecef(lat_deg, lon_deg, h_m):
    lat, lon = math.radians(lat_deg), math.radians(lon_deg)
    e2 = WGS84_F * (2 - WGS84_F)
    n = WGS84_A / math.sqrt(1 - e2 * math.sin(lat) ** 2)
    return ((n + h_m) * math.cos(lat) * math.cos(lon), (n + h_m) * math.cos(lat) * math.sin(lon),
            (n * (1 - e2) + h_m) * math.sin(lat))


def test_tracks(cl):
    """A KOR node tracking a simulated SRBM (natdrive, as integration-national):
    /api/v1/tracks holds exactly the latest shared state of each live track
    as journaled, SSE delivered every TRACK update in journal order, and a
    restarted node rebuilds the same table from its journal."""
    rok = ApiNode(cl, "rok", "KOR", {}, {}, exercise="no", track=True)
    cl.nodes["rok"] = rok
    rok.start()
    sse = SseReader(rok.http_port)
    wait_until(lambda: True if sse.comments else "no opening comment", 10, "SSE open")
    feed = subprocess.Popen([run.NATDRIVE, "feed", run.NATIONAL_SCENARIO, "11", "KOR",
                             f"127.0.0.1:{rok.ingest_port}", cl.pki, "20"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    cl.procs.append(feed)

    def confirmed_with_impact():
        t = rok.json("/api/v1/tracks")["tracks"]
        with sse.lock:
            n = len(sse.events)
        ok = any(x["status"] == "confirmed" and x["impact"] for x in t) and n >= 10
        return True if ok else (len(t), n)
    wait_until(confirmed_with_impact, 40, "a confirmed track with an impact prediction")
    feed.kill()  # mid-flight (20x real time): tracks are live; keeps the test short
    feed.wait()

    def quiet():
        s = rok.metrics()
        cur = (val(s, "mwlink_national_records_total"),
               val(s, "mwlink_api_track_records_total"),
               val(s, "mwlink_national_tracks_emitted_total"))
        quiet.hist.append(cur)
        stable = len(quiet.hist) >= 4 and len(set(quiet.hist[-4:])) == 1
        return True if stable and cur[1] == cur[2] else cur
    quiet.hist = []
    wait_until(quiet, 30, "tracker and API caught up with the journal")
    api = rok.json("/api/v1/tracks")
    r = subprocess.run([run.NATDRIVE, "check", run.NATIONAL_SCENARIO, "11", rok.db,
                        f"{cl.pki}/origin-keys", "KOR"], capture_output=True, text=True,
                       timeout=120)
    if r.returncode != 0:
        raise Fail("natdrive check failed: " + r.stderr.strip())
    journaled = [json.loads(x) for x in r.stdout.splitlines() if x.strip()]
    latest = {}
    for j in journaled:
        latest[j["track_id"]] = j
    live = {tid: j for tid, j in latest.items() if j["status"] != 4}
    got = {t["track_id"]: t for t in api["tracks"]}
    check(len(live) >= 1 and set(got) == set(live) and
          all(got[k]["seq"] == live[k]["seq"] for k in live),
          f"/api/v1/tracks holds the latest journaled update of each of the {len(live)} "
          f"live track(s) ({len(journaled)} TRACK envelopes journaled)")
    for k, t in got.items():
        j = live[k]
        x = lla_to_ecef(t["position"]["lat_deg"], t["position"]["lon_deg"],
                        t["position"]["alt_m"])
        d = math.dist(x, t["position"]["ecef_m"])
        check(t["t_ns"] == j["t_ns"] and t["n_updates"] == j["n_updates"] and
              t["phase"] == ("boost", "midcourse", "terminal")[j["phase"] - 1] and
              t["exercise"] is False and d < 0.01,
              f"track {k}: time, updates, phase as journaled; lat/lon/alt agree with "
              f"ECEF ({d * 1000:.2f} mm)")
        if "impact" in j:
            check(t["impact"] and t["impact"]["t_ns"] == j["impact"]["t_ns"] and
                  abs(t["impact"]["ellipse95"]["semi_major_m"] -
                      j["impact"]["semi_major_m"]) < 0.01,
                  f"track {k}: impact time and 95% ellipse as journaled "
                  f"({t['impact']['ellipse95']['semi_major_m']:.0f} m; the prediction is "
                  f"{j['impact']['err_m']:.0f} m from the simulated impact)")
    with sse.lock:
        seqs = [e["json"]["seq"] for e in sse.events if e["event"] == "track"]
    check(seqs == [j["seq"] for j in journaled],
          f"SSE delivered all {len(seqs)} TRACK updates, in journal order")
    sse.close()
    before = {t["track_id"]: t for t in api["tracks"]}
    check(rok.stop() == 0, "rok stopped cleanly")
    rok.start()
    after = {t["track_id"]: t for t in rok.json("/api/v1/tracks")["tracks"]}
    check(after == before, f"after a restart the table is rebuilt from the journal "
                           f"({len(after)} track(s), identical)")
    check(rok.stop() == 0, "rok stopped cleanly after the restart")


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else "api"
    cases = {"api": test_api, "tracks": test_tracks}
    if mode not in cases:
        print("usage: api_http.py [api|tracks]", file=sys.stderr)
        return 2
    return run.run_case(cases[mode], mode)


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    sys.exit(main())
