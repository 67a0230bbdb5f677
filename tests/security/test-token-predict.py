#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Refresh tokens: the prediction attack of issue #15 and the token rules.

mallory logs on up to 170 times, rebuilds a Mersenne Twister (GLib's GRand) from the
tokens she got, predicts the token of alice's next logon and logs on with it alone.
Then: a token works once, only for its user, and not after its lifetime.
Usage: test-token-predict.py PTTGW-RELAY
"""
import re
import sys
import tempfile
import time

sys.path.insert(0, sys.path[0])
from wsc import WS, Relay, fail  # noqa: E402

MAX_LOGONS = 170  # 624 outputs of 32 bits at 4 a token, plus a few to check


def untemper(y):
    y ^= y >> 18
    y ^= (y << 15) & 0xefc60000
    t = y
    for _ in range(5):
        t = y ^ ((t << 7) & 0x9d2c5680)
    y = t & 0xffffffff
    t = y
    for _ in range(3):
        t = y ^ (t >> 11)
    return t & 0xffffffff


class MT:
    def __init__(self, state):
        self.mt, self.i = list(state), 624

    def next(self):
        if self.i >= 624:
            for k in range(624):
                y = (self.mt[k] & 0x80000000) | (self.mt[(k + 1) % 624] & 0x7fffffff)
                self.mt[k] = self.mt[(k + 397) % 624] ^ (y >> 1) ^ (0x9908b0df if y & 1 else 0)
            self.i = 0
        y = self.mt[self.i]
        self.i += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9d2c5680
        y ^= (y << 15) & 0xefc60000
        y ^= y >> 18
        return y & 0xffffffff


def logon(relay, **kw):
    c = WS("127.0.0.1", relay.port)
    try:
        return c.logon(**kw)
    finally:
        c.close()


def attack(relay):
    """The predicted token of alice's next logon, or None when the tokens do not fit."""
    words = []
    for n in range(MAX_LOGONS):
        r = logon(relay, username="mallory", password="mpw", channels=["ops"])
        t = r.get("refresh_token", "")
        m = re.fullmatch(r"rt-([0-9a-f]{8})([0-9a-f]{8})([0-9a-f]{8})([0-9a-f]{8})", t)
        if not m:
            print("token %r does not have the shape of four g_random_int()s" % t[:20])
            return None
        words.append([int(x, 16) for x in m.groups()])
    # the arguments' evaluation order is the compiler's: try both
    for order in (lambda w: w, lambda w: w[::-1]):
        seq = [x for w in words for x in order(w)]
        mt = MT([untemper(x) for x in seq[:624]])
        if all(mt.next() == x for x in seq[624:]):
            nxt = [mt.next() for _ in range(4)]
            return "rt-" + "".join("%08x" % x for x in order(nxt))
    print("no Mersenne Twister fits %d tokens" % len(words))
    return None


def main():
    binary = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        relay = Relay(binary, ["-u", "alice:apw", "-u", "bob:bpw", "-u", "mallory:mpw",
                               "-C", "ops"], tmp,
                      conf={"max-per-address": 400, "refresh-token-lifetime": 2})
        try:
            t0 = time.monotonic()
            guess = attack(relay)
            r = logon(relay, username="alice", password="apw", channels=["ops"])
            alice_token = r.get("refresh_token")
            if guess is not None:
                r = logon(relay, refresh_token=guess, channels=["ops"])
                if r.get("success"):
                    fail("mallory predicted alice's token (%s) and logged on with it" % guess,
                         relay)
            print("prediction failed (%.1f s, %d logons)" % (time.monotonic() - t0, MAX_LOGONS))

            # bound to its user: alice's token does not log bob on (and is spent)
            r = logon(relay, username="bob", refresh_token=alice_token, channels=["ops"])
            if r.get("success"):
                fail("alice's token logged bob on", relay)
            # single use
            r = logon(relay, username="alice", password="apw", channels=["ops"])
            tok = r["refresh_token"]
            r = logon(relay, username="alice", refresh_token=tok, channels=["ops"])
            if not r.get("success"):
                fail("a fresh refresh token was refused: %r" % r, relay)
            tok2 = r.get("refresh_token")
            r = logon(relay, refresh_token=tok, channels=["ops"])
            if r.get("success"):
                fail("a refresh token worked twice", relay)
            # expiry (--refresh-token-lifetime=2)
            time.sleep(2.5)
            r = logon(relay, refresh_token=tok2, channels=["ops"])
            if r.get("success"):
                fail("an expired refresh token worked", relay)
        finally:
            relay.stop()
    print("PASS")


main()
