# SPDX-License-Identifier: MIT
"""A small WebSocket client for the security tests, written from RFC 6455 (no project code).

Blocking sockets; enough for a handshake, masked (or deliberately unmasked) frames,
text messages and the close frame.
"""
import base64
import json
import os
import socket
import struct
import subprocess
import sys
import time


class Closed(Exception):
    pass


class WS:
    def __init__(self, host, port, src=None, timeout=5.0, tls=False):
        self.sock = socket.create_connection((host, port), timeout=timeout,
                                             source_address=(src, 0) if src else None)
        if tls:
            import ssl
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            self.sock = ctx.wrap_socket(self.sock)
        self.buf = b""
        key = base64.b64encode(os.urandom(16)).decode()
        req = ("GET / HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n" % (host, port, key))
        self.sock.sendall(req.encode())
        while b"\r\n\r\n" not in self.buf:
            d = self.sock.recv(4096)
            if not d:
                raise Closed("closed during the handshake")
            self.buf += d
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        if not head.startswith(b"HTTP/1.1 101"):
            raise Closed("handshake refused: %r" % head[:40])

    def send_frame(self, opcode, payload, mask=True):
        b0 = 0x80 | opcode
        n = len(payload)
        if n < 126:
            hdr = struct.pack("!BB", b0, (0x80 if mask else 0) | n)
        elif n < 65536:
            hdr = struct.pack("!BBH", b0, (0x80 if mask else 0) | 126, n)
        else:
            hdr = struct.pack("!BBQ", b0, (0x80 if mask else 0) | 127, n)
        if mask:
            k = os.urandom(4)
            payload = bytes(c ^ k[i % 4] for i, c in enumerate(payload))
            hdr += k
        self.sock.sendall(hdr + payload)

    def send_json(self, obj, mask=True):
        self.send_frame(1, json.dumps(obj).encode(), mask)

    def _need(self, n):
        while len(self.buf) < n:
            d = self.sock.recv(65536)
            if not d:
                raise Closed("closed")
            self.buf += d

    def recv_frame(self):
        """(opcode, payload); a close frame is returned, not raised."""
        self._need(2)
        b0, b1 = self.buf[0], self.buf[1]
        n, off = b1 & 0x7f, 2
        if n == 126:
            self._need(4)
            n, off = struct.unpack("!H", self.buf[2:4])[0], 4
        elif n == 127:
            self._need(10)
            n, off = struct.unpack("!Q", self.buf[2:10])[0], 10
        self._need(off + n)
        p, self.buf = self.buf[off:off + n], self.buf[off + n:]
        return b0 & 0x0f, p

    def recv_json(self):
        while True:
            op, p = self.recv_frame()
            if op == 8:
                raise Closed("close frame %r" % p[:2])
            if op == 1:
                return json.loads(p)

    def logon(self, seq=1, **fields):
        """Sends a logon; returns its reply (dict)."""
        m = {"command": "logon", "seq": seq}
        m.update(fields)
        self.send_json(m)
        while True:
            r = self.recv_json()
            if r.get("seq") == seq:
                return r

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


class Relay:
    """pttgw-relay on 127.0.0.1 with a free port; its stderr in a file."""

    def __init__(self, binary, args, tmp, prelude=None, conf=None):
        """conf: [relay] keys (a relay that does not know one ignores it)."""
        self.err_path = os.path.join(tmp, "relay.err")
        self.err = open(self.err_path, "w")
        cmd = [binary, "--listen", "127.0.0.1:0"] + args
        if conf:
            path = os.path.join(tmp, "relay.conf")
            with open(path, "w") as f:
                f.write("[relay]\n" + "".join("%s = %s\n" % kv for kv in conf.items()))
            cmd.append("--config=" + path)
        # stdout to a file too: GLib writes info messages there (a pipe would fill up)
        self.out_path = os.path.join(tmp, "relay.out")
        self.out = open(self.out_path, "w")
        self.proc = subprocess.Popen(cmd, stdout=self.out, stderr=self.err,
                                     preexec_fn=prelude, text=True)
        line = ""
        for _ in range(100):
            with open(self.out_path) as f:
                line = next((l for l in f if "listening on" in l), "")
            if line or self.proc.poll() is not None:
                break
            time.sleep(0.05)
        if not line:
            self.stop()
            raise SystemExit("relay did not start\n%s" % self.log())
        self.port = int(line.strip().rsplit(":", 1)[1])

    def log(self):
        with open(self.err_path, errors="replace") as f:
            return f.read()

    def stats(self):
        """The counters of the relay's SIGUSR1 dump (dict name -> int)."""
        before = self.log().count("stats:")
        self.proc.send_signal(10)
        for _ in range(50):
            lines = [l for l in self.log().splitlines() if "stats:" in l]
            if len(lines) > before:
                return dict(kv.split("=") for kv in lines[-1].split("stats:")[1].split())
            time.sleep(0.1)
        raise SystemExit("no stats from the relay")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.err.close()
        self.out.close()
        # a clean exit on SIGTERM; anything else (a sanitizer's report) fails the test
        if self.proc.returncode not in (0, None):
            print("---- relay log (tail) ----")
            print("\n".join(self.log().splitlines()[-40:]))
            raise SystemExit("FAIL: the relay exited with %d" % self.proc.returncode)


def fail(msg, relay=None):
    print("FAIL:", msg)
    if relay:
        print("---- relay log (tail) ----")
        print("\n".join(relay.log().splitlines()[-40:]))
    sys.exit(1)
