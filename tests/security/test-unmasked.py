#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Unmasked client frames (issue #15 item 13, RFC 6455 5.1): the relay closes with 1002.
Over ws:// and wss:// (a self-signed certificate from openssl, when it is installed):
a masked logon works; an unmasked logon is not answered but closed with 1002; an
unmasked frame after a good logon closes the connection with 1002 too.
Usage: test-unmasked.py PTTGW-RELAY
"""
import os
import shutil
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, sys.path[0])
from wsc import WS, Relay, Closed, fail  # noqa: E402


def close_code(c, relay, what):
    """Reads until the close frame; its status code (None: closed without one)."""
    try:
        while True:
            op, p = c.recv_frame()
            if op == 8:
                return struct.unpack("!H", p[:2])[0] if len(p) >= 2 else None
            if op == 1 and b'"success":true' in p.replace(b" ", b""):
                fail("%s: the relay answered an unmasked logon: %r" % (what, p), relay)
    except (Closed, OSError):
        return None


def run(relay, tls):
    what = "wss" if tls else "ws"
    c = WS("127.0.0.1", relay.port, tls=tls)
    if not c.logon(username="alice", password="apw", channels=["ops"]).get("success"):
        fail("%s: masked logon refused" % what, relay)
    c.close()

    c = WS("127.0.0.1", relay.port, tls=tls)
    c.send_json({"command": "logon", "seq": 1, "username": "alice", "password": "apw",
                 "channels": ["ops"]}, mask=False)
    code = close_code(c, relay, what)
    c.close()
    if code != 1002:
        fail("%s: unmasked logon: close code %s, want 1002" % (what, code), relay)

    c = WS("127.0.0.1", relay.port, tls=tls)
    c.logon(username="alice", password="apw", channels=["ops"])
    c.send_json({"command": "keepalive", "seq": 9}, mask=False)
    code = close_code(c, relay, what)
    c.close()
    if code != 1002:
        fail("%s: unmasked frame after logon: close code %s, want 1002" % (what, code), relay)
    print("%s: unmasked frames closed with 1002" % what)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        relay = Relay(sys.argv[1], ["-u", "alice:apw", "-C", "ops"], tmp)
        try:
            run(relay, False)
        finally:
            relay.stop()
        if not shutil.which("openssl"):
            print("no openssl: wss:// not tried")
        else:
            cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
            subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                            "-days", "1", "-subj", "/CN=127.0.0.1", "-keyout", key,
                            "-out", cert], check=True, capture_output=True)
            relay = Relay(sys.argv[1], ["-u", "alice:apw", "-C", "ops", "--cert", cert,
                                        "--key", key], tmp)
            try:
                run(relay, True)
            finally:
                relay.stop()
    print("PASS")


main()
