# SPDX-License-Identifier: MIT
"""A strict Zello Channel API server double, written from API.md and RFC 6455.

It shares nothing with pttgw's sources: a hand-written RFC 6455 server (asyncio),
API.md's commands and error codes, and Opus from the system libopus (ctypes).

What it does, as API.md describes a real server:
- logon must be the first command; username without password -> "not enough
  params"; bad credentials -> "not authorized"; a good logon is answered
  {seq, success, refresh_token} (plus "extensions" only when told to announce
  some), then on_channel_status (online, users_online);
- unknown commands -> {seq, error: "unknown command"} or on_error;
- start_stream is checked field by field; before the channel is online ->
  "channel is not ready"; listen-only connections -> "listen only connection";
- a WebSocket Ping every ping_interval; no Pong within pong_timeout -> the
  connection is closed;
- every frame received is logged (self.log), Close frames with their code.
"""
import asyncio
import base64
import ctypes
import ctypes.util
import hashlib
import json
import math
import os
import struct
import threading
import time

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

OP_CONT, OP_TEXT, OP_BIN, OP_CLOSE, OP_PING, OP_PONG = 0, 1, 2, 8, 9, 10


class Opus:
    """The system libopus through ctypes (a real codec, not pttgw's)."""

    def __init__(self):
        self.lib = ctypes.CDLL(ctypes.util.find_library("opus") or "libopus.so.0")
        self.lib.opus_encoder_create.restype = ctypes.c_void_p
        self.lib.opus_encoder_create.argtypes = [ctypes.c_int32, ctypes.c_int,
                                                 ctypes.c_int, ctypes.POINTER(ctypes.c_int)]
        self.lib.opus_encode.restype = ctypes.c_int32
        self.lib.opus_encode.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_int16),
                                         ctypes.c_int, ctypes.c_char_p, ctypes.c_int32]
        self.lib.opus_encoder_destroy.argtypes = [ctypes.c_void_p]
        self.lib.opus_repacketizer_create.restype = ctypes.c_void_p
        self.lib.opus_repacketizer_destroy.argtypes = [ctypes.c_void_p]
        self.lib.opus_repacketizer_init.restype = ctypes.c_void_p
        self.lib.opus_repacketizer_init.argtypes = [ctypes.c_void_p]
        self.lib.opus_repacketizer_cat.argtypes = [ctypes.c_void_p, ctypes.c_char_p,
                                                   ctypes.c_int32]
        self.lib.opus_repacketizer_out.restype = ctypes.c_int32
        self.lib.opus_repacketizer_out.argtypes = [ctypes.c_void_p, ctypes.c_char_p,
                                                   ctypes.c_int32]

    def tone_packets(self, rate, frame_ms, frames_per_packet, seconds, freq=1000.0):
        """Opus packets of a sine tone: frames of frame_ms at rate, joined
        frames_per_packet to a packet with the repacketizer."""
        err = ctypes.c_int(0)
        enc = self.lib.opus_encoder_create(rate, 1, 2048, ctypes.byref(err))  # VOIP
        assert enc and err.value == 0, "opus_encoder_create failed"
        n = int(rate * frame_ms / 1000)
        frames = int(seconds * 1000 / frame_ms)
        frames -= frames % frames_per_packet
        buf = (ctypes.c_int16 * n)()
        out = ctypes.create_string_buffer(4000)
        encoded = []
        phase = 0
        for _ in range(frames):
            for i in range(n):
                buf[i] = int(8000 * math.sin(2 * math.pi * freq * (phase + i) / rate))
            phase += n
            r = self.lib.opus_encode(enc, buf, n, out, 4000)
            assert r > 0, "opus_encode failed: %d" % r
            encoded.append(out.raw[:r])
        self.lib.opus_encoder_destroy(enc)
        if frames_per_packet == 1:
            return encoded
        rp = self.lib.opus_repacketizer_create()
        packets = []
        for i in range(0, len(encoded), frames_per_packet):
            self.lib.opus_repacketizer_init(rp)
            keep = []
            for f in encoded[i:i + frames_per_packet]:
                b = ctypes.create_string_buffer(f, len(f))
                keep.append(b)
                assert self.lib.opus_repacketizer_cat(rp, b, len(f)) == 0
            r = self.lib.opus_repacketizer_out(rp, out, 4000)
            assert r > 0
            packets.append(out.raw[:r])
        self.lib.opus_repacketizer_destroy(rp)
        return packets


def codec_header(rate, fpp, frame_ms):
    return base64.b64encode(struct.pack("<HBB", rate, fpp, frame_ms)).decode()


class Conn:
    def __init__(self, server, reader, writer, n):
        self.server = server
        self.reader = reader
        self.writer = writer
        self.n = n
        self.user = None
        self.listen_only = False
        self.logged_on = False
        self.closed = False
        self.close_sent = False
        self.last_pong = time.monotonic()
        self.ping_outstanding = None
        self.stream = None
        self.stream_packets = []

    # ---- framing (RFC 6455 5.2; a server sends unmasked frames) ----
    def send_frame(self, op, payload=b""):
        if self.closed:
            return
        hdr = bytearray([0x80 | op])
        n = len(payload)
        if n < 126:
            hdr.append(n)
        elif n < 65536:
            hdr.append(126)
            hdr += struct.pack("!H", n)
        else:
            hdr.append(127)
            hdr += struct.pack("!Q", n)
        try:
            self.writer.write(bytes(hdr) + payload)
        except Exception:
            self.closed = True

    def send_json(self, obj):
        text = json.dumps(obj)
        self.server.record(self.n, "tx", "text", text)
        self.send_frame(OP_TEXT, text.encode())

    def send_close(self, code, reason=b""):
        if self.close_sent:
            return
        self.close_sent = True
        self.server.record(self.n, "tx", "close", code)
        self.send_frame(OP_CLOSE, struct.pack("!H", code) + reason)

    async def read_frame(self):
        b = await self.reader.readexactly(2)
        fin, op = b[0] & 0x80, b[0] & 0x0F
        masked, n = b[1] & 0x80, b[1] & 0x7F
        if n == 126:
            n = struct.unpack("!H", await self.reader.readexactly(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", await self.reader.readexactly(8))[0]
        if not masked:
            # RFC 6455 5.1: a client's frames are masked; else close 1002
            self.server.record(self.n, "rx", "unmasked", op)
            raise ConnectionError("unmasked frame")
        key = await self.reader.readexactly(4)
        data = bytearray(await self.reader.readexactly(n))
        for i in range(n):
            data[i] ^= key[i % 4]
        return bool(fin), op, bytes(data)

    async def handshake(self):
        req = await self.reader.readuntil(b"\r\n\r\n")
        lines = req.decode("latin-1").split("\r\n")
        hdrs = {}
        for l in lines[1:]:
            if ":" in l:
                k, v = l.split(":", 1)
                hdrs[k.strip().lower()] = v.strip()
        self.server.record(self.n, "rx", "http", lines[0])
        key = hdrs.get("sec-websocket-key", "")
        acc = base64.b64encode(hashlib.sha1(key.encode() + GUID).digest()).decode()
        self.writer.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                           "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n"
                           % acc).encode())

    async def run(self):
        try:
            await self.handshake()
            ping_task = asyncio.ensure_future(self.pinger())
            msg, msg_op = b"", None
            while not self.closed:
                fin, op, data = await self.read_frame()
                if op == OP_PING:
                    self.server.record(self.n, "rx", "ping", len(data))
                    if self.server.answer_pings:
                        self.send_frame(OP_PONG, data)
                    continue
                if op == OP_PONG:
                    self.server.record(self.n, "rx", "pong", len(data))
                    self.last_pong = time.monotonic()
                    self.ping_outstanding = None
                    continue
                if op == OP_CLOSE:
                    code = struct.unpack("!H", data[:2])[0] if len(data) >= 2 else 1005
                    self.server.record(self.n, "rx", "close", code)
                    if not self.close_sent:
                        # RFC 6455 5.5.1: echo the Close, then the TCP close
                        self.send_close(code)
                    break
                if op in (OP_TEXT, OP_BIN):
                    msg, msg_op = data, op
                else:
                    msg += data
                if not fin:
                    continue
                if msg_op == OP_TEXT:
                    self.server.record(self.n, "rx", "text", msg.decode())
                    self.on_text(msg.decode())
                else:
                    self.on_binary(msg)
            ping_task.cancel()
        except (asyncio.IncompleteReadError, ConnectionError, OSError):
            pass
        finally:
            self.closed = True
            self.server.record(self.n, "rx", "eof", "")
            self.server.conns.discard(self)
            try:
                self.writer.close()
            except Exception:
                pass

    async def pinger(self):
        """API.md: a Ping every 30 s (here ping_interval); no Pong within
        pong_timeout -> the server terminates the connection."""
        while not self.closed:
            await asyncio.sleep(self.server.ping_interval)
            if self.closed:
                return
            now = time.monotonic()
            if self.ping_outstanding and now - self.ping_outstanding > self.server.pong_timeout:
                self.server.record(self.n, "tx", "pong-timeout", "")
                self.send_close(1000)
                self.closed = True
                self.writer.close()
                return
            if not self.ping_outstanding:
                self.ping_outstanding = now
            self.server.record(self.n, "tx", "ping", "")
            self.send_frame(OP_PING, b"zp")

    # ---- API.md commands ----
    def reply(self, seq, **kw):
        o = {"seq": seq}
        o.update(kw)
        self.send_json(o)

    def error(self, seq, code):
        if seq is None:
            self.send_json({"command": "on_error", "error": code})
        else:
            self.reply(seq, error=code)

    def on_text(self, text):
        srv = self.server
        try:
            m = json.loads(text)
            assert isinstance(m, dict)
        except Exception:
            self.error(None, "invalid json")
            return
        cmd, seq = m.get("command"), m.get("seq")
        if not self.logged_on and cmd != "logon":
            self.error(seq, "not logged in")
            return
        if cmd == "logon":
            self.on_logon(m)
        elif cmd == "start_stream":
            self.on_start(m)
        elif cmd == "stop_stream":
            if self.stream is not None and m.get("stream_id") == self.stream:
                self.stream = None
                if seq is not None:
                    self.reply(seq, success=True)
            else:
                self.error(seq, "failed to stop stream")
        elif cmd in ("send_text_message", "send_location"):
            self.on_message(m)
        elif cmd == "send_image":
            self.error(seq, "not enough params")
        elif cmd in srv.ext_commands and cmd in srv.extensions:
            self.reply(seq, error="no such stream")
        else:
            self.error(seq, "unknown command")

    def on_logon(self, m):
        srv = self.server
        seq = m.get("seq")
        if self.logged_on:
            self.error(seq, "invalid request")
            return
        user, pw, rt = m.get("username"), m.get("password"), m.get("refresh_token")
        if not isinstance(m.get("channels"), list) or not m["channels"]:
            self.error(seq, "not enough params")
            return
        if user is not None and pw is None:
            # API.md: password "Required if username is provided."
            self.error(seq, "not enough params")
            return
        if srv.logon_error:
            self.error(seq, srv.logon_error)
            return
        if user is None:
            if rt not in srv.refresh_tokens:
                self.error(seq, "not authorized")
                return
            user = srv.refresh_tokens[rt]
        elif srv.users.get(user) != pw:
            self.error(seq, "not authorized")
            return
        self.user = user
        self.listen_only = bool(m.get("listen_only"))
        self.logged_on = True
        self.channel = m["channels"][0]
        token = "rt-%d-%d" % (self.n, int(time.monotonic() * 1000))
        srv.refresh_tokens[token] = user
        r = {"success": True, "refresh_token": token}
        if srv.extensions:
            r["extensions"] = list(srv.extensions)
        self.reply(seq, **r)
        if srv.initial_status:
            self.channel_status(srv.initial_status)

    def channel_status(self, status, users=None, error=None):
        o = {"command": "on_channel_status", "channel": self.channel, "status": status,
             "users_online": self.server.users_online if users is None else users,
             "images_supported": True, "texting_supported": True,
             "locations_supported": True}
        if error:
            o["error"] = error
            o["error_type"] = "unknown"
        self.server.status = status
        self.send_json(o)

    def on_start(self, m):
        srv = self.server
        seq = m.get("seq")
        need = ("seq", "channel", "type", "codec", "codec_header", "packet_duration")
        if any(k not in m for k in need):
            self.error(seq, "not enough params")
            return
        if m["type"] != "audio" or m["codec"] != "opus":
            self.error(seq, "invalid request")
            return
        try:
            rate, fpp, fms = struct.unpack("<HBB", base64.b64decode(m["codec_header"]))
        except Exception:
            self.error(seq, "invalid request")
            return
        if m["channel"] != self.channel or srv.status != "online":
            self.error(seq, "channel is not ready")
            return
        if self.listen_only:
            self.error(seq, "listen only connection")
            return
        if srv.start_error:
            self.error(seq, srv.start_error)
            return
        srv.next_stream += 1
        self.stream = srv.next_stream
        self.reply(seq, success=True, stream_id=self.stream)

    def on_message(self, m):
        """send_text_message {seq, channel, text, for?} and send_location {seq, channel,
        latitude, longitude, accuracy?, formatted_address?, for?} as API.md lists them."""
        seq = m.get("seq")
        num = (int, float)
        if m["command"] == "send_text_message":
            need, types = ("seq", "channel", "text"), {"text": str}
        else:
            need = ("seq", "channel", "latitude", "longitude")
            types = {"latitude": num, "longitude": num, "accuracy": num,
                     "formatted_address": str}
        if any(k not in m for k in need):
            self.error(seq, "not enough params")
            return
        types.update({"seq": int, "channel": str, "for": str})
        if any(k in m and (not isinstance(m[k], t) or isinstance(m[k], bool))
               for k, t in types.items()):
            self.error(seq, "invalid request")
            return
        if m["channel"] != self.channel or self.server.status != "online":
            self.error(seq, "channel is not ready")
            return
        if self.listen_only:
            self.error(seq, "listen only connection")
            return
        self.reply(seq, success=True)

    def on_binary(self, data):
        if len(data) < 9:
            self.server.record(self.n, "rx", "binary-short", len(data))
            self.error(None, "invalid audio packet")
            return
        typ, sid, pid = struct.unpack("!BII", data[:9])
        self.server.record(self.n, "rx", "binary", "%d %d %d %d" % (typ, sid, pid, len(data) - 9))
        if typ != 1 or sid != self.stream:
            self.error(None, "invalid audio packet")

    async def burst(self, rate, frame_ms, fpp, seconds, stream_id, sender="alice",
                    pace=True):
        packets = self.server.opus.tone_packets(rate, frame_ms, fpp, seconds)
        pd = frame_ms * fpp
        self.send_json({"command": "on_stream_start", "type": "audio", "codec": "opus",
                        "codec_header": codec_header(rate, fpp, frame_ms),
                        "packet_duration": pd, "stream_id": stream_id,
                        "channel": self.channel, "from": sender})
        t0 = time.monotonic()
        for i, p in enumerate(packets):
            self.send_frame(OP_BIN, struct.pack("!BII", 1, stream_id, i) + p)
            if pace:
                delay = t0 + (i + 1) * pd / 1000.0 - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
        self.send_json({"command": "on_stream_stop", "stream_id": stream_id})
        return len(packets)


class Double:
    """The server in a thread of its own; tests call its methods from theirs."""

    def __init__(self, users, extensions=(), ping_interval=0.5, pong_timeout=2.0):
        self.users = dict(users)
        self.extensions = list(extensions)
        self.ext_commands = ("join_stream",)
        self.ping_interval = ping_interval
        self.pong_timeout = pong_timeout
        self.answer_pings = True
        self.initial_status = "online"
        self.users_online = 3
        self.status = None
        self.logon_error = None
        self.start_error = None
        self.refresh_tokens = {}
        self.next_stream = 100
        self.conns = set()
        self.n = 0
        self.log = []
        self.lock = threading.Lock()
        self._opus = None
        self.loop = asyncio.new_event_loop()
        ready = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(ready,), daemon=True)
        self.thread.start()
        ready.wait(10)

    @property
    def opus(self):
        if self._opus is None:
            self._opus = Opus()
        return self._opus

    def _run(self, ready):
        asyncio.set_event_loop(self.loop)
        self.srv = self.loop.run_until_complete(
            asyncio.start_server(self._accept, "127.0.0.1", 0))
        self.port = self.srv.sockets[0].getsockname()[1]
        ready.set()
        self.loop.run_forever()

    async def _accept(self, reader, writer):
        self.n += 1
        c = Conn(self, reader, writer, self.n)
        self.conns.add(c)
        await c.run()

    def record(self, n, direction, kind, value):
        with self.lock:
            self.log.append((time.monotonic(), n, direction, kind, value))

    def call(self, fn, *args):
        """Run fn(*args) on the server's loop; a coroutine is awaited."""
        async def run():
            r = fn(*args)
            if asyncio.iscoroutine(r):
                r = await r
            return r
        return asyncio.run_coroutine_threadsafe(run(), self.loop).result(60)

    def conn(self):
        live = [c for c in self.conns if c.logged_on and not c.closed]
        return max(live, key=lambda c: c.n) if live else None

    def entries(self, direction=None, kind=None):
        with self.lock:
            return [e for e in self.log if (direction is None or e[2] == direction) and
                    (kind is None or e[3] == kind)]

    def texts(self, command=None):
        out = []
        for e in self.entries("rx", "text"):
            try:
                m = json.loads(e[4])
            except Exception:
                continue
            if command is None or m.get("command") == command:
                out.append((e[1], m))
        return out

    def stop(self):
        def shut():
            for c in list(self.conns):
                c.closed = True
                c.writer.close()
            self.srv.close()
        try:
            self.call(shut)
        except Exception:
            pass
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
