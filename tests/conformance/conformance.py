#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Conformance of the real pttgwd (and pttgw-dispatch) to API.md against a
strict server double (zello_double.py, written from API.md and RFC 6455).

Usage: conformance.py CASE   (PTTGWD, PTTGWCTL, PTTGW_DISPATCH in the environment)
Every case starts its own session bus, double and pttgwd, and kills them all.
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from zello_double import Double  # noqa: E402

PTTGWD = os.environ.get("PTTGWD")
PTTGWCTL = os.environ.get("PTTGWCTL")
DISPATCH = os.environ.get("PTTGW_DISPATCH")
USERS = {"gw1": "pw-gw1", "disp": "pw-disp"}


class Fail(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Fail(what)
    print("ok: " + what)


def wait(pred, seconds, what):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        r = pred()
        if r:
            return r
        time.sleep(0.05)
    raise Fail("timed out (%g s): %s" % (seconds, what))


class Env:
    def __init__(self, **double_args):
        self.tmp = tempfile.mkdtemp(prefix="pttgw-conformance.")
        self.procs = []
        self.gwd = None
        self.double = Double(USERS, **double_args)
        bus = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--print-address=1"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.procs.append(bus)
        self.bus = bus.stdout.readline().decode().strip()
        os.environ["DBUS_SESSION_BUS_ADDRESS"] = self.bus

    def secret(self, name, content):
        p = os.path.join(self.tmp, name)
        with open(p, "w") as f:
            f.write(content + "\n")
        os.chmod(p, 0o600)
        return p

    def start_gateway(self, extra_upstream=(), extra=(), name="Test Box", password=True,
                      heartbeat=0.5):
        conf = os.path.join(self.tmp, "gw.conf")
        lines = ["[general]", "name = %s" % name, "[upstream]",
                 "url = ws://127.0.0.1:%d/" % self.double.port, "channel = test",
                 "username = gw1", "heartbeat-interval = %g" % heartbeat,
                 "backoff-base = 0.1", "backoff-cap = 0.5"]
        if password:
            lines.append("credentials-file = %s" % self.secret("gw1.cred", USERS["gw1"]))
        lines += list(extra_upstream) + list(extra)
        with open(conf, "w") as f:
            f.write("\n".join(lines) + "\n")
        self.gwd_err = open(os.path.join(self.tmp, "pttgwd.err"), "w")
        self.gwd = subprocess.Popen([PTTGWD, "--session-bus", "--config", conf],
                                    stdout=self.gwd_err, stderr=self.gwd_err)
        self.procs.append(self.gwd)
        wait(lambda: self.status_or_none() is not None, 10, "pttgwd on the bus")

    def ctl(self, *args, timeout=20):
        return subprocess.run([PTTGWCTL, "--session-bus"] + list(args), capture_output=True,
                              text=True, timeout=timeout)

    def status_or_none(self):
        r = self.ctl("--json", "status")
        if r.returncode != 0:
            return None
        return json.loads(r.stdout)

    def status(self):
        s = self.status_or_none()
        if s is None:
            raise Fail("pttgwctl status failed")
        return s

    def wait_status(self, pred, seconds, what):
        return wait(lambda: (lambda s: s if pred(s) else None)(self.status()), seconds, what)

    def log(self):
        with open(os.path.join(self.tmp, "pttgwd.err")) as f:
            return f.read()

    def stop_gateway(self):
        if self.gwd and self.gwd.poll() is None:
            self.gwd.send_signal(signal.SIGTERM)
            rc = self.gwd.wait(15)
            check(rc == 0, "pttgwd exits with 0 on SIGTERM")
            log = self.log()
            check("runtime error:" not in log and "Sanitizer" not in log,
                  "no sanitizer report")

    def close(self):
        for p in reversed(self.procs):
            if p.poll() is None:
                p.kill()
                p.wait()
        self.double.stop()
        if os.environ.get("KEEP_TMP") != "1":
            subprocess.run(["rm", "-rf", self.tmp])
        else:
            print("kept " + self.tmp)


def logons(env):
    return [m for _, m in env.double.texts("logon")]


def connected(env, seconds=10):
    return env.wait_status(lambda s: s["link"] == "connected", seconds, "link connected")


# ---- cases ----

def case_logon(env):
    """Every logon with username carries password, also with a refresh_token
    on a reconnect; platform fields; listen_only only when configured."""
    env.start_gateway()
    connected(env)
    lo = logons(env)[0]
    check(lo.get("username") == "gw1" and lo.get("password") == "pw-gw1",
          "first logon: username with password")
    check(lo.get("channels") == ["test"], "channels is an array with the channel")
    check(isinstance(lo.get("seq"), int), "logon has a seq")
    check(lo.get("platform_type") and "gateway" in lo.get("platform_name", "").lower() and
          "Test Box" in lo["platform_name"], "platform_type, platform_name names the gateway")
    check(isinstance(lo.get("version"), str) and lo["version"], "version given")
    check("listen_only" not in lo or lo["listen_only"] is False, "no listen_only unless set")
    # reconnect: the server closes the connection
    env.double.call(lambda: env.double.conn().send_close(1001))
    wait(lambda: len(logons(env)) >= 2, 10, "a second logon")
    connected(env)
    lo2 = logons(env)[1]
    check(lo2.get("refresh_token"), "reconnect logon carries the refresh_token")
    check(lo2.get("username") == "gw1" and lo2.get("password") == "pw-gw1",
          "reconnect logon: username with password next to the refresh_token")
    for lo in logons(env):
        check("username" not in lo or "password" in lo, "no logon has a username alone")


def case_anonymous(env):
    """No credentials-file: no username either (API.md: a username needs its
    password); a strict server refuses the anonymous logon without a token,
    and the user reads why."""
    env.start_gateway(password=False)
    wait(lambda: logons(env), 10, "a logon")
    lo = logons(env)[0]
    check("username" not in lo and "password" not in lo, "anonymous logon: no username")
    st = env.wait_status(lambda s: s["service"] == "unavailable", 10, "refused -> unavailable")
    check("not authorized" in (st.get("service_detail") or ""),
          "service detail says why: %s" % st.get("service_detail"))


def case_listen_only(env):
    """listen-only = true: listen_only in the logon; a press is refused by the
    server's "listen only connection", shown readable."""
    env.start_gateway(extra_upstream=["listen-only = true"])
    connected(env)
    check(logons(env)[0].get("listen_only") is True, "logon carries listen_only: true")
    r = env.ctl("press", "--wait")
    check(r.returncode != 0 and "listen" in r.stdout, "press denied: " + r.stdout.strip())
    check(env.status()["upstream"].get("listen_only") is True, "status shows listen_only")


def case_channel_status(env):
    """No start_stream before the first online; offline: status not ready and
    names the channel, presses denied with that reason and the deny cue; online
    again: talk. users_online in the status."""
    env.double.initial_status = None  # logon answered, no channel status yet
    env.start_gateway()
    wait(lambda: logons(env), 10, "logon")
    time.sleep(0.5)
    st = env.status()
    check(st["link"] != "connected", "not connected before the channel status (%s)" % st["link"])
    mon = subprocess.Popen([PTTGWCTL, "--session-bus", "--json", "monitor"],
                           stdout=subprocess.PIPE, text=True)
    env.procs.append(mon)
    time.sleep(0.3)
    press = subprocess.Popen([PTTGWCTL, "--session-bus", "press", "--wait"],
                             stdout=subprocess.PIPE, text=True)
    time.sleep(0.7)
    check(not env.double.texts("start_stream"), "no start_stream before the channel is online")
    env.double.call(lambda: env.double.conn().channel_status("online", 5))
    out, _ = press.communicate(timeout=15)
    check(press.returncode == 0, "press granted once online: " + out.strip())
    env.ctl("release")
    st = connected(env)
    check(st.get("users_online") == 5, "users_online 5 in the status")
    r = env.ctl("status")
    check("5 online" in r.stdout, "pttgwctl status shows the users online")
    env.double.call(lambda: env.double.conn().channel_status("offline", 0))
    st = env.wait_status(lambda s: s["service"] != "ready", 5, "service not ready when offline")
    check("test" in (st.get("service_detail") or ""),
          "service detail names the channel: %s" % st.get("service_detail"))
    n = len(env.double.texts("start_stream"))
    r = env.ctl("press", "--wait")
    check(r.returncode != 0 and "offline" in r.stdout and "test" in r.stdout,
          "press while offline denied with the reason: " + r.stdout.strip())
    check(len(env.double.texts("start_stream")) == n, "no start_stream while offline")
    env.double.call(lambda: env.double.conn().channel_status("online", 2))
    env.wait_status(lambda s: s["service"] == "ready" and s.get("users_online") == 2, 5,
                    "ready again, 2 online")
    r = env.ctl("press", "--wait")
    check(r.returncode == 0, "press granted when online again")
    env.ctl("release")
    mon.terminate()
    out = mon.communicate(timeout=5)[0]
    cues = [json.loads(l) for l in out.splitlines() if '"cue"' in l]
    check(any(c.get("cue") == "busy" for c in cues), "the deny (busy) cue played for the denial")


def case_errors(env):
    """API.md's error codes: server closed connection -> reconnect at once;
    internal server error at logon -> backoff; not authorized -> the user is
    told (status unavailable, readable); failed to start stream -> denied."""
    env.start_gateway()
    connected(env)
    env.double.call(lambda: env.double.conn().error(None, "server closed connection"))
    wait(lambda: len(logons(env)) >= 2, 5, "reconnect after 'server closed connection'")
    after = env.log().split("server reports an error: server closed connection", 1)[1]
    first = [l for l in after.splitlines() if "pttgw-Message" in l and " link " in l][0]
    check(" link connecting" in first, "'server closed connection': reconnect at once, "
          "no backoff (%s)" % first.split(": ", 1)[-1])
    closes = [e for e in env.double.entries("rx", "close") if e[1] == 1]
    check(closes and closes[0][4] == 1000, "the gateway closed with 1000 first")
    connected(env)
    env.double.start_error = "failed to start stream"
    r = env.ctl("press", "--wait")
    check(r.returncode != 0 and "try again later" in r.stdout,
          "failed to start stream -> denied, readable: " + r.stdout.strip())
    env.double.start_error = None
    env.double.logon_error = "internal server error"
    env.double.call(lambda: env.double.conn().send_close(1001))
    st = env.wait_status(lambda s: "internal server error" in (s["upstream"]["last_error"] or ""),
                         10, "internal server error shown")
    check(st["link"] in ("backoff", "connecting"), "backoff after internal server error")
    check("link backoff: logon refused: internal server error" in env.log(),
          "internal server error: the backoff")
    check("link backoff: the server closed the connection (code 1001)" in env.log(),
          "the server's Close: its code in the reason")
    check(st["service"] != "unavailable" or "not authorized" not in str(st),
          "not taken for refused credentials")
    env.double.logon_error = "not authorized"
    st = env.wait_status(lambda s: s["service"] == "unavailable", 10,
                         "not authorized -> unavailable")
    check("not authorized" in (st.get("service_detail") or ""),
          "the user reads why: %s" % st.get("service_detail"))
    env.double.logon_error = None
    connected(env, 15)
    # documented errors after logon: reported, no bad frames, the link stays
    for code in ("failed to stop stream", "invalid audio packet", "failed to send data",
                 "channel is not ready"):
        env.double.call(lambda c=code: env.double.conn().error(None, c))
    st = env.wait_status(lambda s: s["service"] != "ready", 5, "channel not ready -> not ready")
    check(st["upstream"]["bad_frames"] == 0, "no bad frames for documented errors")
    env.double.call(lambda: env.double.conn().channel_status("online", 1))
    env.wait_status(lambda s: s["service"] == "ready", 5, "ready after online")


def case_keepalive(env):
    """Liveness by Ping/Pong only: never a keepalive command; the server's
    Pings are answered; Pongs stopping -> dead link found."""
    env.start_gateway(heartbeat=0.3)
    connected(env)
    time.sleep(2.0)
    cmds = set(m.get("command") for _, m in env.double.texts())
    check("keepalive" not in cmds, "no keepalive command sent (commands: %s)" % sorted(cmds))
    check(not [m for _, m in env.double.texts() if m.get("command") not in ("logon",)],
          "only API.md commands sent while idle")
    check(len(env.double.entries("rx", "ping")) >= 3, "the gateway pings (heartbeats)")
    check(len(env.double.entries("rx", "pong")) >= 2, "the server's Pings are answered")
    unknown = [m for m in env.double.entries("tx", "text") if "unknown command" in m[4]]
    check(not unknown, "the server never had to say 'unknown command'")
    env.double.answer_pings = False
    t0 = time.monotonic()
    st = env.wait_status(lambda s: "dead link" in (s["upstream"]["last_error"] or ""), 10,
                         "dead link detected when Pongs stop")
    print("dead link after %.1f s (heartbeat 0.3 s)" % (time.monotonic() - t0))
    env.double.answer_pings = True
    connected(env)



def case_heartbeat_traffic(env):
    """Any frame from the server proves the link (RFC 6455 5.5.2): no Ping while
    the server's audio comes in, Pings again once it is quiet; the server's own
    Pings (API.md: every 30 s) are answered throughout; the link never drops."""
    env.double.ping_interval = 1.0
    env.start_gateway(heartbeat=0.3)
    connected(env)
    time.sleep(1.0)
    check(len(env.double.entries("rx", "ping")) >= 2, "the gateway pings while idle")
    c = env.double.conn()
    t0 = time.monotonic()
    n = env.double.call(lambda: c.burst(16000, 20, 1, 3.0, 700))
    t1 = time.monotonic()
    # the first heartbeat interval of the burst may still see a Ping planned before it
    during = [e for e in env.double.entries("rx", "ping") if t0 + 0.35 < e[0] < t1]
    print("%d packets in %.1f s; gateway Pings during them: %d" % (n, t1 - t0, len(during)))
    check(not during, "no Ping while frames arrive every 20 ms (%d sent)" % len(during))
    time.sleep(1.5)
    after = [e for e in env.double.entries("rx", "ping") if e[0] > t1]
    check(len(after) >= 2, "Pings again once the server is quiet (%d)" % len(after))
    check(env.double.entries("rx", "pong"), "the server's Pings are answered")
    st = env.status()
    check(st["link"] == "connected" and st["upstream"]["attempts"] == 1,
          "one link throughout: %s" % st["upstream"])

def case_close(env):
    """A Close frame with a code whenever the gateway closes: channel switch,
    refused logon, policy drop, dead link, shutdown; the server's Close echoed."""
    env.start_gateway(extra_upstream=["policy = idle-drop", "idle-drop-after = 1"],
                      heartbeat=0.3)
    connected(env)

    def closes():
        return [(e[1], e[4]) for e in env.double.entries("rx", "close")]

    # policy drop (idle 1 s)
    wait(lambda: closes(), 5, "a Close on the policy drop")
    check(closes()[0][1] == 1000, "policy drop: Close 1000")
    env.ctl("press", "--wait")  # reconnects; granted
    env.ctl("release")
    connected(env)
    # channel switch
    n = len(closes())
    conn_n = env.double.conn().n
    r = env.ctl("channel", "other")
    check(r.returncode == 0, "channel switch accepted")
    wait(lambda: len(closes()) > n, 5, "a Close on the channel switch")
    check([c for c in closes() if c[0] == conn_n][0][1] == 1000, "channel switch: Close 1000")
    env.ctl("channel", "test")
    # the server's Close is echoed with its code
    wait(lambda: env.double.conn() and env.double.conn().channel == "test", 10, "back on test")
    c = env.double.conn()
    env.double.call(lambda: c.send_close(4000))
    wait(lambda: any(e[1] == c.n for e in env.double.entries("rx", "close")), 5,
         "the server's Close echoed")
    check([e for e in env.double.entries("rx", "close") if e[1] == c.n][0][4] == 4000,
          "echoed with the server's code 4000")
    # refused logon (a press makes the idle-dropped link connect)
    env.double.logon_error = "not authorized"
    wait(lambda: env.double.conn() is None, 5, "the link dropped (idle)")
    env.ctl("press", "--wait", "--timeout", "3")
    wait(lambda: [t for t in env.double.entries("tx", "text") if "not authorized" in t[4]], 10,
         "a refused logon")
    refused = [t for t in env.double.entries("tx", "text") if "not authorized" in t[4]][0][1]
    wait(lambda: any(e[1] == refused for e in env.double.entries("rx", "close")), 5,
         "a Close after the refused logon")
    env.double.logon_error = None
    # dead link: Pongs stop
    connected(env, 15)
    c = env.double.conn()
    env.ctl("press", "--wait")  # keep it busy (no idle drop)
    env.double.answer_pings = False
    wait(lambda: any(e[1] == c.n for e in env.double.entries("rx", "close")), 10,
         "a Close on the dead link")
    check([e for e in env.double.entries("rx", "close") if e[1] == c.n][0][4] in (1000, 1001),
          "dead link: Close with a code")
    env.double.answer_pings = True
    env.ctl("release")
    # shutdown
    connected(env, 15)
    c = env.double.conn()
    env.ctl("press", "--wait")
    env.stop_gateway()
    wait(lambda: any(e[1] == c.n for e in env.double.entries("rx", "close")), 5,
         "a Close on shutdown")
    check([e for e in env.double.entries("rx", "close") if e[1] == c.n][0][4] == 1001,
          "shutdown: Close 1001")


def case_ignored(env):
    """Events and packets the gateway does not use (or only shows) are no bad frames."""
    env.start_gateway()
    connected(env)
    c = env.double.conn()

    def junk():
        c.send_json({"command": "on_text_message", "channel": "test", "from": "alex",
                     "for": False, "message_id": 16777216, "text": "Hello Zello!"})
        c.send_json({"command": "on_location", "channel": "test", "from": "alex",
                     "message_id": 16777217, "latitude": 30.27, "longitude": -97.76,
                     "rgl": "1317 W 6th St, Austin"})
        c.send_json({"command": "on_image", "channel": "test", "from": "alex", "for": False,
                     "message_id": 59725, "source": "camera", "width": 591, "height": 1280,
                     "ct": "jpeg"})
        import struct
        c.send_frame(2, struct.pack("!BII", 2, 59725, 2) + b"\xff\xd8thumb")
        c.send_frame(2, struct.pack("!BII", 2, 59725, 1) + b"\xff\xd8full")
        c.send_json({"command": "on_transcription", "text": "hi", "stream_id": 5,
                     "confidence": 0.9, "sender": "alex", "language": "en",
                     "truncated": False})
        c.send_json({"command": "on_something_new", "x": [1, 2]})
    env.double.call(junk)
    time.sleep(0.5)
    st = env.status()
    check(st["upstream"]["bad_frames"] == 0, "no bad frames counted (%d)" %
          st["upstream"]["bad_frames"])
    check(st["link"] == "connected", "link still connected")
    check("bad frame" not in env.log(), "no bad-frame warning logged")


def case_extensions(env):
    """A plain server (no extensions announced): packet_id 0, emergency is a
    normal talk and the status says it is not supported."""
    env.start_gateway()
    connected(env)
    st = env.status()
    check(st["upstream"]["extensions"] == [] and st["upstream"]["emergency_supported"] is False,
          "no extensions used with a plain server")
    mon = subprocess.Popen([PTTGWCTL, "--session-bus", "--json", "monitor"],
                           stdout=subprocess.PIPE, text=True)
    env.procs.append(mon)
    time.sleep(0.3)
    r = env.ctl("emergency", "--wait")
    check(r.returncode == 0, "emergency press granted as a normal talk")
    time.sleep(0.3)
    env.ctl("release")
    ss = env.double.texts("start_stream")[-1][1]
    check("emergency" not in ss, "no emergency member sent to a plain server")
    check(not env.double.texts("join_stream"), "no join_stream sent")
    mon.terminate()
    out = mon.communicate(timeout=5)[0]
    check('"emergency"' in out and '"supported":false' in out.replace(" ", ""),
          "an event says emergency is not supported")


def case_extensions_announced(env):
    """The relay-like server announcing extensions: emergency is sent."""
    env.double.extensions = ["emergency", "join_stream", "packet_id"]
    env.start_gateway()
    connected(env)
    st = env.status()
    check(st["upstream"]["emergency_supported"] is True, "emergency supported when announced")
    r = env.ctl("emergency", "--wait")
    check(r.returncode == 0, "emergency granted")
    env.ctl("release")
    ss = env.double.texts("start_stream")[-1][1]
    check(ss.get("emergency") is True, "emergency sent when announced")


def case_messages(env):
    """Text messages, private calls and locations as API.md has them: send_text_message
    {seq, channel, text, for?}, start_stream with "for", send_location {seq, channel,
    latitude, longitude, accuracy}; API.md's own on_text_message is shown, its
    on_location is no bad frame."""
    env.start_gateway(extra=("[location]", "source = fixed", "latitude = 46.714475",
                             "longitude = 8.1806319", "accuracy = 10"))
    connected(env)
    r = env.ctl("message", "Where are you?")
    check(r.returncode == 0, "message accepted (%s)" % r.stderr.strip())
    r = env.ctl("message", "--to", "holmes", "221B")
    check(r.returncode == 0, "private message accepted (%s)" % r.stderr.strip())
    st = env.wait_status(lambda s: [m["state"] for m in s["messages"]] ==
                         ["delivered", "delivered"], 5, "both messages delivered")
    sent = [m for _, m in env.double.texts("send_text_message")]
    check(len(sent) == 2, "two send_text_message")
    check(set(sent[0]) == {"command", "seq", "channel", "text"} and sent[0]["channel"] == "test"
          and sent[0]["text"] == "Where are you?", "send_text_message to the channel: %s" % sent[0])
    check(sent[1].get("for") == "holmes" and sent[1]["text"] == "221B", "with for: %s" % sent[1])

    loc = [m for _, m in env.double.texts("send_location")]
    check(loc, "a send_location (source = fixed)")
    check(set(loc[0]) == {"command", "seq", "channel", "latitude", "longitude", "accuracy"} and
          loc[0]["channel"] == "test" and loc[0]["latitude"] == 46.714475 and
          loc[0]["longitude"] == 8.1806319 and loc[0]["accuracy"] == 10,
          "send_location as API.md: %s" % loc[0])

    r = env.ctl("press", "--to", "holmes", "--wait")
    check(r.returncode == 0, "private call granted (%s)" % (r.stdout + r.stderr).strip())
    env.ctl("release")
    starts = [m for _, m in env.double.texts("start_stream")]
    check(starts and starts[-1].get("for") == "holmes", "start_stream with for: %s" % starts[-1:])

    c = env.double.conn()

    def events():
        c.send_json({"command": "on_text_message", "channel": "test", "from": "alex",
                     "for": False, "message_id": 16777216, "text": "Hello Zello!"})
        c.send_json({"command": "on_location", "channel": "test", "from": "alex",
                     "message_id": 16777217, "latitude": 30.27386375722625,
                     "longitude": -97.76014980128478, "rgl": "1317 W 6th St, Austin"})
    env.double.call(events)
    st = env.wait_status(lambda s: any(m["from"] == "alex" for m in s["messages"]), 5,
                         "alex's message in the status")
    m = [m for m in st["messages"] if m["from"] == "alex"][0]
    check(m["text"] == "Hello Zello!" and m["to"] == "channel" and m["direction"] == "in",
          "on_text_message shown: %s" % m)
    check(st["upstream"]["bad_frames"] == 0, "no bad frames (%d)" % st["upstream"]["bad_frames"])


def case_dispatch(env):
    """pttgw-dispatch: logon with password, channels; sends a burst; closes
    with a Close frame; answers Pings."""
    env.double.ping_interval = 0.2
    r = subprocess.run([DISPATCH, "-U", "ws://127.0.0.1:%d" % env.double.port, "-u",
                        "disp:pw-disp", "-C", "test", "--tone", "440", "-s", "1", "-n", "1",
                        "--timeout", "20"], capture_output=True, text=True, timeout=60)
    print(r.stdout[-500:], r.stderr[-1500:])
    lo = logons(env)
    check(lo and lo[0].get("username") == "disp" and lo[0].get("password") == "pw-disp",
          "dispatch logon: username with password")
    check(isinstance(lo[0].get("channels"), list), "channels array")
    check(r.returncode == 0, "pttgw-dispatch succeeded (rc %d)" % r.returncode)
    check(env.double.texts("start_stream"), "a start_stream")
    check(env.double.entries("rx", "binary"), "audio packets sent")
    check(all(int(b[4].split()[2]) == 0 for b in env.double.entries("rx", "binary")),
          "dispatch packet ids are 0 (plain server)")
    check(env.double.entries("rx", "close") and env.double.entries("rx", "close")[0][4] == 1000,
          "dispatch closes with a Close 1000")
    check(env.double.entries("rx", "pong"), "dispatch answers Pings")
    check("keepalive" not in set(m.get("command") for _, m in env.double.texts()),
          "no keepalive command")


CASES = {k[5:]: v for k, v in globals().items() if k.startswith("case_")}


def main():
    name = sys.argv[1] if len(sys.argv) > 1 else ""
    if name not in CASES:
        print("cases: " + " ".join(sorted(CASES)))
        return 2
    env = Env()
    try:
        CASES[name](env)
        if name != "dispatch":
            env.stop_gateway()
        print("PASS: " + name)
        return 0
    except Fail as e:
        print("FAIL: %s" % e)
        try:
            print("---- pttgwd log (last 60 lines)")
            print("\n".join(env.log().splitlines()[-60:]))
        except Exception:
            pass
        print("---- double log (last 40)")
        for e in env.double.log[-40:]:
            print(e)
        return 1
    finally:
        env.close()


if __name__ == "__main__":
    sys.exit(main())
