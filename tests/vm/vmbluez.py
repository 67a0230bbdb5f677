"""Small helpers over BlueZ's D-Bus API for the guest test tools (central.py, peripheral.py).

Test code, not product code: python3-dbus with the GLib main loop, run with /usr/bin/python3.
Every wait runs the GLib main loop, so signals and incoming method calls (agents, GATT
applications) are served while a test waits.
"""

import sys
import time

import dbus
import dbus.mainloop.glib
from gi.repository import GLib

BLUEZ = "org.bluez"
ADAPTER = "org.bluez.Adapter1"
DEVICE = "org.bluez.Device1"
SERVICE = "org.bluez.GattService1"
CHARACTERISTIC = "org.bluez.GattCharacteristic1"
DESCRIPTOR = "org.bluez.GattDescriptor1"
OBJECT_MANAGER = "org.freedesktop.DBus.ObjectManager"
PROPERTIES = "org.freedesktop.DBus.Properties"
BASE_UUID_TAIL = "-0000-1000-8000-00805f9b34fb"

dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)


class BluezError(Exception):
    """A failed step; `name` is the D-Bus error name when BlueZ answered with one."""

    def __init__(self, message, name=None):
        super().__init__(message)
        self.name = name


def log(*parts):
    """One output line, prefixed with the monotonic time (same clock as CLOCK_MONOTONIC)."""
    print("%.6f" % time.monotonic(), *parts, flush=True)


def full_uuid(uuid):
    """'2a19' or '0x2A19' or a 32-bit or full UUID -> lower-case 128-bit form."""
    u = uuid.lower()
    if u.startswith("0x"):
        u = u[2:]
    if len(u) == 4:
        return "0000" + u + BASE_UUID_TAIL
    if len(u) == 8:
        return u + BASE_UUID_TAIL
    return u


def hexstr(value):
    return bytes(value).hex()


def parse_hex(text):
    """'01 02', '0102', '01:02' -> bytes."""
    return bytes.fromhex(text.replace(":", "").replace(" ", ""))


def bus():
    return dbus.SystemBus()


def iterate_until(predicate, timeout):
    """Run the GLib main loop until predicate() is true or timeout seconds pass.

    Returns predicate()'s last value."""
    ctx = GLib.MainContext.default()
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        left = deadline - time.monotonic()
        if left <= 0:
            return predicate()
        # Wake at least every 50 ms to re-check the deadline.
        fired = []
        source = GLib.timeout_add(min(50, max(1, int(left * 1000))),
                                  lambda: fired.append(1) and False)
        ctx.iteration(True)
        if not fired:
            GLib.source_remove(source)


def sleep(seconds):
    """Sleep while serving the main loop."""
    iterate_until(lambda: False, seconds)


def call(obj, interface, method, *args, timeout=30):
    """Asynchronous D-Bus call, waited for with the main loop running.

    Raises BluezError carrying the D-Bus error name on error or timeout."""
    result = {}

    def on_reply(*values):
        result["ok"] = values

    def on_error(err):
        result["err"] = err

    getattr(dbus.Interface(obj, interface), method)(
        *args, reply_handler=on_reply, error_handler=on_error, timeout=timeout)
    iterate_until(lambda: result, timeout + 1)
    if "err" in result:
        err = result["err"]
        name = err.get_dbus_name() if isinstance(err, dbus.DBusException) else None
        raise BluezError("%s.%s: %s" % (interface, method, err), name)
    if "ok" not in result:
        raise BluezError("%s.%s: no answer in %ss" % (interface, method, timeout),
                         "org.freedesktop.DBus.Error.NoReply")
    values = result["ok"]
    return values[0] if len(values) == 1 else values


def managed_objects(b):
    om = dbus.Interface(b.get_object(BLUEZ, "/"), OBJECT_MANAGER)
    return om.GetManagedObjects()


def adapter_path(b, name):
    """'hci1' or an address -> the adapter's object path."""
    for path, ifaces in managed_objects(b).items():
        if ADAPTER not in ifaces:
            continue
        if path.endswith("/" + name) or str(ifaces[ADAPTER]["Address"]).upper() == name.upper():
            return path
    raise BluezError("no adapter %s on D-Bus" % name, "pttgw.test.NoAdapter")


def get_prop(b, path, interface, name):
    props = dbus.Interface(b.get_object(BLUEZ, path), PROPERTIES)
    return props.Get(interface, name)


def set_prop(b, path, interface, name, value):
    props = dbus.Interface(b.get_object(BLUEZ, path), PROPERTIES)
    props.Set(interface, name, value)


def die(message, code=1):
    print("error:", message, file=sys.stderr, flush=True)
    sys.exit(code)
