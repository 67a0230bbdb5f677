#!/usr/bin/python3
"""pttgw test headset: a classic Bluetooth headset emulated on one adapter of the guest's
bluetoothd, through BlueZ's D-Bus API only (doc/org.bluez.Media, MediaEndpoint,
MediaTransport, ProfileManager, Profile, MediaControl).

  headset.py [--adapter hci1] [--name NAME] [--sbc FILE] [--control FIFO] [--no-msbc]

- A2DP sink: a MediaEndpoint1 (SBC, every mode, bitpool 2..53) registered on the adapter's
  Media1. Start it before the gateway's PipeWire registers its own endpoints, so that a
  source looking at this adapter finds ours first. When a transport goes "pending" (the
  source started streaming) it is acquired; every RTP packet's SBC frames are appended to
  FILE (decode it with `sbcdec -f out.au FILE`).
- HFP hands-free: a Profile1 for 0x111e (hands-free unit). Profile1 is global to
  bluetoothd, so a connection that is not on our own adapter is refused
  (org.bluez.Error.Rejected). On ours it runs the service level connection as the HF:
  AT+BRSF, AT+BAC (when both sides do codec negotiation), AT+CIND=?, AT+CIND?, AT+CMER;
  answers +BCS with AT+BCS. Every line both ways is printed ("hfp > ...", "hfp < ...").
- AVRCP: `play`/`pause` on the control FIFO call MediaControl1.Play/Pause on the connected
  remote device (a passthrough command to its target).
- The adapter is made discoverable and pairable and gets NAME as its alias. Like a headset,
  it accepts pairing (a Just Works agent, central.py's) and trusts the device it paired
  with, so that its profile connections are authorised.

Control FIFO lines: `play`, `pause`, `quit`. Output lines start with CLOCK_MONOTONIC
seconds: `ready`, `endpoint set-configuration PATH HEX`, `transport PATH STATE`,
`acquired PATH mtu=N`, `first-packet`, `rtp-gap`, `rtp-late` (the first 20),
`packets N frames N bytes N rtp-lost N anomalies N`, `hfp rejected PATH`,
`hfp connected PATH`, `hfp > LINE`, `hfp < LINE`, `hfp slc-established`,
`hfp disconnected`, `avrcp play ok|error ...`. Runs until killed or `quit`.
"""

import argparse
import os
import sys
import time

import dbus
import dbus.service
from gi.repository import GLib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vmbluez as vb  # noqa: E402
from central import register_agent  # noqa: E402
from vmbluez import log  # noqa: E402

A2DP_SINK = "0000110b-0000-1000-8000-00805f9b34fb"
HFP_HF = "0000111e-0000-1000-8000-00805f9b34fb"
MEDIA = "org.bluez.Media1"
ENDPOINT = "org.bluez.MediaEndpoint1"
TRANSPORT = "org.bluez.MediaTransport1"
PROFILE = "org.bluez.Profile1"
CONTROL = "org.bluez.MediaControl1"
ENDPOINT_PATH = "/org/pttgw/test/headset/a2dp_sink"
PROFILE_PATH = "/org/pttgw/test/headset/hfp_hf"

# A2DP SBC codec information elements (A2DP spec 4.3.2): sampling frequency and channel
# mode in the first octet, block length, subbands and allocation in the second, then the
# minimum and maximum bitpool.
SBC_CAPS = bytes([0xFF, 0xFF, 2, 53])
# HF supported features (HFP 1.7, AT+BRSF): remote volume control (bit 4), codec
# negotiation (bit 7). The AG's codec negotiation is its bit 9.
HF_FEATURES_VOLUME = 1 << 4
HF_FEATURES_CODEC_NEGOTIATION = 1 << 7
AG_FEATURES_CODEC_NEGOTIATION = 1 << 9


class Rejected(dbus.DBusException):
    _dbus_error_name = "org.bluez.Error.Rejected"


class InvalidArguments(dbus.DBusException):
    _dbus_error_name = "org.bluez.Error.InvalidArguments"


def pick_sbc(caps):
    """From a source's SBC capabilities: 48 or 44.1 kHz, joint stereo (or what there is),
    16 blocks, 8 subbands, loudness, the bitpool range clipped to 53."""
    caps = bytes(caps)
    if len(caps) != 4:
        raise InvalidArguments("SBC capabilities are 4 octets")

    def first(avail, order):
        for bit in order:
            if avail & bit:
                return bit
        raise InvalidArguments("no common SBC setting in %02x" % avail)

    freq = first(caps[0] & 0xF0, (0x10, 0x20, 0x40, 0x80))
    mode = first(caps[0] & 0x0F, (0x01, 0x02, 0x04, 0x08))
    blocks = first(caps[1] & 0xF0, (0x10, 0x20, 0x40, 0x80))
    subbands = first(caps[1] & 0x0C, (0x04, 0x08))
    alloc = first(caps[1] & 0x03, (0x01, 0x02))
    lo = max(2, caps[2])
    hi = min(53, caps[3])
    if lo > hi:
        raise InvalidArguments("no common bitpool")
    return bytes([freq | mode, blocks | subbands | alloc, lo, hi])


class SinkEndpoint(dbus.service.Object):
    """The A2DP sink's MediaEndpoint1 and what it does with its transports."""

    def __init__(self, bus, sbc_path):
        super().__init__(bus, ENDPOINT_PATH)
        self.bus = bus
        self.sbc = open(sbc_path, "ab") if sbc_path else None
        self.transport = None
        self.fd = -1
        self.watch = 0
        self.packets = self.frames = self.bytes = 0
        # the RTP sequence: packets the sender numbered and sent that never came here (a
        # gap), and pauses in arrival over 100 ms (a late sender or a stalled link)
        self.seq = None
        self.arrival = 0.0
        self.lost = self.anomalies = 0
        self.mtu = 0
        bus.add_signal_receiver(self._on_props, "PropertiesChanged", vb.PROPERTIES, vb.BLUEZ,
                                path_keyword="path")

    @dbus.service.method(ENDPOINT, in_signature="ay", out_signature="ay")
    def SelectConfiguration(self, caps):
        conf = pick_sbc(caps)
        log("endpoint select-configuration", bytes(caps).hex(), "->", conf.hex())
        return dbus.ByteArray(conf)

    @dbus.service.method(ENDPOINT, in_signature="oa{sv}", out_signature="")
    def SetConfiguration(self, transport, props):
        conf = bytes(props.get("Configuration", b""))
        log("endpoint set-configuration", transport, conf.hex())
        self._release()
        self.transport = str(transport)

    @dbus.service.method(ENDPOINT, in_signature="o", out_signature="")
    def ClearConfiguration(self, transport):
        log("endpoint clear-configuration", transport)
        if str(transport) == self.transport:
            self._release()
            self.transport = None

    @dbus.service.method(ENDPOINT, in_signature="", out_signature="")
    def Release(self):
        log("endpoint released")

    def _on_props(self, interface, changed, invalidated, path=None):
        if interface != TRANSPORT or str(path) != self.transport or "State" not in changed:
            return
        state = str(changed["State"])
        log("transport", path, state)
        if state == "pending" and self.fd < 0:
            obj = self.bus.get_object(vb.BLUEZ, self.transport)
            dbus.Interface(obj, TRANSPORT).TryAcquire(
                reply_handler=self._acquired,
                error_handler=lambda e: log("acquire-error", e.get_dbus_name()))
        elif state == "idle":
            self._release()

    def _acquired(self, fd, read_mtu, write_mtu):
        self.fd = fd.take()
        self.mtu = int(read_mtu)
        log("acquired", self.transport, "mtu=%d" % self.mtu)
        self.watch = GLib.io_add_watch(self.fd, GLib.IO_IN | GLib.IO_HUP | GLib.IO_ERR,
                                       self._on_data)

    def _on_data(self, fd, cond):
        try:
            pkt = os.read(self.fd, max(self.mtu, 1024))
        except OSError as e:
            log("transport read error", e)
            pkt = b""
        if not pkt:
            self.watch = 0
            self._release()
            return False
        # RTP (RFC 3550): 12 octets + 4 per CSRC; then the A2DP SBC media payload header
        # (one octet, the low 4 bits count the frames), then the frames.
        if len(pkt) < 13 or pkt[0] >> 6 != 2:
            log("transport bad packet", pkt[:16].hex())
            return True
        off = 12 + 4 * (pkt[0] & 0x0F)
        if off >= len(pkt):
            return True
        nframes = pkt[off] & 0x0F
        payload = pkt[off + 1:]
        self._rtp_check(int.from_bytes(pkt[2:4], "big"))
        if self.packets == 0:
            log("first-packet", "frames=%d" % nframes, "bytes=%d" % len(payload))
        self.packets += 1
        self.frames += nframes
        self.bytes += len(payload)
        if self.sbc:
            self.sbc.write(payload)
            self.sbc.flush()
        return True

    def _anomaly(self, *what):
        self.anomalies += 1
        if self.anomalies <= 20:  # bounded: the first 20 are enough to place them
            log(*what)

    def _rtp_check(self, seq):
        now = time.monotonic()
        if self.seq is not None:
            gap = (seq - self.seq - 1) & 0xFFFF
            if gap:
                self.lost += gap
                self._anomaly("rtp-gap", "packet %d: seq %d -> %d, %d lost" % (
                    self.packets, self.seq, seq, gap))
            if now - self.arrival > 0.1:
                self._anomaly("rtp-late", "packet %d: %.0f ms after the one before" % (
                    self.packets, (now - self.arrival) * 1000))
        self.seq, self.arrival = seq, now

    def _release(self):
        if self.watch:
            GLib.source_remove(self.watch)
            self.watch = 0
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
            log("packets %d frames %d bytes %d" % (self.packets, self.frames, self.bytes),
                "rtp-lost %d anomalies %d" % (self.lost, self.anomalies))
            self.seq = None  # a new transport starts a new stream


class HandsFree(dbus.service.Object):
    """HFP hands-free unit (Profile1) for connections on our own adapter."""

    def __init__(self, bus, adapter_path, msbc):
        super().__init__(bus, PROFILE_PATH)
        self.adapter = adapter_path
        self.features = HF_FEATURES_VOLUME | (HF_FEATURES_CODEC_NEGOTIATION if msbc else 0)
        self.fd = -1
        self.watch = 0
        self.buf = b""
        self.steps = []
        self.ag_features = 0
        self.pending = False  # a command waits for its OK / ERROR
        self.slc = False

    @dbus.service.method(PROFILE, in_signature="", out_signature="")
    def Release(self):
        log("hfp profile released")

    @dbus.service.method(PROFILE, in_signature="oha{sv}", out_signature="")
    def NewConnection(self, device, fd, props):
        if not str(device).startswith(self.adapter + "/"):
            # The gateway's side of this bluetoothd, or another adapter: not this headset.
            log("hfp rejected", device)
            os.close(fd.take())
            raise Rejected("not a connection of this headset's adapter")
        self._close()
        self.fd = fd.take()
        log("hfp connected", device, "version=%s" % props.get("Version", "?"),
            "features=%s" % props.get("Features", "?"))
        self.watch = GLib.io_add_watch(self.fd, GLib.IO_IN | GLib.IO_HUP | GLib.IO_ERR,
                                       self._on_data)
        self.slc = False
        self.steps = ["AT+BRSF=%d" % self.features, "bac", "AT+CIND=?", "AT+CIND?",
                      "AT+CMER=3,0,0,1"]
        self._next()

    @dbus.service.method(PROFILE, in_signature="o", out_signature="")
    def RequestDisconnection(self, device):
        log("hfp request-disconnection", device)
        self._close()

    def _send(self, line):
        log("hfp >", line)
        self.pending = True
        os.write(self.fd, (line + "\r").encode())

    def _next(self):
        while self.steps:
            step = self.steps.pop(0)
            if step == "bac":
                if (self.features & HF_FEATURES_CODEC_NEGOTIATION and
                        self.ag_features & AG_FEATURES_CODEC_NEGOTIATION):
                    self._send("AT+BAC=1,2")  # CVSD, mSBC
                    return
                continue
            self._send(step)
            return
        self.slc = True
        log("hfp slc-established")

    def _on_line(self, line):
        log("hfp <", line)
        if line.startswith("+BRSF:"):
            self.ag_features = int(line.split(":", 1)[1])
        elif line.startswith("+BCS:"):
            self._send("AT+BCS=%d" % int(line.split(":", 1)[1]))
            return
        elif line.startswith("+VGS:") or line.startswith("+VGM:") or line.startswith("+CIEV:"):
            return
        if line == "OK" or line == "ERROR" or line.startswith("+CME ERROR"):
            if self.pending:
                self.pending = False
                if not self.slc:
                    self._next()

    def _on_data(self, fd, cond):
        try:
            data = os.read(self.fd, 1024)
        except OSError as e:
            log("hfp read error", e)
            data = b""
        if not data:
            self.watch = 0
            self._close()
            return False
        self.buf += data
        while b"\r\n" in self.buf:
            line, self.buf = self.buf.split(b"\r\n", 1)
            line = line.decode(errors="replace").strip()
            if line:
                self._on_line(line)
        return True

    def _close(self):
        if self.watch:
            GLib.source_remove(self.watch)
            self.watch = 0
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
            log("hfp disconnected")


def avrcp(bus, adapter_path, command):
    """MediaControl1.Play/Pause on every connected remote device of our adapter."""
    done = False
    for path, ifaces in vb.managed_objects(bus).items():
        if not str(path).startswith(adapter_path + "/") or CONTROL not in ifaces:
            continue
        if not ifaces.get(vb.DEVICE, {}).get("Connected", True):
            continue
        try:
            vb.call(bus.get_object(vb.BLUEZ, path), CONTROL, command.capitalize(), timeout=10)
            log("avrcp", command, "ok", path)
        except vb.BluezError as e:
            log("avrcp", command, "error", path, e.name, e)
        done = True
    if not done:
        log("avrcp", command, "error", "no device with MediaControl1")


def main():
    ap = argparse.ArgumentParser(prog="headset.py", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--adapter", default="hci1")
    ap.add_argument("--name", default="pttgw-headset")
    ap.add_argument("--sbc", help="append the received SBC frames to this file")
    ap.add_argument("--control", help="a FIFO for play/pause/quit lines")
    ap.add_argument("--no-msbc", action="store_true", help="no codec negotiation (CVSD only)")
    args = ap.parse_args()

    bus = vb.bus()
    adapter = vb.adapter_path(bus, args.adapter)
    aobj = bus.get_object(vb.BLUEZ, adapter)
    for prop, value in (("Powered", dbus.Boolean(True)), ("Alias", dbus.String(args.name)),
                        ("Pairable", dbus.Boolean(True)),
                        ("DiscoverableTimeout", dbus.UInt32(0)),
                        ("Discoverable", dbus.Boolean(True))):
        vb.set_prop(bus, adapter, vb.ADAPTER, prop, value)

    register_agent(bus)

    def on_device_props(interface, changed, invalidated, path=None):
        if interface == vb.DEVICE and str(path).startswith(adapter + "/") and \
                changed.get("Paired", False):
            vb.set_prop(bus, path, vb.DEVICE, "Trusted", dbus.Boolean(True))
            log("trusted", path)

    bus.add_signal_receiver(on_device_props, "PropertiesChanged", vb.PROPERTIES, vb.BLUEZ,
                            path_keyword="path")
    for path, ifaces in vb.managed_objects(bus).items():
        dev = ifaces.get(vb.DEVICE)
        if dev and str(path).startswith(adapter + "/") and dev["Paired"] and not dev["Trusted"]:
            vb.set_prop(bus, path, vb.DEVICE, "Trusted", dbus.Boolean(True))
            log("trusted", path)

    endpoint = SinkEndpoint(bus, args.sbc)
    vb.call(aobj, MEDIA, "RegisterEndpoint", dbus.ObjectPath(ENDPOINT_PATH), dbus.Dictionary({
        "UUID": A2DP_SINK, "Codec": dbus.Byte(0),
        "Capabilities": dbus.ByteArray(SBC_CAPS)}, signature="sv"))
    hf = HandsFree(bus, adapter, not args.no_msbc)
    manager = bus.get_object(vb.BLUEZ, "/org/bluez")
    vb.call(manager, "org.bluez.ProfileManager1", "RegisterProfile", dbus.ObjectPath(PROFILE_PATH),
            HFP_HF, dbus.Dictionary({"Name": "pttgw test hands-free",
                                     "Version": dbus.UInt16(0x0107),
                                     # a headset waits for the gateway's connection
                                     "AutoConnect": dbus.Boolean(False),
                                     "Features": dbus.UInt16(0x0010 | (0 if args.no_msbc
                                                                       else 0x0020))},
                                    signature="sv"))
    loop = GLib.MainLoop()

    if args.control:
        if not os.path.exists(args.control):
            os.mkfifo(args.control)
        # O_RDWR: the FIFO never reports end of file when a writer goes away
        cfd = os.open(args.control, os.O_RDWR | os.O_NONBLOCK)
        pending = [b""]

        def on_control(fd, cond):
            pending[0] += os.read(cfd, 1024)
            while b"\n" in pending[0]:
                line, pending[0] = pending[0].split(b"\n", 1)
                word = line.decode().strip()
                if word in ("play", "pause"):
                    avrcp(bus, adapter, word)
                elif word == "quit":
                    loop.quit()
                elif word:
                    log("control unknown", word)
            return True

        GLib.io_add_watch(cfd, GLib.IO_IN, on_control)

    log("ready", adapter, vb.get_prop(bus, adapter, vb.ADAPTER, "Address"), "endpoint",
        ENDPOINT_PATH, "profile", PROFILE_PATH)
    try:
        loop.run()
    except KeyboardInterrupt:
        pass
    log("exit")
    return 0


if __name__ == "__main__":
    sys.exit(main())
