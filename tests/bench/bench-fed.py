#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""bench-fed: the latency the broker adds between federated relays (issue #19).

The cluster of tests/federation (relays ra on broker 1, rb and rc on broker 2, the brokers
bridged), one talker per path sending N packets 5 ms apart, each carrying its send time;
a listener per path measures send -> receive:
  local        talker and listener on the same relay (the relay alone)
  same broker  talker on rb, listener on rc (relay -> broker -> relay)
  bridged      talker on ra, listener on rb (relay -> broker 1 -> bridge -> broker 2 -> relay)
Prints median and p99 per path, and what each cross-relay path adds to the local median.
The client is Python (asyncio): its own overhead is in every path alike.

Usage: bench-fed.py BUILD_DIR [--packets N]
"""
import asyncio
import os
import struct
import sys
import time

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "federation"))
from fedclient import Gw  # noqa: E402
import fedtest  # noqa: E402


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(len(v) * p))]


async def run(build, n):
    cl = fedtest.Cluster(build)
    await cl.start(["p0", "p1", "p2"])
    try:
        paths = [("local", "ra", "ra", "p0"), ("same broker", "rb", "rc", "p1"),
                 ("bridged", "ra", "rb", "p2")]
        res = {}
        talkers = []
        for i, (name, tr, lr, ch) in enumerate(paths):
            t = await Gw(f"t{i}").logon(cl.urls[tr], ["ta", "tb", "tc"][i], "pw", [ch])
            listener = await Gw(f"l{i}").logon(cl.urls[lr], f"l{i + 1}", "pw", [ch])
            lat = res[name] = []
            listener.on_audio = (lambda lat: lambda sid, pid, d:
                                 lat.append(time.monotonic_ns() - struct.unpack("!Q", d)[0]))(lat)
            talkers.append((t, ch, listener))
        await asyncio.sleep(0.3)

        async def talk(t, ch):
            r = await t.request({"command": "start_stream", "channel": ch, "type": "audio",
                                 "codec": "opus", "codec_header": "gD4BFA==",
                                 "packet_duration": 20})
            assert r.get("success"), r
            for k in range(n):
                t.audio(r["stream_id"], k, struct.pack("!Q", time.monotonic_ns()))
                await asyncio.sleep(0.005)
            await t.request({"command": "stop_stream", "stream_id": r["stream_id"]})
            return r["stream_id"]
        # one path at a time: they do not queue behind each other
        for t, ch, listener in talkers:
            sid = await talk(t, ch)
            await listener.wait_stop(sid, 5)
        base = pct(res["local"], 0.5)
        for name, *_ in paths:
            v = res[name]
            print(f"fed: {name:<12} n={len(v)} median {pct(v, 0.5) / 1e3:8.1f} us "
                  f"p99 {pct(v, 0.99) / 1e3:8.1f} us  added to local median "
                  f"{(pct(v, 0.5) - base) / 1e3:8.1f} us", flush=True)
            if len(v) != n:
                print(f"fed: {name}: {n - len(v)} packets lost")
                return False
        for t, _, listener in talkers:
            t.close()
            listener.close()
        return True
    finally:
        cl.stop()


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    n = int(sys.argv[3]) if len(sys.argv) > 3 and sys.argv[2] == "--packets" else 2000
    sys.exit(0 if asyncio.run(run(sys.argv[1], n)) else 1)
