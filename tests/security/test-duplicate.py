#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""One user, two sessions (issue #15 item 5): by default a second logon replaces the
first (which gets on_error and is closed; the relay logs it); with duplicate-logon =
refuse the second logon is refused and the first stays.
Usage: test-duplicate.py PTTGW-RELAY
"""
import sys
import tempfile

sys.path.insert(0, sys.path[0])
from wsc import WS, Relay, Closed, fail  # noqa: E402


def closed(c):
    """True when c gets a close frame or EOF (after any text) within its timeout."""
    try:
        while True:
            op, _ = c.recv_frame()
            if op == 8:
                return True
    except Closed:
        return True
    except OSError:
        return False


def main():
    with tempfile.TemporaryDirectory() as tmp:
        relay = Relay(sys.argv[1], ["-u", "alice:apw", "-C", "ops"], tmp)
        try:
            c1 = WS("127.0.0.1", relay.port, timeout=2)
            c1.logon(username="alice", password="apw", channels=["ops"])
            c2 = WS("127.0.0.1", relay.port, timeout=2)
            if not c2.logon(username="alice", password="apw", channels=["ops"]).get("success"):
                fail("replace: the second logon was refused", relay)
            if not closed(c1):
                fail("replace: the first session of alice is still open", relay)
            if "logs on again" not in relay.log():
                fail("replace: not logged", relay)
            print("replace: the first session was closed")
        finally:
            relay.stop()
        relay = Relay(sys.argv[1], ["-u", "alice:apw", "-C", "ops"], tmp,
                      conf={"duplicate-logon": "refuse"})
        try:
            c1 = WS("127.0.0.1", relay.port, timeout=2)
            c1.logon(username="alice", password="apw", channels=["ops"])
            c2 = WS("127.0.0.1", relay.port, timeout=2)
            if c2.logon(username="alice", password="apw", channels=["ops"]).get("success"):
                fail("refuse: the second logon was accepted", relay)
            c1.send_json({"command": "keepalive", "seq": 7})
            try:
                while c1.recv_json().get("seq") != 7:
                    pass
            except (Closed, OSError) as e:
                fail("refuse: the first session does not answer: %s" % e, relay)
            print("refuse: the second logon was refused, the first session stays")
        finally:
            relay.stop()
    print("PASS")


main()
