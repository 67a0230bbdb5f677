#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Half-open TCP connections (issue #15 item 3): the relay runs with RLIMIT_NOFILE 1024.
1. 1,100 idle sockets from 127.0.0.3: alice (127.0.0.1) logs on within 3 s.
2. 1,100 idle sockets from 275 addresses (127.0.1-2.x, 4 each: under the per-address
   limits, over the file limit): the relay stops accepting instead of spinning on EMFILE
   (at most 20 accept errors logged), and alice logs on once the idle sockets time out
   (the relay's handshake timeout is 5 s: within 10 s).
Usage: test-halfopen.py PTTGW-RELAY
"""
import resource
import socket
import sys
import tempfile
import time

sys.path.insert(0, sys.path[0])
from wsc import WS, Relay, Closed, fail  # noqa: E402

FLOOD = 1100


def low_nofile():
    resource.setrlimit(resource.RLIMIT_NOFILE, (1024, 1024))


def flood(port, sources):
    socks = []
    for i in range(FLOOD):
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=1,
                                         source_address=(sources[i % len(sources)], 0))
            socks.append(s)
        except OSError:
            pass
    return socks


def alice_logon(relay, deadline):
    t0 = time.monotonic()
    last = None
    while time.monotonic() - t0 < deadline:
        try:
            c = WS("127.0.0.1", relay.port, src="127.0.0.1", timeout=2)
            r = c.logon(username="alice", password="apw", channels=["ops"])
            c.close()
            if r.get("success"):
                return time.monotonic() - t0
            last = r
        except (OSError, Closed) as e:
            last = e
        time.sleep(0.2)
    fail("alice could not log on within %.0f s: %s" % (deadline, last), relay)


def main():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < FLOOD + 100:
        print("SKIP: RLIMIT_NOFILE hard limit %d is too low for the flood" % hard)
        sys.exit(77)
    resource.setrlimit(resource.RLIMIT_NOFILE, (FLOOD + 100 if hard == resource.RLIM_INFINITY
                                                else min(hard, 4096), hard))
    with tempfile.TemporaryDirectory() as tmp:
        relay = Relay(sys.argv[1], ["-u", "alice:apw", "-C", "ops"], tmp, prelude=low_nofile,
                      conf={"max-connections": 2000})
        try:
            socks = flood(relay.port, ["127.0.0.3"])
            dt = alice_logon(relay, 3)
            print("one address, %d sockets: alice logged on in %.3f s" % (len(socks), dt))
            for s in socks:
                s.close()
            time.sleep(0.5)

            socks = flood(relay.port, ["127.0.%d.%d" % (1 + i // 200, 1 + i % 200)
                                       for i in range(275)])
            time.sleep(2)
            errors = relay.log().count("accept: errno")
            print("275 addresses, %d sockets: %d accept errors logged in 2 s" %
                  (len(socks), errors))
            if errors > 20:
                fail("the relay spins on accept() (%d errors logged)" % errors, relay)
            dt = alice_logon(relay, 10)
            print("275 addresses: alice logged on after %.1f s more" % dt)
            for s in socks:
                s.close()
        finally:
            relay.stop()
    print("PASS")


main()
