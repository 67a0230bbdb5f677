#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Federation tests: three pttgw-relay instances, two mosquitto brokers bridged to each other
(through a TCP proxy of this script, so the bridge can be cut), all on loopback.

  relay A -- broker 1 ==bridge (proxy)== broker 2 -- relays B, C

Usage: fedtest.py BUILD_DIR SCENARIO
       (delivery | contention | kill | bridge | broker-restart | push | emergency)
"""
import asyncio
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fedclient import Gw  # noqa: E402

RELAYS = ["ra", "rb", "rc"]
USERS = ["ta", "tb", "tc", "l1", "l2", "l3", "l4", "l5", "l6"]
PREFIX = "pttgw-fed"
MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"


def log(*a):
    print(*a, flush=True)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def home_of(channel, live):
    """The channel's home as relay-fed-floor.c chooses it (rendezvous hashing), for picking
    channels in the tests."""
    def fnv(s, h):
        for c in s.encode():
            h = ((h ^ c) * 0x100000001b3) & 0xffffffffffffffff
        return h

    def mix(x):
        M = 0xffffffffffffffff
        x ^= x >> 30
        x = (x * 0xbf58476d1ce4e5b9) & M
        x ^= x >> 27
        x = (x * 0x94d049bb133111eb) & M
        x ^= x >> 31
        return x

    def score(r):
        h = fnv(r, 0xcbf29ce484222325)
        h = ((h ^ 0xff) * 0x100000001b3) & 0xffffffffffffffff
        return mix(fnv(channel, h))
    return max(sorted(live), key=score)


class Proxy:
    """TCP forwarder for the bridge; cut() drops every connection and refuses new ones."""

    def __init__(self, target_port):
        self.target = target_port
        self.up = True
        self.conns = []
        self.server = None
        self.port = None

    async def start(self):
        self.server = await asyncio.start_server(self._conn, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]

    async def _pipe(self, r, w):
        try:
            while True:
                d = await r.read(65536)
                if not d:
                    break
                w.write(d)
                await w.drain()
        except Exception:
            pass
        finally:
            w.close()

    async def _conn(self, r, w):
        if not self.up:
            w.close()
            return
        try:
            tr, tw = await asyncio.open_connection("127.0.0.1", self.target)
        except OSError:
            w.close()
            return
        self.conns += [w, tw]
        asyncio.ensure_future(self._pipe(r, tw))
        asyncio.ensure_future(self._pipe(tr, w))

    def cut(self):
        self.up = False
        for w in self.conns:
            w.close()
        self.conns = []

    def restore(self):
        self.up = True


class Cluster:
    def __init__(self, build):
        self.relay_bin = os.path.join(build, "src", "relay", "pttgw-relay")
        self.dir = tempfile.mkdtemp(prefix="pttgw-fed-")
        self.procs = {}
        self.urls = {}
        self.brokers = {}
        self.broker_extra = {}
        self.mq = [free_port(), free_port()]
        self.proxy = None
        self.push = False      # pushes: each relay to its own broker, a key per user

    def _broker(self, i, extra=""):
        self.broker_extra[i] = extra
        conf = os.path.join(self.dir, f"mq{i}.conf")
        with open(conf, "w") as f:
            f.write(f"listener {self.mq[i]} 127.0.0.1\nallow_anonymous true\npersistence false\n"
                    "max_inflight_messages 0\nmax_queued_messages 100000\n" + extra)
        p = subprocess.Popen([MOSQUITTO, "-c", conf], stdout=subprocess.DEVNULL,
                             stderr=open(os.path.join(self.dir, f"mq{i}.log"), "a"))
        self.brokers[i] = p

    def kill_broker(self, i):
        self.brokers[i].send_signal(signal.SIGKILL)
        self.brokers[i].wait()

    async def restart_broker(self, i):
        self._broker(i, self.broker_extra[i])
        await self._wait_port(self.mq[i])

    async def _wait_port(self, port):
        for _ in range(100):
            try:
                _, w = await asyncio.open_connection("127.0.0.1", port)
                w.close()
                return
            except OSError:
                await asyncio.sleep(0.05)
        raise RuntimeError(f"port {port} never opened")

    async def start(self, channels):
        self._broker(1)
        await self._wait_port(self.mq[1])
        self.proxy = Proxy(self.mq[1])
        await self.proxy.start()
        # broker 0 bridges to broker 1 (through the proxy), both directions
        self._broker(0, f"connection b0-b1\naddress 127.0.0.1:{self.proxy.port}\n"
                     f"topic {PREFIX}/# both 1\nrestart_timeout 1 2\nkeepalive_interval 5\n"
                     "bridge_protocol_version mqttv311\ntry_private true\n")
        await self._wait_port(self.mq[0])
        self.channels = channels
        for r in RELAYS:
            self.start_relay(r)
        for r in RELAYS:
            await self.wait_relay(r)
        await self.wait_log_all("federation: relay .* up \\(3 of 3 live\\)", 10)
        await asyncio.sleep(0.6)  # homes deny for 0.5 s after the live set changed

    def broker_of(self, relay):
        return self.mq[0] if relay == "ra" else self.mq[1]

    def start_relay(self, r):
        args = [self.relay_bin, "--listen", "127.0.0.1:0", "--federation",
                f"127.0.0.1:{self.broker_of(r)}", "--relay-id", r, "--relays", ",".join(RELAYS),
                "--max-connections", "200", "--max-per-address", "200",
                "--max-pending-per-address", "50", "--keep-ended", "30"]
        for u in USERS:
            args += ["-u", f"{u}:pw"]
        for c in self.channels:
            args += ["-C", c]
        if self.push:
            args += ["--mqtt", f"127.0.0.1:{self.broker_of(r)}"]
            for u in USERS:
                key = os.path.join(self.dir, f"{u}.key")
                if not os.path.exists(key):
                    with open(key, "w") as f:
                        f.write(os.urandom(16).hex() + "\n")
                    os.chmod(key, 0o600)
                args += ["--push-key", f"{u}:{key}"]
        out = open(os.path.join(self.dir, f"{r}.out"), "w")
        err = open(os.path.join(self.dir, f"{r}.err"), "a")
        # stdbuf: GLib's debug and info lines (stdout) in order with the rest
        env = dict(os.environ)
        env["ASAN_OPTIONS"] = ":".join(filter(None, [env.get("ASAN_OPTIONS"),
                                                     "verify_asan_link_order=0"]))
        self.procs[r] = subprocess.Popen(["stdbuf", "-oL"] + args, stdout=out, stderr=err,
                                         env=env)

    async def wait_relay(self, r):
        path = os.path.join(self.dir, f"{r}.out")
        for _ in range(100):
            m = re.search(r"listening on (ws://\S+)", open(path).read())
            if m:
                self.urls[r] = m.group(1)
                return
            await asyncio.sleep(0.05)
        raise RuntimeError(f"relay {r} did not start: {self.log(r)[-2000:]}")

    def log(self, r):
        return open(os.path.join(self.dir, f"{r}.err")).read()

    async def wait_log_all(self, pattern, timeout, relays=None):
        end = time.monotonic() + timeout
        for r in relays or RELAYS:
            while not re.search(pattern, self.log(r)):
                if time.monotonic() > end:
                    raise RuntimeError(f"{r}: no /{pattern}/ in its log:\n{self.log(r)[-3000:]}")
                await asyncio.sleep(0.05)

    def kill(self, r):
        self.procs[r].send_signal(signal.SIGKILL)
        self.procs[r].wait()

    def stop(self, keep=False):
        procs = list(self.procs.values()) + list(self.brokers.values())
        for p in procs:
            if p.poll() is None:
                p.terminate()
        for p in procs:
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        if keep:
            log(f"logs kept in {self.dir}")
        else:
            shutil.rmtree(self.dir, ignore_errors=True)


class Fail(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Fail(what)


async def talk(gw, sid, packets, gap=0.005):
    for i in range(packets):
        if gw.closed.is_set():
            break
        gw.audio(sid, i)
        await asyncio.sleep(gap)


def check_stream(gw, sid, packets, what):
    got = gw.packets.get(sid, [])
    check(gw.stops.get(sid) == 1, f"{what}: {gw.name}: {gw.stops.get(sid, 0)} stops of {sid}")
    check(sid in gw.starts, f"{what}: {gw.name}: no start of {sid}")
    check(sorted(got) == list(range(packets)),
          f"{what}: {gw.name}: stream {sid}: {len(got)} packets of {packets}, "
          f"{len(got) - len(set(got))} duplicates")


# ---- scenarios ----

async def delivery(cl):
    """A talker on each relay, on its own channel, all at once; two listeners per relay hear
    every channel: every packet exactly once, one start and one stop per burst."""
    P = 200
    chans = ["d0", "d1", "d2"]
    talkers = [await Gw(f"t{i}").logon(cl.urls[r], f"t{'abc'[i]}", "pw", [chans[i]])
               for i, r in enumerate(RELAYS)]
    listeners = []
    for i, r in enumerate(RELAYS):
        for j in range(2):
            u = f"l{2 * i + j + 1}"
            listeners.append(await Gw(u).logon(cl.urls[r], u, "pw", chans))
    await asyncio.sleep(0.3)
    for rnd in range(3):
        replies = await asyncio.gather(*[t.start_stream(c) for t, c in zip(talkers, chans)])
        sids = [r.get("stream_id") for r in replies]
        check(all(r.get("success") for r in replies), f"round {rnd}: starts {replies}")
        check(len(set(sids)) == 3, f"stream ids not unique: {sids}")
        await asyncio.gather(*[talk(t, s, P) for t, s in zip(talkers, sids)])
        await asyncio.gather(*[t.stop_stream(s) for t, s in zip(talkers, sids)])
        for s in sids:
            for g in listeners:
                check(await g.wait_stop(s, 5), f"{g.name}: no stop of {s}")
        for s in sids:
            for g in listeners:
                check_stream(g, s, P, f"round {rnd}")
        for t, s in zip(talkers, sids):
            check(s not in t.packets and s not in t.starts, f"{t.name} heard itself")
        log(f"round {rnd}: 3 bursts of {P} packets, {len(listeners)} listeners on 3 relays: "
            "each packet once")
    for g in talkers + listeners:
        g.close()


async def contention(cl, rounds=10, width=100):
    """width channels, each pressed at once by two talkers on two different relays, rounds
    times: exactly one grant per press pair (both denied: pressed again, counted)."""
    chans = [f"f{i}" for i in range(width)]
    tal = [await Gw(f"t{'abc'[i]}").logon(cl.urls[r], f"t{'abc'[i]}", "pw", chans)
           for i, r in enumerate(RELAYS)]
    homes = {}
    for c in chans:
        homes[home_of(c, RELAYS)] = homes.get(home_of(c, RELAYS), 0) + 1
    log(f"homes of the {width} channels: {homes}")
    await asyncio.sleep(0.3)
    pairs = grants = again = 0
    for rnd in range(rounds):
        todo = list(range(width))
        tries = 0
        while todo:
            tries += 1
            check(tries <= 5, f"round {rnd}: channels {todo[:5]}... never granted")
            futs = []
            for i in todo:
                a, b = tal[(i + rnd) % 3], tal[(i + rnd + 1) % 3]
                pair = [(a, a.start_stream(chans[i])), (b, b.start_stream(chans[i]))]
                if random.random() < 0.5:
                    pair.reverse()
                futs.append((i, pair))
            nxt = []
            stops = []
            for i, pair in futs:
                res = [(g, await asyncio.wait_for(f, 10)) for g, f in pair]
                ok = [(g, r) for g, r in res if r.get("success")]
                check(len(ok) <= 1, f"channel {chans[i]}: both talkers granted: {res}")
                for g, r in res:
                    check(r.get("success") or r.get("error") == "channel busy",
                          f"{chans[i]}: unexpected answer {r}")
                pairs += 1
                if not ok:
                    again += 1
                    nxt.append(i)
                    continue
                grants += 1
                g, r = ok[0]
                stops.append(g.stop_stream(r["stream_id"]))
            for f in stops:
                await asyncio.wait_for(f, 10)
            todo = nxt
            # the stops reach the homes through the brokers; then the next press
            await asyncio.sleep(0.3)
    log(f"contention: {pairs} press pairs on {width} channels, {grants} with exactly one "
        f"grant, {again} with none (pressed again), 0 with two")
    check(grants == rounds * width, "grants")
    check(again <= pairs // 20, f"too many pairs without a grant: {again}")
    for g in tal:
        g.close()


async def kill(cl):
    """A burst from A on a channel whose home is C, another from C; C is killed mid-burst:
    A's burst goes on (heard whole on B, and on the C listener that reconnects to B and
    joins it late); C's burst ends for everyone; the floor of the first channel moves."""
    P = 150
    k1 = next(f"k{i}" for i in range(100) if home_of(f"k{i}", RELAYS) == "rc")
    k2 = "kx"
    ta = await Gw("ta").logon(cl.urls["ra"], "ta", "pw", [k1])
    tc = await Gw("tc").logon(cl.urls["rc"], "tc", "pw", [k2])
    lb = await Gw("l1").logon(cl.urls["rb"], "l1", "pw", [k1, k2])
    lc = await Gw("l2").logon(cl.urls["rc"], "l2", "pw", [k1])
    la = await Gw("l3").logon(cl.urls["ra"], "l3", "pw", [k2])
    await asyncio.sleep(0.3)
    r1 = await ta.request({"command": "start_stream", "channel": k1, "type": "audio",
                           "codec": "opus", "codec_header": "gD4BFA==", "packet_duration": 20})
    r2 = await tc.request({"command": "start_stream", "channel": k2, "type": "audio",
                           "codec": "opus", "codec_header": "gD4BFA==", "packet_duration": 20})
    check(r1.get("success") and r2.get("success"), f"starts: {r1} {r2}")
    s1, s2 = r1["stream_id"], r2["stream_id"]

    async def killer():
        await asyncio.sleep(P * 0.01 / 2)
        cl.kill("rc")
        log(f"relay rc (home of {k1}, talker of {k2}) killed mid-burst")
    await asyncio.gather(talk(ta, s1, P, 0.01), talk(tc, s2, P, 0.01), killer())
    await asyncio.wait_for(ta.stop_stream(s1), 5)
    check(await lb.wait_stop(s1, 5), "B: no stop of A's burst")
    check_stream(lb, s1, P, "A's burst on B")
    # C's burst: ended cleanly where it was heard
    for g in (lb, la):
        check(await g.wait_stop(s2, 5), f"{g.name}: C's burst never ended")
        got = g.packets.get(s2, [])
        check(got == list(range(len(got))) and 0 < len(got) < P,
              f"{g.name}: C's burst: {len(got)} packets, in order without gaps or dups")
    log(f"C's burst ended on A and B after {len(lb.packets.get(s2, []))} of {P} packets")
    # the gateway on C reconnects to B and fetches A's burst late
    await asyncio.wait_for(lc.closed.wait(), 5)
    lc2 = await Gw("l2").logon(cl.urls["rb"], "l2", "pw", [k1])
    j = await lc2.request({"command": "join_stream", "stream_id": s1})
    check(j.get("success"), f"join_stream on B: {j}")
    check(await lc2.wait_stop(s1, 5), "late joiner: no stop")
    check_stream(lc2, s1, P, "late join on B")
    log(f"the gateway of rc reconnected to rb and joined A's burst late: {P} packets")
    # the floor of k1 moved (home_of without rc): one grant of two presses, A against B
    await asyncio.sleep(1.0)
    tb = await Gw("tb").logon(cl.urls["rb"], "tb", "pw", [k1])
    new_home = home_of(k1, ["ra", "rb"])
    for _ in range(20):
        fa, fb = ta.start_stream(k1), tb.start_stream(k1)
        ra, rb = await asyncio.wait_for(fa, 10), await asyncio.wait_for(fb, 10)
        ok = [(g, r) for g, r in ((ta, ra), (tb, rb)) if r.get("success")]
        check(len(ok) == 1, f"after the kill, home {new_home}: {ra} {rb}")
        await ok[0][0].request({"command": "stop_stream", "stream_id": ok[0][1]["stream_id"]})
        await asyncio.sleep(0.3)
    log(f"floor of {k1} moved to {new_home}: 20 press pairs A/B, one grant each")
    for g in (ta, tc, lb, lc, la, lc2, tb):
        g.close()


async def bridge(cl):
    """The bridge between the brokers is cut: B and C go on between them; A's request for a
    channel homed on B or C is refused (busy), never granted twice; restored: bursts cross
    again, each packet once."""
    P = 100
    cx = next(f"b{i}" for i in range(100) if home_of(f"b{i}", RELAYS) == "rb")
    ta = await Gw("ta").logon(cl.urls["ra"], "ta", "pw", [cx])
    tb = await Gw("tb").logon(cl.urls["rb"], "tb", "pw", [cx])
    lc = await Gw("l1").logon(cl.urls["rc"], "l1", "pw", [cx])
    la = await Gw("l2").logon(cl.urls["ra"], "l2", "pw", [cx])
    await asyncio.sleep(0.3)

    async def burst(t, listeners, what):
        r = await t.request({"command": "start_stream", "channel": cx, "type": "audio",
                             "codec": "opus", "codec_header": "gD4BFA==",
                             "packet_duration": 20})
        check(r.get("success"), f"{what}: {r}")
        await talk(t, r["stream_id"], P)
        await t.request({"command": "stop_stream", "stream_id": r["stream_id"]})
        for g in listeners:
            check(await g.wait_stop(r["stream_id"], 5), f"{what}: {g.name}: no stop")
            check_stream(g, r["stream_id"], P, what)
        # the stop reaches the relays without a listener here a moment later (the next
        # talker's relay must have it, or it answers busy)
        await asyncio.sleep(0.3)
        return r["stream_id"]
    await burst(ta, [lc], "before the cut, A -> C")
    cl.proxy.cut()
    log("bridge cut")
    await asyncio.sleep(0.5)
    await burst(tb, [lc], "cut: B -> C")
    t0 = time.monotonic()
    fa, fb = ta.start_stream(cx), tb.start_stream(cx)
    ra, rb = await asyncio.wait_for(fa, 10), await asyncio.wait_for(fb, 10)
    check(not ra.get("success"), f"cut: A granted by a home it cannot reach: {ra}")
    check(rb.get("success"), f"cut: B (home) refused: {rb}")
    await tb.request({"command": "stop_stream", "stream_id": rb["stream_id"]})
    log(f"cut: A's press refused after {time.monotonic() - t0:.1f} s, B's granted")
    cl.proxy.restore()
    log("bridge restored")
    for _ in range(100):
        r = await ta.request({"command": "start_stream", "channel": cx, "type": "audio",
                              "codec": "opus", "codec_header": "gD4BFA==",
                              "packet_duration": 20})
        if r.get("success"):
            await ta.request({"command": "stop_stream", "stream_id": r["stream_id"]})
            break
        await asyncio.sleep(0.2)
    else:
        raise Fail("A never got the floor again after the restore")
    log(f"restored: A granted again after {time.monotonic() - t0:.1f} s")
    await asyncio.sleep(0.5)
    await burst(ta, [lc], "restored: A -> C")
    await burst(tb, [la, lc], "restored: B -> A, C")
    log(f"restored: bursts cross both ways, {P} packets each, once")
    for g in (ta, tb, lc, la):
        g.close()


async def broker_restart(cl):
    """Broker 1 (relay A's, the bridge's end) is killed and restarted: meanwhile A refuses
    the floor of the channel it is home of (it cannot know whether the others moved it)
    and B gets no answer from A (busy): nobody gets the floor twice; then all is as before."""
    P = 100
    ca = next(f"b{i}" for i in range(100) if home_of(f"b{i}", RELAYS) == "ra")
    ta = await Gw("ta").logon(cl.urls["ra"], "ta", "pw", [ca])
    tb = await Gw("tb").logon(cl.urls["rb"], "tb", "pw", [ca])
    lc = await Gw("l1").logon(cl.urls["rc"], "l1", "pw", [ca])
    await asyncio.sleep(0.3)
    cl.kill_broker(0)
    log("broker 1 killed")
    await asyncio.sleep(0.3)
    fa, fb = ta.start_stream(ca), tb.start_stream(ca)
    ra, rb = await asyncio.wait_for(fa, 10), await asyncio.wait_for(fb, 10)
    check(not ra.get("success"), f"broker down: A (home, cut off) granted: {ra}")
    check(not rb.get("success"), f"broker down: B granted without its home: {rb}")
    log("broker down: A's and B's presses on a channel homed on A both refused")
    await cl.restart_broker(0)
    log("broker 1 restarted")
    t0 = time.monotonic()
    for _ in range(100):
        r = await tb.request({"command": "start_stream", "channel": ca, "type": "audio",
                              "codec": "opus", "codec_header": "gD4BFA==",
                              "packet_duration": 20})
        if r.get("success"):
            await talk(tb, r["stream_id"], P)
            await tb.request({"command": "stop_stream", "stream_id": r["stream_id"]})
            break
        await asyncio.sleep(0.2)
    else:
        raise Fail("B never got the floor from A again")
    log(f"B granted by A again {time.monotonic() - t0:.1f} s after the restart")
    check(await ta.wait_stop(r["stream_id"], 5) and await lc.wait_stop(r["stream_id"], 5),
          "no stop after the restart")
    check_stream(ta, r["stream_id"], P, "after the restart, B -> A")
    check_stream(lc, r["stream_id"], P, "after the restart, B -> C")
    log(f"after the restart: B's burst heard on A and C, {P} packets once")
    for g in (ta, tb, lc):
        g.close()


async def push(cl):
    """Pushes with federated relays: one per burst and member, published by the talker's
    relay only (both brokers watched), and the stream id in it can be joined on any relay."""
    import base64
    import json
    P = 50
    subs = [subprocess.Popen([shutil.which("mosquitto_sub") or "mosquitto_sub", "-h",
                              "127.0.0.1", "-p", str(port), "-t", "pttgw/#", "-v"],
                             stdout=subprocess.PIPE, text=True) for port in cl.mq]
    await asyncio.sleep(0.5)
    ta = await Gw("ta").logon(cl.urls["ra"], "ta", "pw", ["pc"])
    r = await ta.request({"command": "start_stream", "channel": "pc", "type": "audio",
                          "codec": "opus", "codec_header": "gD4BFA==", "packet_duration": 20})
    check(r.get("success"), f"start: {r}")
    sid = r["stream_id"]
    await talk(ta, sid, P)
    await ta.request({"command": "stop_stream", "stream_id": sid})
    await asyncio.sleep(1.0)
    for p in subs:
        p.terminate()
    pushes = {}
    for i, p in enumerate(subs):
        for line in p.communicate()[0].splitlines():
            topic, env = line.split(" ", 1)
            payload = json.loads(base64.b64decode(json.loads(env)["payload"]))
            check(payload["stream_id"] == sid, f"push with stream {payload['stream_id']}")
            pushes.setdefault(topic, []).append(i)
    want = {f"pttgw/{u}" for u in USERS if u != "ta"}
    check(set(pushes) == want, f"pushes to {sorted(pushes)}, not {sorted(want)}")
    check(all(v == [0] for v in pushes.values()),
          f"not one push each, all from A's broker: {pushes}")
    log(f"{len(pushes)} pushes for the burst, one per member, all from its relay ra")
    # a gateway woken by its push logs on to another relay and joins the burst there
    for relay in ("rb", "rc"):
        g = await Gw("l1").logon(cl.urls[relay], "l1", "pw", ["pc"])
        j = await g.request({"command": "join_stream", "stream_id": sid})
        check(j.get("success"), f"join_stream {sid} on {relay}: {j}")
        check(await g.wait_stop(sid, 5), f"{relay}: no stop of the joined burst")
        check_stream(g, sid, P, f"joined on {relay}")
        g.close()
    log(f"the pushed stream id joined on rb and rc: {P} packets each")
    ta.close()


async def emergency(cl):
    """An emergency on A over a burst from B, on a channel homed on C: C stops B's burst
    (B's talker and every listener get its on_stream_stop) and grants A; a second
    emergency from B is refused."""
    ce = next(f"b{i}" for i in range(100) if home_of(f"b{i}", RELAYS) == "rc")
    ta = await Gw("ta").logon(cl.urls["ra"], "ta", "pw", [ce])
    tb = await Gw("tb").logon(cl.urls["rb"], "tb", "pw", [ce])
    lc = await Gw("l1").logon(cl.urls["rc"], "l1", "pw", [ce])
    await asyncio.sleep(0.3)
    start = {"command": "start_stream", "channel": ce, "type": "audio", "codec": "opus",
             "codec_header": "gD4BFA==", "packet_duration": 20}
    rb = await tb.request(dict(start))
    check(rb.get("success"), f"B: {rb}")
    await talk(tb, rb["stream_id"], 20)
    check(await ta.wait_stop(-1, 0.3) is False and rb["stream_id"] in ta.starts,
          "A does not hear B")
    ra = await ta.request(dict(start, emergency=True))
    check(ra.get("success"), f"A's emergency refused: {ra}")
    for g in (tb, ta, lc):
        check(await g.wait_stop(rb["stream_id"], 5), f"{g.name}: B's burst not stopped")
    check(await lc.wait_stop(-1, 0.5) is False and ra["stream_id"] in lc.starts,
          "C does not hear A's emergency")
    check(lc.starts[ra["stream_id"]].get("emergency") is True, "not marked emergency on C")
    r2 = await tb.request(dict(start, emergency=True))
    check(r2.get("error") == "channel busy", f"B's emergency over A's: {r2}")
    await ta.request({"command": "stop_stream", "stream_id": ra["stream_id"]})
    log("A's emergency pre-empted B's burst through C (the home); B's own emergency refused")
    for g in (ta, tb, lc):
        g.close()


SCENARIOS = {
    "delivery": (delivery, ["d0", "d1", "d2"]),
    "contention": (contention, [f"f{i}" for i in range(100)]),
    "kill": (kill, [f"k{i}" for i in range(100)] + ["kx"]),
    "bridge": (bridge, [f"b{i}" for i in range(100)]),
    "broker-restart": (broker_restart, [f"b{i}" for i in range(100)]),
    "push": (push, ["pc"]),
    "emergency": (emergency, [f"b{i}" for i in range(100)]),
}


async def main(build, scenario):
    fn, channels = SCENARIOS[scenario]
    cl = Cluster(build)
    cl.push = scenario == "push"
    ok = False
    try:
        await cl.start(channels)
        await fn(cl)
        ok = True
    except Fail as e:
        log(f"FAIL: {e}")
    finally:
        live = [r for r in RELAYS if r in cl.procs and cl.procs[r].poll() is None]
        for r in live:
            cl.procs[r].send_signal(signal.SIGTERM)
        for r in live:
            try:
                rc = cl.procs[r].wait(10)
            except subprocess.TimeoutExpired:
                rc = "hung on SIGTERM"
            if rc != 0:
                log(f"FAIL: relay {r} exited with {rc}")
                ok = False
        for r in cl.procs:
            if re.search(r"(ERROR|WARNING): \w+Sanitizer|runtime error:|CRITICAL", cl.log(r)):
                log(f"FAIL: relay {r}: a sanitizer report or a critical in its log")
                ok = False
        cl.stop(keep=not ok or bool(os.environ.get("FEDTEST_KEEP")))
        if not ok:
            for r in RELAYS:
                try:
                    log(f"---- {r} ----\n" + cl.log(r)[-4000:])
                except OSError:
                    pass
    return ok


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[2] not in SCENARIOS:
        sys.exit(__doc__)
    sys.exit(0 if asyncio.run(main(sys.argv[1], sys.argv[2])) else 1)
