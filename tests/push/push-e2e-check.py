#!/usr/bin/env python3
"""push-e2e-check.py - checks and figures over pttgwctl monitor --json output.

  push-e2e-check.py played MONITOR SENT [--audio]
      every stream in SENT ("STREAM PACKETS" lines) was played exactly once:
      with --audio, one "burst" event each with played == received == PACKETS,
      no duplicate, late, concealed, flushed or invalid packet; without audio,
      a push per stream that asked to join (or the link carried it).
  push-e2e-check.py latency MONITOR
      push (action join) -> first_sample, per stream: median, p95, max in ms.
"""
import json
import math
import statistics
import sys


def load(path):
    ev = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line.startswith("{"):
                continue
            try:
                ev.append(json.loads(line))
            except json.JSONDecodeError:
                print("bad monitor line: %r" % line)
    return ev


def played(mon, sent_path, audio):
    ev = load(mon)
    sent = {}
    with open(sent_path) as f:
        for line in f:
            if line.strip():
                sid, n = line.split()
                sent[int(sid)] = int(n)
    bursts = {}
    for e in ev:
        if e.get("type") == "burst":
            bursts.setdefault(e["stream_id"], []).append(e)
    pushes = {}
    for e in ev:
        if e.get("type") == "push" and "stream_id" in e:
            pushes.setdefault(e["stream_id"], []).append(e.get("action"))
    errors = []
    for sid, n in sorted(sent.items()):
        if audio:
            b = bursts.get(sid, [])
            if len(b) != 1:
                errors.append("stream %d: %d burst events (want 1)" % (sid, len(b)))
                continue
            b = b[0]
            for k, want in (("played", n), ("received", n), ("duplicate", 0), ("late", 0),
                            ("concealed", 0), ("flushed", 0), ("invalid", 0)):
                if b.get(k) != want:
                    errors.append("stream %d: %s = %s (want %d)" % (sid, k, b.get(k), want))
            if b.get("last_id", 0) - b.get("first_id", 0) + 1 != n:
                errors.append("stream %d: packet ids %s..%s for %d packets"
                              % (sid, b.get("first_id"), b.get("last_id"), n))
        p = pushes.get(sid, [])
        if p.count("join") > 1:
            errors.append("stream %d: %d pushes joined it" % (sid, p.count("join")))
    extra = set(bursts) - set(sent)
    if extra:
        errors.append("burst events for streams nobody sent: %s" % sorted(extra))
    joins = sum(p.count("join") for p in pushes.values())
    print("streams sent %d, burst events %d, pushes %d (join %d)"
          % (len(sent), sum(len(b) for b in bursts.values()),
             sum(len(p) for p in pushes.values()), joins))
    for e in errors[:20]:
        print("  " + e)
    return 1 if errors else 0


def figures(name, lat):
    lat = sorted(lat)
    p95 = lat[math.ceil(0.95 * len(lat)) - 1]  # nearest rank
    print("%s: n=%d median=%.1f ms p95=%.1f ms max=%.1f ms min=%.1f ms"
          % (name, len(lat), statistics.median(lat), p95, lat[-1], lat[0]))


def latency(mon):
    ev = load(mon)
    push_ts = {}
    first = {}
    active = {}
    connected = {}
    last_push = None
    for e in ev:
        sid = e.get("stream_id")
        t = e.get("type")
        if t == "push" and e.get("action") == "join" and sid not in push_ts:
            push_ts[sid] = e["ts"]
            last_push = sid
        elif t == "link" and e.get("state") == "connected" and last_push is not None:
            connected.setdefault(last_push, e["ts"])
        elif t == "audio" and e.get("state") == "active" and sid not in active:
            active[sid] = e["ts"]
        elif t == "first_sample" and sid not in first:
            first[sid] = e["ts"]
    lat = [(first[s] - push_ts[s]) / 1000.0 for s in push_ts if s in first]
    if not lat:
        print("no push -> first sample pairs")
        return 1
    figures("push -> first audio sample", lat)
    # where the time goes
    for name, a, b in (("  push -> link connected", push_ts, connected),
                       ("  push -> playback stream active", push_ts, active),
                       ("  playback active -> first sample", active, first)):
        part = [(b[s] - a[s]) / 1000.0 for s in push_ts if s in a and s in b]
        if part:
            figures(name, part)
    missing = len(push_ts) - len(lat)
    if missing:
        print("  %d joined pushes without a first sample" % missing)
    return 0


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "played":
        sys.exit(played(sys.argv[2], sys.argv[3], "--audio" in sys.argv[4:]))
    if len(sys.argv) == 3 and sys.argv[1] == "latency":
        sys.exit(latency(sys.argv[2]))
    print(__doc__)
    sys.exit(2)
