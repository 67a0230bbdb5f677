#!/usr/bin/python3
"""The PTT GATT service's test central (guest scenarios tests/bluetooth/gatt-*.sh).

  gatt-central.py [--adapter hci1] STEP...

Steps, run in order in one process (one connection):
  bond            scan for the PTT service, connect, pair, discover
  connect         scan and connect with the bond kept from before
  info            read and check the Device Information service
  subscribe       notifications on State and Active Talker
  press           write PRESS: State goes requesting -> transmitting, in order
  release         write RELEASE: State goes releasing -> idle, in order
  press-command   the same on the Control Point Command (write-without-response)
  release-command
  press-hold      write PRESS and wait for transmitting (then disconnect, say)
  refused         PRESS is refused with NotAuthorized and nothing changes
  malformed       every malformed write gets its documented error, nothing changes
  flood           writes beyond the rate get org.bluez.Error.Failed (ATT 0x80)
  channel         CHANNEL_SELECT / NEXT notify the Channel characteristic
  state-idle      read State: idle
  disconnect
  bench N         N presses: write PRESS -> "started" line of the relay's log
                  (PTTGW_BENCH_LOG, stamped with CLOCK_MONOTONIC by gatt-stamp.py),
                  or -> State transmitting when no log is given; prints the median

Exit 0 when every step passed; 1 with "error: ..." at the first failure.
"""

import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.environ.get("PTTGW_SRC", os.path.dirname(
    os.path.abspath(__file__)) + "/../.."), "tests", "vm"))
import dbus  # noqa: E402
import vmbluez as vb  # noqa: E402
from central import Central  # noqa: E402
from vmbluez import BluezError, log  # noqa: E402

SERVICE = "62870001-ba78-4fd7-bbea-e8fe24a2e922"
CP = "62870002-ba78-4fd7-bbea-e8fe24a2e922"
CP_CMD = "62870006-ba78-4fd7-bbea-e8fe24a2e922"  # write-without-response
STATE = "62870003-ba78-4fd7-bbea-e8fe24a2e922"
TALKER = "62870004-ba78-4fd7-bbea-e8fe24a2e922"
CHANNEL = "62870005-ba78-4fd7-bbea-e8fe24a2e922"
DIS = "0000180a-0000-1000-8000-00805f9b34fb"

IDLE, REQUESTING, TRANSMITTING, RELEASING = 0, 1, 2, 3
NAMES = {0: "idle", 1: "requesting", 2: "transmitting", 3: "releasing", 4: "receiving",
         5: "queued"}

# (value, what a BlueZ central reports). The gateway answers InvalidValueLength (ATT 0x0d),
# NotSupported (0x06), NotAuthorized (0x08), Failed "0x80"; BlueZ's client turns ATT 0x0d into
# org.bluez.Error.InvalidArguments "Invalid Length" (src/gatt-client.c), the others keep
# their names. btmon.log shows the ATT Error Responses themselves.
LENGTH = "org.bluez.Error.InvalidArguments"
MALFORMED = [
    ("", LENGTH),  # empty
    ("0100", LENGTH),  # PRESS takes no operand
    ("020000", LENGTH),  # RELEASE neither
    ("1205", LENGTH),  # CHANNEL_SELECT needs 2 bytes
    ("12", LENGTH),
    ("7f", "org.bluez.Error.NotSupported"),  # unknown opcode
    ("00", "org.bluez.Error.NotSupported"),
    ("ff0102", "org.bluez.Error.NotSupported"),
    ("12e803", "org.bluez.Error.NotSupported"),  # channel 1000 of 4: out of range
]


def fail(msg):
    raise BluezError(msg, "pttgw.test.Failed")


class PttCentral(Central):
    def floors(self, uuid=STATE):
        path = self.characteristic(uuid)
        return [v[0] for v in self.notified.get(path, [])]

    def changes(self, start):
        """The floor states notified since index `start`. A read also updates the client's
        cached Value (a PropertiesChanged like a notification's), and the gateway notifies
        only changes, so repeats of the same value are left out."""
        all_ = self.floors()
        prev = all_[start - 1] if start > 0 else None
        got = []
        for f in all_[start:]:
            if f != (got[-1] if got else prev):
                got.append(f)
        return got

    def wait_floors(self, want, start, timeout=20):
        """Wait until the State changes notified after index `start` are exactly `want`."""
        vb.iterate_until(lambda: len(self.changes(start)) >= len(want), timeout)
        vb.sleep(0.05)
        got = self.changes(start)
        if got != want:
            fail("State notifications %s, wanted %s" % (
                [NAMES.get(f, f) for f in got], [NAMES[f] for f in want]))
        log("state-sequence", "->".join(NAMES[f] for f in want))

    def state(self):
        v = self.read(STATE)
        if len(v) != 5:
            fail("State is %d bytes, not 5" % len(v))
        return v

    def step_bond(self):
        self.scan(uuid=SERVICE, timeout=30)
        self.connect()
        self.pair()
        self.characteristic(CP)

    def step_connect(self):
        # A gateway we are bonded with (e.g. after bluetoothd restarted) is no news to a
        # scan: btvirt gives no RSSI, so bluetoothd reports nothing new for a known
        # device. Connect to it by its address then; scan for anything else.
        for path, ifaces in vb.managed_objects(self.bus).items():
            dev = ifaces.get(vb.DEVICE)
            if dev and str(path).startswith(self.adapter + "/") and dev["Paired"] and \
                    SERVICE in [str(u).lower() for u in dev.get("UUIDs", [])]:
                self.connect(str(dev["Address"]))
                return
        self.scan(uuid=SERVICE, timeout=30)
        self.connect()

    def step_info(self):
        for uuid, want in (("2a29", None), ("2a24", None), ("2a26", None)):
            v = self.read(uuid, DIS)
            if not v:
                fail("Device Information %s is empty" % uuid)
            v.decode("utf-8")

    def step_subscribe(self):
        self.notify(STATE)
        self.notify(TALKER)
        self.notify(CHANNEL)

    def _press(self, command):
        s = self.state()
        if s[0] != IDLE:
            fail("press while State is %s" % NAMES.get(s[0]))
        start = len(self.floors())
        talkers = len(self.notified.get(self.characteristic(TALKER), []))
        self.write(CP_CMD if command else CP, b"\x01", without_response=command)
        self.wait_floors([REQUESTING, TRANSMITTING], start)
        # gatt-drive shows our own source as the talker (GATT_EXPECT_TALKER=1); pttgwd
        # may show nobody while we talk
        if os.environ.get("GATT_EXPECT_TALKER") == "1":
            if not vb.iterate_until(lambda: len(self.notified.get(
                    self.characteristic(TALKER), [])) > talkers, 10):
                fail("no Active Talker notification")
            name = self.notified[self.characteristic(TALKER)][-1].decode("utf-8")
            if not name.startswith("gatt:"):
                fail("Active Talker is %r, not our source" % name)
            log("talker", name)

    def _release(self, command):
        start = len(self.floors())
        self.write(CP_CMD if command else CP, b"\x02", without_response=command)
        self.wait_floors([RELEASING, IDLE], start)

    def step_press(self):
        self._press(False)

    def step_release(self):
        self._release(False)

    def step_press_command(self):
        self._press(True)

    def step_release_command(self):
        self._release(True)

    def step_volume(self):
        """VOLUME_DOWN twice, VOLUME_UP once (write requests: each acknowledged)."""
        for op in (b"\x21", b"\x21", b"\x20"):
            self.write(CP, op)
        log("volume", "down down up")

    def step_press_hold(self):
        start = len(self.floors())
        self.write(CP, b"\x01")
        self.wait_floors([REQUESTING, TRANSMITTING], start)

    def _unchanged(self, before, start, what):
        vb.sleep(1.0)
        after = self.state()
        if after != before or self.changes(start):
            fail("%s changed the State: %s -> %s, notifications %s" % (
                what, before.hex(), after.hex(), self.changes(start)))

    def step_refused(self):
        before = self.state()
        start = len(self.floors())
        for value in ("01", "03", "02", "20", "120100"):
            try:
                self.write(CP, vb.parse_hex(value))
            except BluezError as e:
                if e.name != "org.bluez.Error.NotAuthorized":
                    fail("write %s: %s, wanted org.bluez.Error.NotAuthorized" % (value, e))
                log("refused", value, e.name)
                continue
            fail("write %s was accepted" % value)
        # without response: nothing comes back, and nothing may change
        self.write(CP_CMD, b"\x01", without_response=True)
        self._unchanged(before, start, "a refused write")

    def step_malformed(self):
        before = self.state()
        start = len(self.floors())
        for value, want in MALFORMED:
            try:
                self.write(CP, vb.parse_hex(value) if value else b"")
            except BluezError as e:
                if e.name != want or (want == LENGTH and "Invalid Length" not in str(e)):
                    fail("write [%s]: %s, wanted %s" % (value, e, want))
                log("refused", value or "(empty)", e.name)
                continue
            fail("malformed write [%s] was accepted" % value)
        self._unchanged(before, start, "a malformed write")

    def step_flood(self):
        """100 VOLUME_UP Write Commands at once through AcquireWrite (a socket: a central's
        D-Bus round trip per write is slower than any sane rate under TCG, and BlueZ allows
        one WriteValue in flight per characteristic), then three write requests: the bucket
        is empty, so at least one is refused with org.bluez.Error.Failed (ATT 0x80). The
        scenario counts in the gateway's log what got through."""
        fd, mtu = vb.call(self._char(CP_CMD), vb.CHARACTERISTIC, "AcquireWrite",
                          dbus.Dictionary({}, signature="sv"))
        fd = fd.take()
        t0 = time.monotonic()
        try:
            for _ in range(100):
                os.write(fd, b"\x20")
        finally:
            os.close(fd)
        log("flood", "100 commands written in %.3f s (mtu %d)" % (time.monotonic() - t0, mtu))
        refused = 0
        for _ in range(3):
            try:
                self.write(CP, b"\x20")
            except BluezError as e:
                if e.name != "org.bluez.Error.Failed" or "0x80" not in str(e):
                    fail("write after the flood: %s, wanted org.bluez.Error.Failed (0x80)" % e)
                refused += 1
        log("after-flood", "refused=%d of 3" % refused)
        if not refused:
            fail("three writes right after a flood of 100 were all accepted")
        vb.sleep(3.0)  # the bucket refills

    def step_channel(self):
        path = self.characteristic(CHANNEL)
        n = len(self.notified.get(path, []))
        self.write(CP, vb.parse_hex("120200"))
        if not vb.iterate_until(lambda: len(self.notified.get(path, [])) > n, 10):
            fail("no Channel notification after CHANNEL_SELECT 2")
        v = self.notified[path][-1]
        if v[0:2] != b"\x02\x00":
            fail("Channel shows %s after CHANNEL_SELECT 2" % v.hex())
        log("channel", v.hex())

    def step_state_idle(self):
        if self.state()[0] != IDLE:
            fail("State is not idle")

    def step_disconnect(self):
        self.disconnect()

    def step_bench(self, n):
        logf = os.environ.get("PTTGW_BENCH_LOG")
        marker = os.environ.get("PTTGW_BENCH_MARKER", " started")
        lat = []
        for i in range(n):
            off = os.path.getsize(logf) if logf else 0
            start = len(self.floors())
            t0 = time.monotonic()
            self.write(CP, b"\x01")
            if logf:
                t1 = wait_line(logf, off, marker)
                self.wait_floors([REQUESTING, TRANSMITTING], start)
            else:
                self.wait_floors([REQUESTING, TRANSMITTING], start)
                t1 = time.monotonic()
            lat.append((t1 - t0) * 1000.0)
            start = len(self.floors())
            self.write(CP, b"\x02")
            self.wait_floors([RELEASING, IDLE], start)
            vb.sleep(0.12)  # stay well inside the write rate
        lat.sort()
        print("bench-gatt: GATT write of PRESS -> %s: n=%d median=%.2f ms p90=%.2f ms "
              "min=%.2f ms max=%.2f ms" % ("start_stream at the relay" if logf else
                                           "State transmitting", n, statistics.median(lat),
                                           lat[int(0.9 * (n - 1))], lat[0], lat[-1]),
              flush=True)


def wait_line(path, offset, marker, timeout=20):
    """CLOCK_MONOTONIC stamp of the first line after `offset` that contains `marker`
    (lines are "<monotonic seconds> <text>", written by gatt-stamp.py)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with open(path) as f:
            f.seek(offset)
            for line in f:
                if marker in line and line.endswith("\n"):
                    return float(line.split(" ", 1)[0])
        vb.sleep(0.005)
    fail("no '%s' line in %s" % (marker, path))


def main(argv):
    adapter = "hci1"
    if argv and argv[0] == "--adapter":
        adapter, argv = argv[1], argv[2:]
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    c = PttCentral(adapter)
    i = 0
    while i < len(argv):
        step = argv[i]
        fn = getattr(c, "step_" + step.replace("-", "_"), None)
        if not fn:
            vb.die("unknown step %s" % step, 64)
        try:
            if step == "bench":
                i += 1
                fn(int(argv[i]))
            else:
                fn()
        except (BluezError, dbus.DBusException) as e:
            vb.die("step %s: %s" % (step, e))
        log("step-ok", step)
        i += 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
