#!/usr/bin/python3
"""bench-messages: text message round trip and location report latency, on loopback
with the real pttgwd, pttgw-relay, pttgw-dispatch and gpsd. Prints medians over N
(default 50; BENCH_N).

- text round trip: D-Bus SendMessage to pttgwd -> relay -> pttgw-dispatch --echo ->
  relay -> pttgwd -> D-Bus MessageReceived, per message (the client's monotonic clock).
- location report: an NMEA fix (GGA + RMC in one write) into gpsd's pty
  -> gpsd -> pttgwd (libgps) -> send_location -> relay -> on_location printed by
  pttgw-dispatch (its monotonic clock, --onsets). Every fix is 30 m from the one
  before (min-distance 20 m), so every fix is reported.

Environment: PTTGWD, PTTGWCTL, PTTGW_RELAY, PTTGW_DISPATCH (binaries).
"""
import os
import pty
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import json
import math

from gi.repository import Gio, GLib

N = int(os.environ.get("BENCH_N", "50"))
procs = []
tmp = tempfile.mkdtemp(prefix="pttgw-bench-messages.")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def spawn(name, argv, env=None):
    p = subprocess.Popen(argv, stdout=open(os.path.join(tmp, name + ".out"), "w"),
                         stderr=open(os.path.join(tmp, name + ".err"), "w"), env=env)
    procs.append(p)
    return p


def cleanup():
    for p in reversed(procs):
        if p.poll() is None:
            p.terminate()
    for p in procs:
        try:
            p.wait(timeout=3)
        except subprocess.TimeoutExpired:
            p.kill()
    if not os.environ.get("KEEP_TMP"):
        shutil.rmtree(tmp, ignore_errors=True)


def wait_port(port, secs=5):
    end = time.monotonic() + secs
    while time.monotonic() < end:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    sys.exit("nothing listens on %d" % port)


def wait_file(path, regex, secs):
    end = time.monotonic() + secs
    while time.monotonic() < end:
        if os.path.exists(path) and re.search(regex, open(path).read(), re.M):
            return True
        time.sleep(0.05)
    return False


def checksum(body):
    c = 0
    for ch in body.encode():
        c ^= ch
    return "$%s*%02X\r\n" % (body, c)


def nmea(t, lat, lon):
    hh = "%02d%02d%02d.00" % (t // 3600 % 24, t // 60 % 60, t % 60)
    la = "%02d%08.5f" % (int(lat), (lat - int(lat)) * 60)
    lo = "%03d%08.5f" % (int(lon), (lon - int(lon)) * 60)
    return (checksum("GPGGA,%s,%s,N,%s,E,1,08,0.9,545.4,M,46.9,M,," % (hh, la, lo)),
            checksum("GPRMC,%s,A,%s,N,%s,E,0.0,0.0,061226,,,A" % (hh, la, lo)))


def summary(name, xs):
    xs = sorted(xs)
    print("%s: n=%d median %.2f ms p95 %.2f ms min %.2f max %.2f" %
          (name, len(xs), statistics.median(xs), xs[int(0.95 * (len(xs) - 1))], xs[0], xs[-1]))


def main():
    bus = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--print-address=1"],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    procs.append(bus)
    addr = bus.stdout.readline().strip()
    env = dict(os.environ, DBUS_SESSION_BUS_ADDRESS=addr)

    port, gport = free_port(), free_port()
    spawn("relay", [os.environ["PTTGW_RELAY"], "--listen", "127.0.0.1:%d" % port,
                    "--channel", "test", "--user", "gw1:pw-gw1", "--user", "disp:pw-disp"])
    wait_port(port)

    # gpsd on a pty we write NMEA into
    master, slave = pty.openpty()
    spawn("gpsd", ["gpsd", "-N", "-n", "-S", str(gport), "-F", os.path.join(tmp, "gpsd.sock"),
                   os.ttyname(slave)])
    wait_port(gport)

    cred = os.path.join(tmp, "cred")
    with open(cred, "w") as f:
        f.write("pw-gw1\n")
    os.chmod(cred, 0o600)
    conf = os.path.join(tmp, "gw.conf")
    with open(conf, "w") as f:
        f.write("[upstream]\nurl = ws://127.0.0.1:%d/\nchannel = test\nusername = gw1\n"
                "credentials-file = %s\n[location]\nsource = gpsd\ngpsd = 127.0.0.1:%d\n"
                "interval = 3600\nmin-distance = 20\n" % (port, cred, gport))
    spawn("pttgwd", [os.environ["PTTGWD"], "--session-bus", "--config", conf], env)
    disp_out = os.path.join(tmp, "disp.out")
    spawn("disp", [os.environ["PTTGW_DISPATCH"], "-U", "ws://127.0.0.1:%d" % port,
                   "-u", "disp:pw-disp", "-C", "test", "--echo", "--onsets",
                   "--expect-texts", "1000000", "--timeout", "600"])

    conn = Gio.DBusConnection.new_for_address_sync(
            addr, Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT |
            Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)
    ctx = GLib.MainContext.default()

    def status():
        r = conn.call_sync("org.pttgw.Gateway1", "/org/pttgw/Gateway", "org.pttgw.Gateway1",
                           "GetStatus", None, GLib.VariantType("(s)"),
                           Gio.DBusCallFlags.NONE, 2000, None)
        return r.unpack()[0]

    end = time.monotonic() + 15
    while True:
        try:
            if json.loads(status())["link"] == "connected" and wait_file(disp_out, "^logged on", 0.1):
                break
        except GLib.Error:
            pass
        if time.monotonic() > end:
            sys.exit("pttgwd or the dispatcher did not come up (%s)" % tmp)
        time.sleep(0.1)

    # ---- text round trip ----
    got = {}

    def on_msg(c, sender, path, iface, sig, params):
        text = params.unpack()[3]
        got.setdefault(text, time.monotonic())

    conn.signal_subscribe("org.pttgw.Gateway1", "org.pttgw.Gateway1", "MessageReceived",
                          "/org/pttgw/Gateway", None, Gio.DBusSignalFlags.NONE, on_msg)
    rtt = []
    for i in range(N + 1):  # the first one warms up
        text = "ping %d" % i
        t0 = time.monotonic()
        conn.call_sync("org.pttgw.Gateway1", "/org/pttgw/Gateway", "org.pttgw.Gateway1",
                       "SendMessage", GLib.Variant("(sss)", ("", "", text)),
                       GLib.VariantType("(u)"), Gio.DBusCallFlags.NONE, 2000, None)
        end = time.monotonic() + 5
        wake = GLib.timeout_add(100, lambda: True)
        while text not in got and time.monotonic() < end:
            ctx.iteration(True)
        GLib.source_remove(wake)
        if text not in got:
            sys.exit("no echo for %r (%s)" % (text, tmp))
        if i > 0:
            rtt.append((got[text] - t0) * 1000)

    # ---- location: fix written -> on_location at the relay's other side ----
    lat, lon, t = 47.3769, 8.5417, 12 * 3600
    written = []
    for i in range(N + 10):  # gpsd finds the device and its cycle on the first fixes
        gga, rmc = nmea(t + i, lat + math.degrees(30.0 * i / 6371008.8), lon)
        written.append(time.monotonic())
        os.write(master, (gga + rmc).encode())  # the whole fix at one instant
        time.sleep(0.3)
    time.sleep(1)
    heard = []
    for line in open(disp_out):
        m = re.match(r"location from gw1 .*: ([-0-9.]+) ([-0-9.]+) .* at (\d+) us", line)
        if m:
            heard.append((float(m.group(1)), int(m.group(3)) / 1e6))
    lat_ms = []
    for la, ts in heard:
        i = round(math.radians(la - lat) * 6371008.8 / 30.0)
        if 10 <= i < len(written):
            lat_ms.append((ts - written[i]) * 1000)
    seen = sorted({round(math.radians(la - lat) * 6371008.8 / 30.0) for la, _ in heard})
    if os.environ.get("BENCH_DEBUG"):
        print("fix indices reported:", seen)
    print("bench-messages: loopback, N=%d" % N)
    summary("text round trip (D-Bus SendMessage -> relay -> dispatcher echo -> "
            "MessageReceived)", rtt)
    if len(lat_ms) < N * 0.9:
        sys.exit("only %d of %d fixes reported (%s)" % (len(lat_ms), N, tmp))
    summary("location report (NMEA fix into gpsd -> on_location at the dispatcher)", lat_ms)


try:
    main()
finally:
    cleanup()
