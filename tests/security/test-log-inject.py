#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Log injection and log floods on the relay (issue #15 item 12).
1. A username (unauthenticated) and a channel name with newlines and an escape sequence
   must not start a line of their own in the relay's log.
2. 10 unauthenticated connections send bad frames for 2 s: the relay logs at most 300
   lines for them (the warnings are rate-limited).
Usage: test-log-inject.py PTTGW-RELAY
"""
import sys
import tempfile
import time

sys.path.insert(0, sys.path[0])
from wsc import WS, Relay, Closed, fail  # noqa: E402

FAKE = "pttgw-relay-Message: 00:00:00.000: FAKE"


def main():
    with tempfile.TemporaryDirectory() as tmp:
        relay = Relay(sys.argv[1], ["-u", "alice:apw", "-C", "ops"], tmp,
                      conf={"max-pending-per-address": 20})
        try:
            c = WS("127.0.0.1", relay.port)
            c.logon(username="x\n" + FAKE + " admin logged on\x1b[2J", password="p",
                    channels=["ops"])
            c.close()
            c = WS("127.0.0.1", relay.port)
            c.logon(username="alice", password="apw", channels=["ops", "no\n" + FAKE + "2"])
            c.close()
            time.sleep(0.3)
            log = relay.log()
            bad = [l for l in log.splitlines() if l.startswith("pttgw-relay-Message: 00:00")]
            if bad or "\x1b" in log:
                fail("injected log lines: %r" % bad, relay)
            print("1: peer text escaped: %r" %
                  [l for l in log.splitlines() if "FAKE" in l][:2])

            lines0 = len(relay.log().splitlines())
            conns = [WS("127.0.0.1", relay.port) for _ in range(10)]
            t0, sent = time.monotonic(), 0
            while time.monotonic() - t0 < 2.0:
                for c in conns:
                    try:
                        c.send_frame(1, b"{not json")
                        sent += 1
                    except OSError:
                        pass
            time.sleep(0.5)
            n = len(relay.log().splitlines()) - lines0
            print("2: %d bad frames from 10 connections in 2 s: %d log lines" % (sent, n))
            if n > 300:
                fail("%d log lines for %d bad frames" % (n, sent), relay)
            for c in conns:
                c.close()
        finally:
            relay.stop()
    print("PASS")


main()
