#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Password guessing (issue #15 item 4).
A. 3 s of wrong passwords for alice from 127.0.0.1, one connection per try, as fast as
   it goes: the relay checks at most 10 of them (the rest are refused unchecked).
B. The same from 20 other addresses: alice's own record keeps the count low (at most 10).
C. alice's gateway (127.0.0.5) logs on with its refresh token during the attack.
D. A users file with a --hash-password hash logs bob on; the same file readable by
   others is refused at start (exit 78, the file named).
Usage: test-bruteforce.py PTTGW-RELAY
"""
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, sys.path[0])
from wsc import WS, Relay, Closed, fail  # noqa: E402


def guess(relay, src, n):
    c = WS("127.0.0.1", relay.port, src=src, timeout=2)
    try:
        return c.logon(username="alice", password="guess%d" % n, channels=["ops"])
    finally:
        c.close()


def attack(relay, sources, seconds):
    t0, n = time.monotonic(), 0
    while time.monotonic() - t0 < seconds:
        try:
            r = guess(relay, sources[n % len(sources)], n)
            if r.get("success"):
                fail("a wrong password was accepted", relay)
        except (OSError, Closed):
            pass
        n += 1
    return n


def main():
    binary = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        relay = Relay(binary, ["-u", "alice:apw", "-C", "ops"], tmp)
        try:
            gw = WS("127.0.0.1", relay.port, src="127.0.0.5")
            token = gw.logon(username="alice", password="apw", channels=["ops"])["refresh_token"]
            gw.close()

            sent = attack(relay, ["127.0.0.1"], 3.0)
            checked = int(relay.stats()["logons_failed"])
            print("A: one address: %d tries sent in 3 s, %d checked (%.1f a second)" %
                  (sent, checked, checked / 3.0))
            if checked > 10:
                fail("%d of %d guesses checked in 3 s" % (checked, sent), relay)

            sent = attack(relay, ["127.0.3.%d" % i for i in range(1, 21)], 2.0)
            checked2 = int(relay.stats()["logons_failed"]) - checked
            print("B: 20 addresses: %d tries sent in 2 s, %d checked" % (sent, checked2))
            if checked2 > 10:
                fail("%d of %d guesses from 20 addresses checked in 2 s" % (checked2, sent),
                     relay)

            gw = WS("127.0.0.1", relay.port, src="127.0.0.5")
            r = gw.logon(username="alice", refresh_token=token, channels=["ops"])
            gw.close()
            if not r.get("success"):
                fail("alice's gateway was locked out by the attack: %r" % r, relay)
            print("C: alice's gateway logged on with its refresh token")
        finally:
            relay.stop()

        hashed = subprocess.run([binary, "--hash-password"], input="bob secret\n",
                                capture_output=True, text=True, timeout=10)
        h = hashed.stdout.strip()
        if hashed.returncode != 0 or not h.startswith("$y$"):
            fail("--hash-password: %r %r" % (hashed.stdout, hashed.stderr))
        users = os.path.join(tmp, "users")
        with open(users, "w") as f:
            f.write("# name:hash\nbob:%s\n" % h)
        os.chmod(users, 0o640)
        relay = Relay(binary, ["-C", "ops", "--users-file", users], tmp)
        try:
            c = WS("127.0.0.1", relay.port)
            ok = c.logon(username="bob", password="bob secret", channels=["ops"]).get("success")
            c.close()
            c = WS("127.0.0.1", relay.port)
            bad = c.logon(username="bob", password="bob secreT", channels=["ops"]).get("success")
            c.close()
            if not ok or bad:
                fail("hashed password: right one %s, wrong one %s" % (ok, bad), relay)
            if "secret" in relay.log():
                fail("the password shows in the log", relay)
        finally:
            relay.stop()
        print("D: a hashed password from a users file logs bob on")
        os.chmod(users, 0o644)
        p = subprocess.run([binary, "--listen", "127.0.0.1:0", "--users-file", users],
                           capture_output=True, text=True, timeout=10)
        if p.returncode != 78 or users not in p.stderr:
            fail("a users file readable by others: exit %d, %r" % (p.returncode, p.stderr))
        print("D: a users file readable by others is refused: %s" % p.stderr.strip())
    print("PASS")


main()
