#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Logon slots: 300 WebSocket connections from 127.0.0.2 that never log on (issue #15
item 2); alice on 127.0.0.1 must still log on, within 3 s.
Usage: test-slot-flood.py PTTGW-RELAY
"""
import sys
import tempfile
import time

sys.path.insert(0, sys.path[0])
from wsc import WS, Relay, Closed, fail  # noqa: E402

FLOOD = 300


def main():
    with tempfile.TemporaryDirectory() as tmp:
        relay = Relay(sys.argv[1], ["-u", "alice:apw", "-C", "ops"], tmp)
        held, refused = [], 0
        try:
            t0 = time.monotonic()
            for _ in range(FLOOD):
                try:
                    held.append(WS("127.0.0.1", relay.port, src="127.0.0.2", timeout=2))
                except (OSError, Closed):
                    refused += 1
            print("flood: %d connections held, %d refused in %.2f s" %
                  (len(held), refused, time.monotonic() - t0))
            t0 = time.monotonic()
            try:
                c = WS("127.0.0.1", relay.port, src="127.0.0.1", timeout=3)
                r = c.logon(username="alice", password="apw", channels=["ops"])
            except (OSError, Closed) as e:
                fail("alice could not log on during the flood: %s" % e, relay)
            dt = time.monotonic() - t0
            if not r.get("success"):
                fail("alice refused during the flood: %r" % r, relay)
            print("alice logged on in %.3f s during the flood" % dt)
            if len(held) > 16:
                fail("one address holds %d connections" % len(held), relay)
        finally:
            for c in held:
                c.close()
            relay.stop()
    print("PASS")


main()
