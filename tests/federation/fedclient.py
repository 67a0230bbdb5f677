# SPDX-License-Identifier: MIT
"""A minimal Zello Channel API client (written from API.md and RFC 6455) for the federation tests.

asyncio, no third-party module: the WebSocket framing is done here (client frames masked,
ping answered, fragments joined). Gw keeps what a gateway sees: replies by seq, stream
starts and stops, audio packets per stream (duplicates counted).
"""
import asyncio
import base64
import json
import os
import struct
import urllib.parse

CODEC_HEADER = base64.b64encode(struct.pack("<HBB", 16000, 1, 20)).decode()


class WsClosed(Exception):
    pass


class Ws:
    def __init__(self, reader, writer):
        self.r, self.w = reader, writer

    @classmethod
    async def connect(cls, url):
        u = urllib.parse.urlparse(url)
        reader, writer = await asyncio.open_connection(u.hostname, u.port)
        key = base64.b64encode(os.urandom(16)).decode()
        writer.write((f"GET {u.path or '/'} HTTP/1.1\r\nHost: {u.hostname}:{u.port}\r\n"
                      "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                      f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        head = await reader.readuntil(b"\r\n\r\n")
        if b" 101 " not in head.split(b"\r\n")[0]:
            raise ConnectionError(f"no upgrade: {head[:60]!r}")
        return cls(reader, writer)

    def _frame(self, opcode, payload):
        n = len(payload)
        if n < 126:
            hdr = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
        elif n < 65536:
            hdr = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
        else:
            hdr = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
        mask = os.urandom(4)
        m = int.from_bytes((mask * (n // 4 + 1))[:n], "big") if n else 0
        body = (int.from_bytes(payload, "big") ^ m).to_bytes(n, "big") if n else b""
        return hdr + mask + body

    def send(self, opcode, payload):
        self.w.write(self._frame(opcode, payload))

    def send_json(self, obj):
        self.send(1, json.dumps(obj).encode())

    async def recv(self):
        """(opcode 1 or 2, payload); raises WsClosed."""
        buf, first_op = b"", None
        while True:
            try:
                b0, b1 = await self.r.readexactly(2)
                n = b1 & 0x7f
                if n == 126:
                    n = struct.unpack("!H", await self.r.readexactly(2))[0]
                elif n == 127:
                    n = struct.unpack("!Q", await self.r.readexactly(8))[0]
                payload = await self.r.readexactly(n)
            except (asyncio.IncompleteReadError, ConnectionError, OSError) as e:
                raise WsClosed() from e
            op = b0 & 0x0f
            if op == 9:
                self.send(10, payload)
                continue
            if op == 10:
                continue
            if op == 8:
                raise WsClosed()
            if op != 0:
                first_op = op
            buf += payload
            if b0 & 0x80:
                return first_op, buf

    def close(self):
        try:
            self.w.close()
        except Exception:
            pass


class Gw:
    """A logged-on client; a task reads everything it is sent."""

    def __init__(self, name):
        self.name = name
        self.seq = 0
        self.pending = {}
        self.starts = {}       # stream id -> on_stream_start
        self.stops = {}        # stream id -> count of on_stream_stop
        self.packets = {}      # stream id -> list of packet ids, in arrival order
        self.events = asyncio.Queue()
        self.closed = asyncio.Event()
        self.ws = None
        self.task = None
        self.on_audio = None   # (stream id, packet id, payload) for each audio packet

    async def logon(self, url, user, password, channels):
        self.ws = await Ws.connect(url)
        self.task = asyncio.ensure_future(self._read())
        r = await self.request({"command": "logon", "username": user, "password": password,
                                "channels": channels})
        if not r.get("success"):
            raise RuntimeError(f"{self.name}: logon refused: {r}")
        return self

    async def _read(self):
        try:
            while True:
                op, data = await self.ws.recv()
                if op == 2:
                    sid, pid = struct.unpack("!II", data[1:9])
                    self.packets.setdefault(sid, []).append(pid)
                    if self.on_audio:
                        self.on_audio(sid, pid, data[9:])
                    continue
                m = json.loads(data)
                if "seq" in m and m["seq"] in self.pending and "command" not in m:
                    self.pending.pop(m["seq"]).set_result(m)
                    continue
                cmd = m.get("command")
                if cmd == "on_stream_start":
                    self.starts[m["stream_id"]] = m
                    self.events.put_nowait(("start", m))
                elif cmd == "on_stream_stop":
                    self.stops[m["stream_id"]] = self.stops.get(m["stream_id"], 0) + 1
                    self.events.put_nowait(("stop", m))
                elif cmd == "on_error":
                    self.events.put_nowait(("error", m))
        except WsClosed:
            pass
        finally:
            self.closed.set()
            for f in self.pending.values():
                if not f.done():
                    f.set_exception(WsClosed())

    def send(self, msg):
        self.seq += 1
        msg["seq"] = self.seq
        fut = asyncio.get_event_loop().create_future()
        self.pending[self.seq] = fut
        self.ws.send_json(msg)
        return fut

    async def request(self, msg, timeout=10):
        return await asyncio.wait_for(self.send(msg), timeout)

    def start_stream(self, channel):
        return self.send({"command": "start_stream", "channel": channel, "type": "audio",
                          "codec": "opus", "codec_header": CODEC_HEADER,
                          "packet_duration": 20})

    def stop_stream(self, sid):
        return self.send({"command": "stop_stream", "stream_id": sid})

    def audio(self, sid, pid, payload=b"\xf8\xff\xfe"):
        self.ws.send(2, struct.pack("!BII", 1, sid, pid) + payload)

    async def wait_stop(self, sid, timeout):
        end = asyncio.get_event_loop().time() + timeout
        while sid not in self.stops:
            left = end - asyncio.get_event_loop().time()
            if left <= 0:
                return False
            try:
                await asyncio.wait_for(self.events.get(), left)
            except asyncio.TimeoutError:
                return False
        return True

    def close(self):
        if self.ws:
            self.ws.close()
        if self.task:
            self.task.cancel()
