#!/usr/bin/python3
"""A HID-over-GATT talk button for the guest scenarios: service 0x1812 with a report map
of one key (F13), on the given adapter. Built on tests/vm/peripheral.py.

  buttons-hog-peripheral.py --adapter hci1 --name NAME --control FIFO

Control lines: "down" / "up" (the key as an input report notification), "quit".
Output lines as peripheral.py's (CLOCK_MONOTONIC seconds first), "notified 2a4d 01" per key.
"""

import argparse
import os
import signal
import sys

import dbus
from gi.repository import GLib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "vm"))
import vmbluez as vb  # noqa: E402
from vmbluez import log  # noqa: E402
from peripheral import Advertisement, Peripheral  # noqa: E402
from central import register_agent  # noqa: E402

# Generic Desktop / Keyboard application collection without report ids: one bit for F13
# (keyboard usage 0x68), seven bits of padding.
REPORT_MAP = bytes([
    0x05, 0x01, 0x09, 0x06, 0xA1, 0x01,
    0x05, 0x07, 0x19, 0x68, 0x29, 0x68, 0x15, 0x00, 0x25, 0x01,
    0x75, 0x01, 0x95, 0x01, 0x81, 0x02,
    0x75, 0x07, 0x95, 0x01, 0x81, 0x01,
    0xC0,
])


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--adapter", default="hci1")
    ap.add_argument("--name", default="pttgw HOG PTT")
    ap.add_argument("--control", required=True)
    a = ap.parse_args(argv)

    periph = Peripheral(a.adapter)
    register_agent(periph.bus)
    # The GAP name the central reads is the adapter's alias: the input device's name.
    vb.set_prop(periph.bus, periph.adapter, vb.ADAPTER, "Alias", a.name)
    hid = periph.app.add_service("1812")
    hid.add_characteristic("2a4a", ["read"], bytes([0x11, 0x01, 0x00, 0x02]))  # HID 1.11
    hid.add_characteristic("2a4b", ["read"], REPORT_MAP)
    hid.add_characteristic("2a4c", ["write-without-response"], b"\x00")
    hid.add_characteristic("2a4e", ["read", "write-without-response"], b"\x01")  # report mode
    report = hid.add_characteristic("2a4d", ["read", "notify"], b"\x00")
    report.add_descriptor("2908", ["read"], bytes([0x00, 0x01]))  # no id, input
    periph.app.add_service("180f").add_characteristic("2a19", ["read", "notify"], b"\x64")
    periph.adv = Advertisement(periph.bus, name=a.name, uuids=["1812"], appearance=0x03C1)

    mainloop = GLib.MainLoop()
    if not os.path.exists(a.control):
        os.mkfifo(a.control)
    fd = os.open(a.control, os.O_RDWR | os.O_NONBLOCK)

    def control(fd, cond):
        for line in os.read(fd, 4096).decode(errors="replace").splitlines():
            w = line.split()
            if w == ["down"]:
                report.set_value(b"\x01")
            elif w == ["up"]:
                report.set_value(b"\x00")
            elif w == ["quit"]:
                mainloop.quit()
            elif w:
                log("control-error", line)
        return True

    GLib.io_add_watch(fd, GLib.IO_IN, control)
    for sig in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, sig, mainloop.quit)
    try:
        periph.register()
        periph.advertise(True)
    except (vb.BluezError, dbus.DBusException) as e:
        vb.die("registration failed: %s" % e)
    log("ready", periph.adapter, str(vb.get_prop(periph.bus, periph.adapter, vb.ADAPTER,
                                                 "Address")))
    mainloop.run()
    log("exit")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
