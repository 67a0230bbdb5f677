#!/usr/bin/python3
"""soak.py - the soak under faults, driven from soak.sh (which starts PipeWire and D-Bus).

Starts mosquitto, pttgw-relay (--mqtt, push key for user gw) and pttgwd (heartbeat 1 s,
short backoffs), then for a bounded time, all at once:
  - press/release cycles over D-Bus (the Press/Release methods, asynchronous calls on
    a GLib main loop; some released at once, some held until granted),
  - remote bursts of 3 packets from pttgw-dispatch processes run one after another,
  - random faults from a seeded schedule: relay killed (SIGKILL or SIGTERM) and
    restarted, relay frozen (SIGSTOP beyond 2.5 heartbeats, SIGCONT), broker
    restarted, a captured push published again (replay), a freshly signed push for a
    burst already played (late), the headset gone and back (pw-bt-headset's process
    ended: its device and nodes go, as out of range; a new one connects), garbage and
    malformed WebSocket frames thrown at the relay, malformed pushes and bad D-Bus
    arguments thrown at the gateway.
Then the faults stop, everything is brought back, and after a settle time:
  - GetStatus says floor idle, service ready (link connected, push up);
  - every accepted press had exactly one outcome event;
  - every packet the relay delivered to the gateway (relay log "delivered stream=S
    user=gw ... packets=N", per relay run since stream ids restart with the relay)
    is in the gateway's accounting: its "burst" event for S (received = played +
    duplicate + late + invalid + flushed, each dropped packet with its reason) plus
    the packets the gateway logged as dropped before playback ("not playing"); no
    packet id of a stream played twice;
  - pttgwd stops on SIGTERM with status 0 and no sanitizer report (ASan leak check).
Prints the counts. A failure prints the seed and the last lines of every log.
"""
import collections
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time

import dbus
import dbus.mainloop.glib
from gi.repository import GLib

E = os.environ
T = E["SOAK_DIR"]
SEED = int(E.get("SOAK_SEED") or random.SystemRandom().randrange(1 << 31))
CYCLES = int(E.get("SOAK_CYCLES", "10000"))
BURSTS = int(E.get("SOAK_BURSTS", "2000"))
SECONDS = float(E.get("SOAK_SECONDS", "1100"))
SETTLE = 25.0
# SOAK_STRICT=1: a burst the audio bridge throws away because it ended before the playback
# stream was active (a short burst, or one delivered at once, e.g. a late join of an ended
# burst) fails the soak too: the output was there, nothing was wrong but the timing.
STRICT = E.get("SOAK_STRICT", "0") == "1"
EARLY_END = "ended before playback was active"


def normal_end(why):
    """A burst event's reason for a burst that ended normally (not cut)."""
    return why == "drained" or why.startswith("superseded")
# burst lengths, one per dispatcher run: mostly 3 packets of 20 ms, some 5 and 10
BURST_S = E.get("SOAK_BURST_SECONDS", "0.06,0.06,0.1,0.2").split(",")
# share of dispatcher runs that send each burst at once (--fast) instead of in real time
FAST_SHARE = float(E.get("SOAK_FAST_SHARE", "0.25"))
PRESS_PHASE = float(E.get("SOAK_PRESS_PHASE", "2.0"))
BURST_WINDOW = float(E.get("SOAK_BURST_WINDOW", "1.5"))
HEARTBEAT = 1.0
GW_USER, DISP_USERS = "gw", ["disp1", "disp2"]
# one generator per thread: the fault schedule (kinds, durations) follows from the seed
rng = random.Random(SEED)
rng_disp = random.Random(SEED + 1)
rng_fault = random.Random(SEED + 2)
T0 = time.monotonic()
lock = threading.RLock()
failures = []


def now():
    return time.monotonic()


def say(msg):
    print("%7.1f s  %s" % (now() - T0, msg), flush=True)


def fail(msg):
    with lock:
        failures.append(msg)
    say("FAIL: " + msg)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def port_open(port):
    try:
        socket.create_connection(("127.0.0.1", port), 0.2).close()
        return True
    except OSError:
        return False


def wait_port(port, seconds=10):
    end = now() + seconds
    while now() < end:
        if port_open(port):
            return True
        time.sleep(0.05)
    return False


def secret(path, text):
    with open(path, "w") as f:
        f.write(text + "\n")
    os.chmod(path, 0o600)


# ---- processes whose output is kept with the monotonic time each line came ----

class Proc:
    """A child process; stdout and stderr lines go to LOG as "<monotonic> <line>"."""
    procs = []
    others = []                 # plain Popen children, killed at exit too

    @staticmethod
    def track(p):
        Proc.others.append(p)
        return p

    def __init__(self, name, argv, log, env=None):
        self.name, self.argv, self.log = name, argv, log
        self.p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, env=env, start_new_session=True)
        self.out = open(log, "a", buffering=1, errors="replace")
        self.stopped = False
        self.t = threading.Thread(target=self._read, daemon=True)
        self.t.start()
        Proc.procs.append(self)

    def _read(self):
        for raw in self.p.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self.out.write("%.6f %s\n" % (now(), line))
        self.out.flush()

    def send(self, sig):
        try:
            self.p.send_signal(sig)
        except ProcessLookupError:
            pass

    def stop(self, sig=signal.SIGTERM, timeout=10):
        if self.stopped:
            self.send(signal.SIGCONT)
        self.stopped = False
        self.send(sig)
        try:
            rc = self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            rc = self.p.wait()
            rc = "killed after %d s" % timeout
        self.t.join(5)
        self.out.close()
        if self in Proc.procs:
            Proc.procs.remove(self)
        return rc

    def alive(self):
        return self.p.poll() is None


def kill_all():
    for p in list(Proc.others):
        if p.poll() is None:
            p.kill()
            p.wait()
    for pr in list(Proc.procs):
        try:
            pr.send(signal.SIGCONT)
            pr.p.kill()
            pr.p.wait(5)
        except Exception:
            pass


def tail(path, n=25):
    try:
        with open(path, errors="replace") as f:
            lines = f.readlines()
    except OSError:
        return
    print("---- %s (last %d of %d lines)" % (path, min(n, len(lines)), len(lines)))
    for line in lines[-n:]:
        print("   " + line.rstrip("\n"))


# ---- the chain ----

MQTT_PORT, RELAY_PORT = free_port(), free_port()
RELAY_URL = "ws://127.0.0.1:%d/" % RELAY_PORT
secret(T + "/gw.key", os.urandom(32).hex())
secret(T + "/gw.cred", "pw-gw")
counts = collections.Counter()      # everything counted, printed at the end
faults = collections.Counter()      # faults injected by kind
reasons = collections.Counter()     # outcomes other than granted, by reason


class Headset:
    """The Bluetooth headset: pw-bt-headset (one PipeWire device, A2DP or HFP at a time,
    switched by the gateway as a real one)."""
    LOG = T + "/headset.log"

    def __init__(self):
        self.p = None
        if not self.start():
            fail("the headset did not connect")

    def profiles(self):
        try:
            with open(self.LOG, errors="replace") as f:
                return [l.split()[-1] for l in f if " profile " in l]
        except OSError:
            return []

    def start(self):
        """Connect a new one; True once it is in A2DP (WirePlumber settled it)."""
        n = len(self.profiles())
        self.p = Proc("pw-bt-headset", [E["PW_BT_HEADSET"], "--address", E["SOAK_HEADSET"]],
                      self.LOG)
        end = now() + 20
        while now() < end:
            p = self.profiles()
            if len(p) > n and p[-1] == "a2dp-sink":
                return True
            time.sleep(0.05)
        return False


class Broker:
    def __init__(self):
        with open(T + "/mosquitto.conf", "w") as f:
            f.write("listener %d 127.0.0.1\nallow_anonymous true\npersistence false\n"
                    % MQTT_PORT)
            if os.geteuid() == 0:
                f.write("user root\n")
        self.p = self.sub = None
        self.pushes = []             # (time, payload) of the relay's pushes to gw
        self.start()

    def start(self):
        self.p = Proc("mosquitto", [E["MOSQUITTO_BIN"], "-c", T + "/mosquitto.conf"],
                      T + "/mosquitto.log")
        if not wait_port(MQTT_PORT):
            fail("mosquitto does not listen on %d" % MQTT_PORT)
        self.sub = Proc.track(subprocess.Popen(
            [E["MOSQUITTO_SUB_BIN"], "-h", "127.0.0.1", "-p", str(MQTT_PORT),
             "-t", "pttgw/" + GW_USER], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL, start_new_session=True))
        threading.Thread(target=self._capture, args=(self.sub,), daemon=True).start()

    def _capture(self, sub):
        for raw in sub.stdout:
            with lock:
                self.pushes.append((now(), raw.decode("utf-8", "replace").strip()))

    def stop(self):
        if self.sub:
            self.sub.kill()
            self.sub.wait()
        return self.p.stop()

    def publish(self, payload):
        r = subprocess.run([E["MOSQUITTO_PUB_BIN"], "-h", "127.0.0.1", "-p", str(MQTT_PORT),
                            "-q", "1", "-t", "pttgw/" + GW_USER, "-m", payload],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=10)
        return r.returncode == 0


class Relay:
    def __init__(self):
        self.epoch = 0
        self.epochs = []             # (start time, log file) per run
        self.p = None
        self.start()

    def start(self):
        with lock:
            self.epoch += 1
            log = "%s/relay-%03d.log" % (T, self.epoch)
            self.epochs.append((now(), log))
        argv = [E["PTTGW_RELAY"], "--listen", "127.0.0.1:%d" % RELAY_PORT,
                "-u", "%s:pw-gw" % GW_USER, "-C", "ops",
                "--mqtt", "127.0.0.1:%d" % MQTT_PORT,
                "--push-key", "%s:%s/gw.key" % (GW_USER, T)]
        for u in DISP_USERS:
            argv += ["-u", "%s:pw-%s" % (u, u)]
        self.p = Proc("relay", argv, log)
        if not wait_port(RELAY_PORT):
            fail("the relay does not listen on %d" % RELAY_PORT)

    def stop(self, sig=signal.SIGTERM):
        return self.p.stop(sig)


def gateway_conf():
    conf = """[general]
name = soak
unavailable-after = 30
[floor]
connect-timeout = 3
[upstream]
url = %s
channel = ops
username = %s
credentials-file = %s/gw.cred
policy = persistent
heartbeat-interval = %g
backoff-base = 0.1
backoff-cap = 1
[push]
broker = 127.0.0.1:%d
key-file = %s/gw.key
state-dir = %s
client-id = pttgw-soak-%d
backoff-base = 0.1
backoff-cap = 1
keepalive = 5
[audio]
headset = %s
output = soak-speaker
activation-timeout = 2.0
[gatt]
enabled = false
[evdev]
enable = false
""" % (RELAY_URL, GW_USER, T, HEARTBEAT, MQTT_PORT, T, T, os.getpid(),
       E["SOAK_HEADSET"])
    if E.get("SOAK_AUDIO", "1") == "0":   # a measurement aid: what the audio path costs
        conf = conf.replace("unavailable-after = 30\n", "unavailable-after = 30\naudio = false\n")
    with open(T + "/gw.conf", "w") as f:
        f.write(conf)


# ---- D-Bus: presses, events, status ----

class Gateway:
    def __init__(self, bus):
        gateway_conf()
        env = dict(E)
        # leaks are errors; the log of the daemon and the audio bridge at debug level:
        # the per-packet drops ("not playing") are debug lines the accounting reads
        env["ASAN_OPTIONS"] = E.get("ASAN_OPTIONS", "") + ":detect_leaks=1"
        env["G_MESSAGES_DEBUG"] = "pttgw pttgw-audio"
        self.p = Proc("pttgwd", [E["PTTGWD"], "--session-bus", "--config", T + "/gw.conf"],
                      T + "/pttgwd.log", env=env)
        self.bus = bus
        self.events = open(T + "/events.jsonl", "w", buffering=1)
        self.obj = None
        end = now() + 20
        while now() < end:
            try:
                self.obj = bus.get_object("org.pttgw.Gateway1", "/org/pttgw/Gateway")
                self.iface = dbus.Interface(self.obj, "org.pttgw.Gateway1")
                self.iface.GetStatus(timeout=2)
                break
            except dbus.DBusException:
                self.obj = None
                time.sleep(0.1)
        if not self.obj:
            raise SystemExit(finish_fail("pttgwd does not answer on D-Bus"))

    def status(self, timeout=5):
        return json.loads(str(self.iface.GetStatus(timeout=timeout)))


class Presser:
    """Press/release cycles on the main loop, as fast as the gateway answers."""

    def __init__(self, gw):
        self.gw = gw
        self.on = True
        self.accepted = {}          # press id -> time accepted
        self.outcomes = collections.defaultdict(list)
        self.cycles = 0
        self.waiting = None         # press id we hold until its outcome
        self.watchdog = 0
        self.last_progress = now()
        self.local_busy_since = None
        self.stuck_told = False
        self.t0 = now()
        self.disp = None            # the Dispatchers, for the phase balance
        gw.bus.add_signal_receiver(self.on_event, signal_name="Event",
                                   dbus_interface="org.pttgw.Gateway1")

    def on_event(self, ts, typ, js):
        self.gw.events.write(str(js) + "\n")
        counts["events"] += 1
        if typ != "outcome":
            return
        e = json.loads(str(js))
        pid = int(e["press_id"])
        self.outcomes[pid].append(e["outcome"])
        counts["outcome " + e["outcome"]] += 1
        if e["outcome"] != "granted":
            reasons[e["outcome"] + ": " + e.get("reason", "")] += 1
        # the gateway refusing its own press with a local error, press after press,
        # while the link is up, is a stuck state (it never reaches the server)
        if e["outcome"] == "denied" and "resource busy" in e.get("reason", ""):
            if not self.local_busy_since:
                self.local_busy_since = (now(), pid)
            elif now() - self.local_busy_since[0] > 5 and not self.stuck_told:
                self.stuck_told = True
                fail("stuck: every press denied locally (%s) for %.1f s, since press %d"
                     % (e["reason"], now() - self.local_busy_since[0],
                        self.local_busy_since[1]))
        elif e["outcome"] == "granted":
            self.local_busy_since = None
        if pid == self.waiting:
            self.waiting = None
            GLib.source_remove(self.watchdog)
            GLib.timeout_add(rng.randrange(0, 15), self.release)

    def press(self):
        if not self.on or self.cycles >= CYCLES:
            self.on = False
            return False
        self.gw.iface.Press("soak", reply_handler=self.pressed, error_handler=self.press_error,
                            timeout=10)
        return False

    def pressed(self, pid):
        pid = int(pid)
        self.accepted[pid] = now()
        counts["presses accepted"] += 1
        if rng.random() < 0.25:
            # released before the outcome: cancelled (or granted and released at once)
            GLib.timeout_add(rng.randrange(0, 5), self.release)
        else:
            self.waiting = pid
            if pid in self.outcomes:          # the outcome came before the reply
                self.waiting = None
                GLib.timeout_add(rng.randrange(0, 15), self.release)
            else:
                self.watchdog = GLib.timeout_add_seconds(30, self.no_outcome, pid)

    def no_outcome(self, pid):
        fail("press %d: no outcome event within 30 s" % pid)
        self.waiting = None
        self.release()
        return False

    def press_error(self, e):
        name = e.get_dbus_name()
        counts["presses refused " + name.split(".")[-1]] += 1
        if name not in ("org.pttgw.Error.Busy", "org.pttgw.Error.AlreadyTalking"):
            fail("Press: %s: %s" % (name, e.get_dbus_message()))
        self.cycles += 1
        self.last_progress = now()
        # a remote talker has the floor: let it talk a while
        GLib.timeout_add(self.delay(rng.randrange(20, 80)), self.press)

    def release(self):
        self.gw.iface.Release("soak", reply_handler=self.released,
                              error_handler=self.release_error, timeout=10)
        return False

    def released(self):
        self.next_cycle()

    def release_error(self, e):
        name = e.get_dbus_name()
        counts["releases refused " + name.split(".")[-1]] += 1
        if name != "org.pttgw.Error.NotHolder":
            fail("Release: %s: %s" % (name, e.get_dbus_message()))
        self.next_cycle()

    def next_cycle(self):
        self.cycles += 1
        self.last_progress = now()
        GLib.timeout_add(self.delay(rng.randrange(0, 30) if rng.random() < 0.2 else 0),
                         self.press)

    def delay(self, ms):
        """Presses in phases: PRESS_PHASE s of back-to-back cycles, then a window of
        BURST_WINDOW s with a press only now and then (mostly refused as busy), in which
        the dispatchers, who retry every 200 ms while the channel is busy, get the floor.
        The press phase's share of the period follows the two counts: whichever is
        behind (as a fraction of its target) gets more of the time, so both reach
        their targets at about the same time and the budget is not spent on one alone."""
        period = PRESS_PHASE + BURST_WINDOW
        sent = len(self.disp.sent) if self.disp else 0
        if sent >= BURSTS:
            return ms
        lag = self.cycles / CYCLES - sent / BURSTS
        share = min(0.85, max(0.2, PRESS_PHASE / period - 2 * lag))
        if (now() - self.t0) % period < share * period:
            return ms
        return max(ms, rng.randrange(100, 300))


# ---- remote bursts ----

class Dispatchers:
    def __init__(self, relay):
        self.relay = relay
        self.on = True
        self.sent = []               # (epoch, stream, packets, fast)
        self.runs = 0
        self.failed_runs = 0
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def run(self):
        while self.on and len(self.sent) < BURSTS:
            n = min(rng_disp.randrange(10, 40), BURSTS - len(self.sent))
            user = DISP_USERS[self.runs % len(DISP_USERS)]
            self.runs += 1
            with lock:
                epoch = self.relay.epoch
            gap = rng_disp.choice([0.05, 0.1, 0.15, 0.2])
            fast = ["--fast"] if rng_disp.random() < FAST_SHARE else []
            seconds = rng_disp.choice(BURST_S)
            if fast:
                # --fast delivers a burst at once (the network bunched it), but its talker
                # still spoke it in real time: the next burst starts no earlier than this
                # one's end, as with any real talker. With the shortest gap it arrives
                # while the previous tail is still playing (back to back). A gap shorter
                # than the burst would send more audio than time (18 x 200 ms in 2.8 s,
                # seed 2076999954) until the 2 s ring overflows, which no talker can do.
                gap = round(float(seconds) + gap - 0.05, 3)
            argv = [E["PTTGW_DISPATCH"], "-U", RELAY_URL, "-u", "%s:pw-%s" % (user, user),
                    "-C", "ops", "--tone", "440", "-s", seconds] + fast + ["-n", str(n),
                    "--gap", str(gap), "-q", "--timeout", "30"]
            p = Proc.track(subprocess.Popen(argv, stdout=subprocess.PIPE,
                                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL))
            try:
                out, rc = p.communicate(timeout=60)[0].decode("utf-8", "replace"), p.returncode
            except subprocess.TimeoutExpired:
                p.kill()
                out, rc = p.communicate()[0].decode("utf-8", "replace"), "timeout"
            Proc.others.remove(p)
            with open(T + "/dispatch.log", "a") as f:
                f.write("%.6f run %d as %s epoch %d -s %s %s rc %s\n%s" % (
                    now(), self.runs, user, epoch, seconds, " ".join(fast), rc, out))
            for m in re.finditer(r"sent burst \d+: stream (\d+), (\d+) packets", out):
                with lock:
                    self.sent.append((epoch, int(m.group(1)), int(m.group(2)), bool(fast)))
            if rc != 0:
                self.failed_runs += 1
                time.sleep(0.3)      # the relay is down or frozen: a fault is in progress


# ---- faults ----

def ws_handshake(sock):
    key = "c29hay10ZXN0LWtleS0wMQ=="
    sock.sendall(("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                  "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                  "Sec-WebSocket-Version: 13\r\n\r\n" % key).encode())
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            return False
        data += chunk
    return data.startswith(b"HTTP/1.1 101")


def ws_frame(opcode, payload, mask=True, fin=True):
    b0 = (0x80 if fin else 0) | opcode
    n = len(payload)
    if n < 126:
        hdr = bytes([b0, (0x80 if mask else 0) | n])
    elif n < 65536:
        hdr = bytes([b0, (0x80 if mask else 0) | 126]) + n.to_bytes(2, "big")
    else:
        hdr = bytes([b0, (0x80 if mask else 0) | 127]) + n.to_bytes(8, "big")
    if not mask:
        return hdr + payload
    k = os.urandom(4)
    return hdr + k + bytes(c ^ k[i % 4] for i, c in enumerate(payload))


def garbage(kind):
    """Malformed input at the relay: raw bytes, or a WebSocket with bad frames."""
    try:
        s = socket.create_connection(("127.0.0.1", RELAY_PORT), 2)
        s.settimeout(2)
        if kind == "raw":
            s.sendall(bytes(rng_fault.randrange(256) for _ in range(rng_fault.randrange(1, 3000))))
        else:
            if not ws_handshake(s):
                s.close()
                return
            frames = [
                ws_frame(1, b'{"command":"logon","seq":1,"username":"%s","password":"pw-%s",'
                         b'"channels":["ops"]}' % (DISP_USERS[0].encode(), DISP_USERS[0].encode())),
                ws_frame(1, b"{not json"),
                ws_frame(1, b'{"command":"start_stream","seq":2,"type":"audio","codec":"opus",'
                         b'"codec_header":"%%%not base64","packet_duration":20}'),
                ws_frame(1, b'{"command":7,"seq":"x"}'),
                ws_frame(2, b"\x01\x00\x00"),                      # shorter than 9 bytes
                ws_frame(2, b"\x07" + os.urandom(20)),              # unknown type
                ws_frame(2, b"\x01\x00\x00\x99\x99\x00\x00\x00\x01" + os.urandom(40)),  # not ours
                ws_frame(1, b'{"command":"join_stream","seq":3,"stream_id":4294967295}'),
                ws_frame(1, bytes(rng_fault.randrange(256) for _ in range(64))),  # not UTF-8
                ws_frame(2, b"x" * (1 << 20 | 1)),                   # over the 1 MiB limit
                ws_frame(1, b"unmasked", mask=False),
            ]
            for fr in rng_fault.sample(frames, rng_fault.randrange(3, len(frames) + 1)):
                s.sendall(fr)
            time.sleep(0.05)
        s.close()
    except OSError:
        pass


def bad_dbus(gw):
    """Bad arguments on the gateway's D-Bus API (called on the main loop)."""
    def refused(src):
        def h(e):
            if e.get_dbus_name() != "org.pttgw.Error.InvalidArguments":
                fail("Press(%r): %s" % (src, e.get_dbus_name()))
        return h
    for src in ["", "x" * 65, "tab\there"]:
        gw.iface.Press(src, reply_handler=lambda pid, s=src: fail("Press(%r) accepted" % s),
                       error_handler=refused(src), timeout=10)
    gw.iface.Release("somebody-else", reply_handler=lambda: None,
                     error_handler=lambda e: None, timeout=10)
    return False


class Faults:
    KINDS = ["relay-kill", "relay-term", "relay-freeze", "broker-restart", "push-replay",
             "push-late", "push-garbage", "headset-gone", "relay-garbage", "ws-malformed",
             "dbus-bad-args"]

    def __init__(self, relay, broker, gw, disp, headset):
        self.relay, self.broker, self.gw, self.disp = relay, broker, gw, disp
        self.headset = headset
        self.on = True
        self.t = threading.Thread(target=self.run, daemon=True)
        if E.get("SOAK_FAULTS", "1") == "1":
            self.t.start()

    def pause(self, lo, hi):
        end = now() + rng_fault.uniform(lo, hi)
        while self.on and now() < end:
            time.sleep(0.05)

    def run(self):
        self.pause(3, 5)
        while self.on:
            kind = rng_fault.choice(self.KINDS)
            try:
                self.inject(kind)
            except Exception as ex:  # a fault that cannot be injected is a test defect
                fail("fault %s: %r" % (kind, ex))
            self.pause(1.5, 5)

    def inject(self, kind):
        faults[kind] += 1
        say("fault: %s" % kind)
        if kind in ("relay-kill", "relay-term"):
            self.relay.stop(signal.SIGKILL if kind == "relay-kill" else signal.SIGTERM)
            time.sleep(rng_fault.uniform(0.1, 2.0))
            self.relay.start()
        elif kind == "relay-freeze":
            self.relay.p.send(signal.SIGSTOP)
            self.relay.p.stopped = True
            time.sleep(rng_fault.uniform(2.6 * HEARTBEAT, 2.6 * HEARTBEAT + 2))
            self.relay.p.send(signal.SIGCONT)
            self.relay.p.stopped = False
        elif kind == "broker-restart":
            self.broker.stop()
            time.sleep(rng_fault.uniform(0.2, 2.0))
            self.broker.start()
        elif kind == "push-replay":
            with lock:
                pushes = list(self.broker.pushes[-50:])
            if pushes:
                self.broker.publish(rng_fault.choice(pushes)[1])
        elif kind == "push-late":
            # a fresh, valid push for a burst of this relay run that already ended
            with lock:
                epoch = self.relay.epoch
                done = [s for e, s, n, f in self.disp.sent[-10:] if e == epoch]
            if done:
                r = subprocess.run([E["PUSH_SIGN"], T + "/gw.key", "ops", str(done[-1]),
                                    DISP_USERS[0], GW_USER], stdout=subprocess.PIPE,
                                   timeout=10)
                if r.returncode == 0:
                    self.broker.publish(r.stdout.decode().strip())
                    with lock:
                        counts["late pushes published"] += 1
        elif kind == "push-garbage":
            self.broker.publish(rng_fault.choice(['{"channel":"ops","stream_id":1}', "garbage",
                                            '{"payload":"e30=","mac":"AAAA"}', "[]", ""]))
        elif kind == "headset-gone":
            self.headset.p.stop()
            time.sleep(rng_fault.uniform(0.3, 2.0))
            if not self.headset.start():
                fail("the headset did not come back")
        elif kind == "relay-garbage":
            for _ in range(rng_fault.randrange(1, 4)):
                garbage("raw")
        elif kind == "ws-malformed":
            garbage("ws")
        elif kind == "dbus-bad-args":
            GLib.idle_add(bad_dbus, self.gw)


# ---- the accounting ----

def read_log(path):
    out = []
    try:
        with open(path, errors="replace") as f:
            for line in f:
                t, _, rest = line.rstrip("\n").partition(" ")
                try:
                    out.append((float(t), rest))
                except ValueError:
                    pass
    except OSError:
        pass
    return out


def account(relay, disp):
    """Relay deliveries to gw against the gateway's burst events and logged drops."""
    ok = True
    starts = {}                         # (epoch, stream) -> start time
    packets = {}                        # (epoch, stream) -> packets in the burst
    delivered = collections.Counter()   # (epoch, stream) -> clean deliveries to gw
    cut = collections.Counter()         # (epoch, stream) -> deliveries cut by a disconnect
    unknown_end = set()                 # streams in progress when their relay was killed
    for i, (t0, log) in enumerate(relay.epochs, 1):
        ended = set()
        for t, line in read_log(log):
            m = re.search(r"stream (\d+) on ops from (\S+) started", line)
            if m:
                starts[(i, int(m.group(1)))] = t
                continue
            m = re.search(r"stream (\d+) on ops from \S+ ended \(.*\): packets=(\d+)", line)
            if m:
                packets[(i, int(m.group(1)))] = int(m.group(2))
                ended.add(int(m.group(1)))
                continue
            m = re.search(r"delivered stream=(\d+) user=%s peer=\S+ packets=(\d+)( \(disc)?"
                          % GW_USER, line)
            if m:
                key = (i, int(m.group(1)))
                if m.group(3):
                    cut[key] += int(m.group(2))
                else:
                    delivered[key] += int(m.group(2))
        for (e, s) in starts:
            if e == i and s not in ended:
                unknown_end.add((e, s))

    by_stream = collections.defaultdict(list)    # stream -> [(start time, epoch)]
    for (e, s), ts in starts.items():
        by_stream[s].append((ts, e))

    def epoch_of(stream, t):
        """The relay run of stream. Stream ids are random per run, so one run has it, as a
        rule; else the latest run that started it before t (the relay's lines are stamped
        when this script read them: allow for a late read)."""
        runs = by_stream.get(stream, ())
        if len(runs) == 1:
            return runs[0][1]
        best = None
        for ts, e in runs:
            if ts <= t + 2.0 and (best is None or ts > best[0]):
                best = (ts, e)
        return best[1] if best else None

    bursts = collections.defaultdict(list)
    flushed_why = collections.Counter()
    last_play = {}
    with open(T + "/events.jsonl") as f:
        for line in f:
            e = json.loads(line)
            if e.get("type") == "audio" and e.get("direction") == "playback":
                last_play[e.get("stream_id")] = e.get("reason", "")
            if e.get("type") == "burst":
                # the burst event names how it ended; older daemons: the last playback event
                e["why"] = e.get("reason") or last_play.get(e["stream_id"], "?")
                if e["flushed"]:
                    flushed_why[re.sub(r"\b\d+(\.\d+)?\b", "N", e["why"])] += e["flushed"]
                ep = epoch_of(e["stream_id"], e["ts"] / 1e6)
                bursts[(ep, e["stream_id"])].append(e)
    drops = collections.Counter()       # (epoch, stream) -> reason counts
    drop_reasons = collections.Counter()
    for t, line in read_log(T + "/pttgwd.log"):
        m = re.search(r"audio for stream (\d+),? (which is )?not playing:?,? dropped", line)
        reason = "not playing (floor)"
        if not m:
            m = re.search(r"packet \d+ of stream (\d+): no such burst playing, dropped", line)
            reason = "no burst playing (audio)"
        if m:
            drops[(epoch_of(int(m.group(1)), t), int(m.group(1)))] += 1
            drop_reasons[reason] += 1

    if E.get("SOAK_AUDIO", "1") == "0":
        print("  (SOAK_AUDIO=0: no audio bridge, no burst events: packets not compared)")
        delivered.clear()
        cut.clear()
    tot = collections.Counter()
    by_size = {}                        # (packets, fast) -> [bursts, played, received]
    fast_ids = dict((x[1], x[3]) for x in disp.sent)
    errors = []
    for key, evs in bursts.items():
        seen = set()
        for b in evs:
            for k in ("received", "played", "duplicate", "late", "invalid", "flushed",
                      "concealed", "recovered", "stretched", "underruns"):
                tot[k] += b[k]
            tot["burst events"] += 1
            size = by_size.setdefault((b["received"], fast_ids.get(key[1])), [0, 0, 0])
            size[0] += 1
            size[1] += b["played"]
            size[2] += b["received"]
            rest = b["duplicate"] + b["late"] + b["invalid"] + b["flushed"]
            # a burst that ended normally (drained, or the next talker came while its
            # tail was buffered) plays every packet it has: none may be flushed; a cut
            # (pre-emption, a failure) may flush, counted apart
            if b["flushed"] and normal_end(b["why"]):
                tot["flushed, normal end"] += b["flushed"]
                errors.append("stream %s (relay run %s): ended normally (%s) but %d packets "
                              "were flushed" % (key[1], key[0], b["why"], b["flushed"]))
            elif b["flushed"] and b["why"].startswith("preempted"):
                tot["flushed, preempted"] += b["flushed"]
            if b["received"] != b["played"] + rest:
                errors.append("stream %s (relay run %s): received %d != played %d + "
                              "duplicate/late/invalid/flushed %d" % (key[1], key[0], b["received"],
                                                                     b["played"], rest))
            if b["played"]:
                ids = set(range(b["first_id"], b["last_id"] + 1))
                if ids & seen:
                    errors.append("stream %s (relay run %s): packet ids %s played twice"
                                  % (key[1], key[0], sorted(ids & seen)[:5]))
                seen |= ids
        if key in packets and sum(b["played"] for b in evs) > packets[key]:
            errors.append("stream %s (relay run %s): played %d of a %d-packet burst"
                          % (key[1], key[0], sum(b["played"] for b in evs), packets[key]))
    for key in set(delivered) | set(cut):
        got = sum(b["received"] for b in bursts.get(key, [])) + drops.get(key, 0)
        tot["delivered"] += delivered[key]
        tot["delivered, connection cut"] += cut[key]
        if cut[key]:
            # the relay wrote into a connection the gateway had given up: what reached it
            if got > delivered[key] + cut[key]:
                errors.append("stream %s (relay run %s): gateway has %d, relay sent %d"
                              % (key[1], key[0], got, delivered[key] + cut[key]))
            tot["lost with a cut connection"] += delivered[key] + cut[key] - got
        elif got != delivered[key]:
            errors.append("stream %s (relay run %s): relay delivered %d to %s, gateway "
                          "accounted for %d (bursts %s, dropped %d)"
                          % (key[1], key[0], delivered[key], GW_USER, got,
                             [(b["received"], b["played"]) for b in bursts.get(key, [])],
                             drops.get(key, 0)))
    tot["received, relay killed"] = sum(b["received"] for k in unknown_end
                                        for b in bursts.get(k, []))
    tot["streams started"] = len(starts)
    tot["streams cut by a relay kill"] = len(unknown_end)
    tot["streams the relay delivered to gw"] = len(set(delivered) | set(cut))
    tot["gateway drops"] = sum(drops.values())
    # (stream ids are the relay's; a dispatcher may have reached the next relay run)
    played_ids = set(s for e, s in bursts)
    tot["bursts sent, no burst event"] = len([x for x in disp.sent if x[1] not in played_ids])
    tot["discarded, output there"] = flushed_why.get(EARLY_END, 0)
    for e in errors[:30]:
        print("  " + e)
    if len(errors) > 30:
        print("  ... %d more" % (len(errors) - 30))
    if errors:
        ok = False
        fail("%d accounting errors" % len(errors))
    tot["by size"] = by_size
    return ok, tot, drop_reasons, flushed_why


# ---- main ----

def finish_fail(msg):
    fail(msg)
    report_failure()
    return 1


def report_failure():
    print("soak: FAILED with seed %d (SOAK_SEED=%d reproduces the schedule)" % (SEED, SEED))
    for f in failures[:20]:
        print("  " + f)
    for name in ["pttgwd.log", "dispatch.log", "mosquitto.log"]:
        tail(os.path.join(T, name), 40)
    for f in sorted(os.listdir(T)):
        if f.startswith("relay-"):
            last = f
    tail(os.path.join(T, last), 25)
    tail(T + "/events.jsonl", 15)


def main():
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    say("soak: seed %d, %d press/release cycles, %d remote bursts, budget %d s"
        % (SEED, CYCLES, BURSTS, SECONDS))
    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    bus = dbus.bus.BusConnection(E["DBUS_SESSION_BUS_ADDRESS"])
    headset = Headset()
    broker = Broker()
    relay = Relay()
    gw = Gateway(bus)
    loop = GLib.MainLoop()

    st = None
    end = now() + 20
    while now() < end:
        st = gw.status()
        if st["link"] == "connected" and st["push"] == "up" and st["service"] == "ready":
            break
        time.sleep(0.1)
    if not (st["link"] == "connected" and st["push"] == "up"):
        return finish_fail("gateway not up at start: link %s push %s service %s"
                           % (st["link"], st["push"], st["service"]))
    say("chain up: relay :%d, broker :%d, gateway ready" % (RELAY_PORT, MQTT_PORT))

    presser = Presser(gw)
    disp = Dispatchers(relay)
    presser.disp = disp
    flt = Faults(relay, broker, gw, disp, headset)
    t_drive = now()
    phase = {"stop": False}

    def session_alive():
        """PipeWire and WirePlumber (soak.sh's): the audio accounting means nothing
        without them, and the gateway must not take them down."""
        for item in E.get("SOAK_SESSION_PIDS", "").split():
            name, _, pid = item.partition(":")
            if pid and not os.path.exists("/proc/%s" % pid) and name not in session_dead:
                session_dead.add(name)
                fail("%s (pid %s) is gone" % (name, pid))
    session_dead = set()

    def tick():
        session_alive()
        el = now() - t_drive
        say("progress: %d cycles (%d accepted), %d bursts sent, relay run %d, faults %d"
            % (presser.cycles, len(presser.accepted), len(disp.sent), relay.epoch,
               sum(faults.values())))
        done = presser.cycles >= CYCLES and len(disp.sent) >= BURSTS
        if el > SECONDS or done:
            loop.quit()
            return False
        # the presser stops at CYCLES; until then, 40 s without progress is a stuck floor
        if presser.cycles < CYCLES and now() - presser.last_progress > 40:
            fail("no press/release progress for 40 s (stuck)")
            loop.quit()
            return False
        return True

    GLib.timeout_add_seconds(10, tick)
    GLib.idle_add(presser.press)
    loop.run()
    t_faults_end = now()
    drive_s = t_faults_end - t_drive
    say("driving done after %.0f s: stopping faults, presses and dispatchers" % drive_s)
    presser.on = False
    flt.on = False
    disp.on = False

    # let outstanding calls finish on the loop while the threads wind down
    def wait_threads():
        if flt.t.is_alive() or disp.t.is_alive():
            return True
        loop.quit()
        return False
    GLib.timeout_add(100, wait_threads)
    GLib.timeout_add_seconds(90, loop.quit)
    loop.run()
    if flt.t.is_alive() or disp.t.is_alive():
        fail("fault or dispatcher thread still running after 90 s")
    # everything back: relay and broker run, the output node exists (the fault
    # thread restores what it broke before it returns)

    # ---- settle: no stuck state ----
    say("settling (up to %d s): the gateway must be idle and ready" % SETTLE)
    end = now() + SETTLE
    st = None

    def settle():
        nonlocal st
        try:
            st = gw.status()
        except dbus.DBusException as ex:
            st = {"error": str(ex)}
        good = (st.get("floor") == "idle" and st.get("service") == "ready" and
                st.get("link") == "connected" and st.get("push") == "up")
        if good or now() > end:
            loop.quit()
            return False
        return True
    GLib.timeout_add(200, settle)
    loop.run()
    if not (st.get("floor") == "idle" and st.get("service") == "ready"):
        fail("stuck after %d s of settling: floor %s service %s link %s push %s"
             % (SETTLE, st.get("floor"), st.get("service"), st.get("link"), st.get("push")))
    else:
        say("settled: floor %s, service %s, link %s, push %s"
            % (st["floor"], st["service"], st["link"], st["push"]))

    # a last burst and a last press through the recovered chain
    r = subprocess.run([E["PTTGW_DISPATCH"], "-U", RELAY_URL, "-u", "disp1:pw-disp1", "-C",
                        "ops", "--tone", "440", "-s", "0.06", "-q", "--timeout", "20"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=40)
    m = re.search(r"sent burst \d+: stream (\d+), (\d+) packets", r.stdout.decode())
    if not m:
        fail("the recovered chain: the dispatcher could not talk: %s" % r.stdout.decode()[-300:])
    else:
        disp.sent.append((relay.epoch, int(m.group(1)), int(m.group(2)), False))
    # ... and the gateway must be able to talk again
    granted = {"v": None}

    def last_press():
        def ok(pid):
            granted["pid"] = int(pid)
        gw.iface.Press("soak-final", reply_handler=ok,
                       error_handler=lambda e: granted.update(v="error " + str(e)), timeout=10)
        return False

    def check_last():
        pid = granted.get("pid")
        if pid and presser.outcomes.get(pid):
            granted["v"] = presser.outcomes[pid][0]
        if granted["v"] is not None:
            loop.quit()
            return False
        return True
    GLib.timeout_add(1500, last_press)
    GLib.timeout_add(100, check_last)
    GLib.timeout_add_seconds(20, loop.quit)
    loop.run()
    if granted["v"] != "granted":
        fail("the recovered chain: the last press was %s" % granted["v"])
    try:
        gw.iface.Release("soak-final", timeout=5)
    except dbus.DBusException as ex:
        fail("the last release: %s" % ex)
    # the last burst is accounted once its burst event is there
    GLib.timeout_add_seconds(3, loop.quit)
    loop.run()
    end = now() + 10
    while now() < end:
        st = gw.status()
        if st["floor"] == "idle":
            break
        time.sleep(0.2)
    if st["floor"] != "idle":
        fail("floor %s after the last release" % st["floor"])
    counters = st.get("counters", {})

    session_alive()

    # ---- outcomes: exactly one per accepted press ----
    no_out = [p for p in presser.accepted if len(presser.outcomes.get(p, [])) == 0]
    many = [p for p in presser.accepted if len(presser.outcomes.get(p, [])) > 1]
    if no_out:
        fail("%d accepted presses without an outcome (e.g. %s)" % (len(no_out), no_out[:5]))
    if many:
        fail("%d presses with more than one outcome (e.g. %s)" % (len(many), many[:5]))

    # ---- the faults took effect: the peers saw them and said so ----
    pc = st.get("push_channel", {})
    bad_relay = 0
    for _, log in relay.epochs:
        bad_relay += sum(1 for _, l in read_log(log)
                         if re.search(r"bad (text|binary) frame|over the limit|before logon", l))
    effects = [("ws-malformed", bad_relay, "malformed frames logged by the relay"),
               ("push-garbage", pc.get("rejected", 0), "pushes the gateway rejected"),
               # a replay is rejected as a replay, or as stale when older than the window
               ("push-replay", pc.get("rejected", 0), "pushes the gateway rejected"),
               ("push-late", counters.get("pushes_ignored", 0), "late pushes ignored")]
    for kind, n, what in effects:
        if faults[kind] and not n:
            fail("%d %s faults, but no %s" % (faults[kind], kind, what))
    counts["relay bad frames"] = bad_relay
    cpu = {}

    def cpu_s(pid):
        with open("/proc/%d/stat" % pid) as f:
            v = f.read().rsplit(")", 1)[1].split()
        return (int(v[11]) + int(v[12])) / os.sysconf("SC_CLK_TCK")
    for name, pr in (("pttgwd", gw.p), ("relay (last run)", relay.p)):
        try:
            cpu[name] = cpu_s(pr.p.pid)
        except (OSError, ValueError, IndexError):
            pass
    cpu["soak.py"] = sum(os.times()[:2])

    # ---- stop: clean exit, no sanitizer report ----
    relay.p.send(signal.SIGUSR1)
    time.sleep(0.3)
    rc = gw.p.stop(signal.SIGTERM, timeout=30)
    if rc != 0:
        fail("pttgwd exited with status %s after SIGTERM" % rc)
    with open(T + "/pttgwd.log", errors="replace") as f:
        san = [l for l in f if re.search(r"ERROR: (Address|Leak)Sanitizer|runtime error:|"
                                         r"SUMMARY: .*Sanitizer", l)]
    if san:
        fail("pttgwd: sanitizer report: %s" % san[0].strip())
    relay.stop()
    broker.stop()

    ok, tot, drops_why, flushed_why = account(relay, disp)
    total = now() - T0

    print()
    print("soak summary (seed %d)" % SEED)
    print("  wall time            %.0f s (driving %.0f s)" % (total, drive_s))
    print("  press/release cycles %d: %d presses accepted, %s" % (
        presser.cycles, len(presser.accepted),
        ", ".join("%s %d" % (k, v) for k, v in sorted(counts.items())
                  if k.startswith(("outcome", "presses refused", "releases refused")))))
    print("  remote bursts        %d sent by %d dispatcher runs (%d cut short by faults)"
          % (len(disp.sent), disp.runs, disp.failed_runs))
    print("  relay runs           %d; streams started %d, delivered to gw %d, in progress "
          "at a relay kill %d (%d packets the gateway got of them)"
          % (len(relay.epochs), tot["streams started"], tot["streams the relay delivered to gw"],
             tot["streams cut by a relay kill"], tot["received, relay killed"]))
    print("  packets              delivered %d (+%d into a connection then cut, %d of them "
          "lost with it)" % (tot["delivered"], tot["delivered, connection cut"],
                             tot["lost with a cut connection"]))
    print("  gateway bursts       %d events: received %d, played %d, duplicate %d, late %d, "
          "invalid %d, flushed %d" % (tot["burst events"], tot["received"], tot["played"],
                                       tot["duplicate"], tot["late"], tot["invalid"],
                                       tot["flushed"]))
    print("  played, by burst     %s" % ", ".join(
        "%d packets %s: %d bursts, %d%% played" % (
            k[0], "at once" if k[1] else "paced", v[0], 100 * v[1] // max(1, v[2]))
        for k, v in sorted(tot["by size"].items(), key=lambda kv: (str(kv[0][1]), kv[0][0]))
        if v[0] >= 5 and k[1] is not None))
    print("  slots                concealed %d, recovered (FEC) %d, stretched %d, "
          "underruns %d" % (tot["concealed"], tot["recovered"], tot["stretched"],
                            tot["underruns"]))
    print("  dropped before play  %d (%s)" % (tot["gateway drops"], ", ".join(
        "%s %d" % kv for kv in sorted(drops_why.items())) or "none"))
    print("  flushed, by reason   %s" % (", ".join("%s: %d" % kv for kv in
                                                 flushed_why.most_common()) or "none"))
    print("  flushed              normal ends %d (must be 0), preempted %d"
          % (tot["flushed, normal end"], tot["flushed, preempted"]))
    print("  presses not granted  %s" % (", ".join("%s %d" % kv for kv in
                                                  reasons.most_common()) or "none"))
    print("  sent, not played     %d bursts with no burst event (the gateway was cut off)"
          % tot["bursts sent, no burst event"])
    if tot["discarded, output there"]:
        print("  WARNING              %d of %d packets received were discarded because their "
              "burst ended before the playback stream was active (src/audio/audio.c "
              "audio_play_end)%s" % (tot["discarded, output there"], tot["received"],
                                     "" if STRICT else "; SOAK_STRICT=1 makes this a failure"))
        if STRICT:
            fail("%d packets discarded: %s" % (tot["discarded, output there"], EARLY_END))
    print("  faults injected      %d: %s" % (sum(faults.values()), ", ".join(
        "%s %d" % kv for kv in sorted(faults.items()))))
    print("  gateway counters     %s" % json.dumps(counters, sort_keys=True))
    print("  fault effects        relay logged %d bad frames; gateway rejected %d pushes (%d "
          "replays), ignored %d" % (counts["relay bad frames"], pc.get("rejected", 0),
                                    pc.get("replayed", 0), counters.get("pushes_ignored", 0)))
    print("  D-Bus events         %d" % counts["events"])
    print("  CPU seconds          %s (load average %s)" % (", ".join(
        "%s %.0f" % kv for kv in cpu.items()), " ".join(
        open("/proc/loadavg").read().split()[:3])))
    short = []
    if presser.cycles < CYCLES:
        short.append("%d of %d cycles" % (presser.cycles, CYCLES))
    if len(disp.sent) < BURSTS:
        short.append("%d of %d bursts" % (len(disp.sent), BURSTS))
    if short:
        # the counts are the soak's point (the issue asks for at least these many)
        fail("the %d s budget ran out at %s" % (SECONDS, ", ".join(short)))
    if failures:
        report_failure()
        return 1
    print("soak: PASS")
    return 0


if __name__ == "__main__":
    try:
        rc = main()
    except SystemExit as ex:
        rc = ex.code if isinstance(ex.code, int) else 1
    except Exception:
        import traceback
        traceback.print_exc()
        report_failure()
        rc = 1
    finally:
        kill_all()
    sys.exit(rc)
