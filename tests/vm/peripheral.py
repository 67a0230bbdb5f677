#!/usr/bin/python3
"""pttgw test peripheral: a GATT application and an LE advertisement on one adapter.

  peripheral.py [--adapter hci0] [--name NAME] [--control FIFO] [--no-advertise] [--agent]
                [--adv-uuid UUID]... [--no-adv-uuids] [--manufacturer ID:HEX] [--appearance N]
                --service UUID [--char UUID:FLAGS[:HEX]]... [--service UUID ...]...

  --service starts a primary service; each --char after it belongs to it. FLAGS are BlueZ's
  GATT flags joined by commas (read,write,write-without-response,notify,indicate,
  encrypt-read,encrypt-write,...); HEX is the initial value. The advertisement carries the
  service UUIDs unless --adv-uuid (explicit list) or --no-adv-uuids is given.

Runs until SIGTERM/SIGINT or "quit". Lines on --control FIFO (created if missing):
  set UUID HEX     new value; subscribers get it as a notification
  adv on|off       register / unregister the advertisement
  quit
Output lines (CLOCK_MONOTONIC seconds first): "ready", "read UUID", "write UUID HEX TYPE",
"subscribed UUID", "unsubscribed UUID", "notified UUID HEX", "adv on|off".

As a module: subclass Characteristic (on_read/on_write) and build an Application by hand
(see main()); the "buttons" profiles and a HID-over-GATT peripheral build on it.
"""

import argparse
import os
import signal
import stat
import sys

import dbus
import dbus.service
from gi.repository import GLib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vmbluez as vb  # noqa: E402
from vmbluez import log  # noqa: E402

BASE_PATH = "/org/pttgw/test/peripheral"


class InvalidArgs(dbus.exceptions.DBusException):
    _dbus_error_name = "org.freedesktop.DBus.Error.InvalidArgs"


class Failed(dbus.exceptions.DBusException):
    _dbus_error_name = "org.bluez.Error.Failed"


class _GattObject(dbus.service.Object):
    interface = None

    def __init__(self, bus, path):
        self.path = path
        super().__init__(bus, path)

    def properties(self):
        raise NotImplementedError

    def get_path(self):
        return dbus.ObjectPath(self.path)

    @dbus.service.method(vb.PROPERTIES, in_signature="s", out_signature="a{sv}")
    def GetAll(self, interface):
        if interface != self.interface:
            raise InvalidArgs("no interface %s" % interface)
        return self.properties()

    @dbus.service.method(vb.PROPERTIES, in_signature="ss", out_signature="v")
    def Get(self, interface, name):
        return self.GetAll(interface)[name]

    @dbus.service.signal(vb.PROPERTIES, signature="sa{sv}as")
    def PropertiesChanged(self, interface, changed, invalidated):
        pass


class Descriptor(_GattObject):
    interface = vb.DESCRIPTOR

    def __init__(self, bus, characteristic, index, uuid, flags, value=b""):
        super().__init__(bus, "%s/desc%d" % (characteristic.path, index))
        self.characteristic = characteristic
        self.uuid = vb.full_uuid(uuid)
        self.flags = flags
        self.value = bytes(value)

    def properties(self):
        return {"Characteristic": self.characteristic.get_path(), "UUID": self.uuid,
                "Flags": dbus.Array(self.flags, signature="s")}

    @dbus.service.method(vb.DESCRIPTOR, in_signature="a{sv}", out_signature="ay")
    def ReadValue(self, options):
        return dbus.Array(self.value, signature="y")

    @dbus.service.method(vb.DESCRIPTOR, in_signature="aya{sv}", out_signature="")
    def WriteValue(self, value, options):
        self.value = bytes(value)


class Characteristic(_GattObject):
    """A characteristic holding a value. Override on_read/on_write for behaviour."""

    interface = vb.CHARACTERISTIC

    def __init__(self, bus, service, index, uuid, flags, value=b""):
        super().__init__(bus, "%s/char%d" % (service.path, index))
        self.service = service
        self.uuid = vb.full_uuid(uuid)
        self.short = uuid
        self.flags = flags
        self.value = bytes(value)
        self.notifying = False
        self.descriptors = []

    def add_descriptor(self, uuid, flags, value=b""):
        d = Descriptor(self._connection_bus(), self, len(self.descriptors), uuid, flags, value)
        self.descriptors.append(d)
        return d

    def _connection_bus(self):
        return self.service.bus

    def properties(self):
        return {"Service": self.service.get_path(), "UUID": self.uuid,
                "Flags": dbus.Array(self.flags, signature="s"),
                "Notifying": dbus.Boolean(self.notifying),
                "Value": dbus.Array(self.value, signature="y")}

    def on_read(self, options):
        """Return the value to read (bytes). Raise a DBusException to refuse."""
        return self.value

    def on_write(self, value, options):
        """Called with the written bytes; default: keep them as the value."""
        self.value = bytes(value)

    def set_value(self, value):
        """Change the value; notify subscribers."""
        self.value = bytes(value)
        if self.notifying:
            self.PropertiesChanged(vb.CHARACTERISTIC,
                                   {"Value": dbus.Array(self.value, signature="y")}, [])
            log("notified", self.short, self.value.hex())

    @dbus.service.method(vb.CHARACTERISTIC, in_signature="a{sv}", out_signature="ay")
    def ReadValue(self, options):
        log("read", self.short)
        return dbus.Array(self.on_read(options), signature="y")

    @dbus.service.method(vb.CHARACTERISTIC, in_signature="aya{sv}", out_signature="")
    def WriteValue(self, value, options):
        log("write", self.short, bytes(value).hex(), str(options.get("type", "-")))
        self.on_write(bytes(value), options)

    @dbus.service.method(vb.CHARACTERISTIC, in_signature="", out_signature="")
    def StartNotify(self):
        self.notifying = True
        log("subscribed", self.short)

    @dbus.service.method(vb.CHARACTERISTIC, in_signature="", out_signature="")
    def StopNotify(self):
        self.notifying = False
        log("unsubscribed", self.short)


class Service(_GattObject):
    interface = vb.SERVICE

    def __init__(self, bus, app, index, uuid, primary=True):
        super().__init__(bus, "%s/service%d" % (app.path, index))
        self.bus = bus
        self.uuid = vb.full_uuid(uuid)
        self.primary = primary
        self.characteristics = []

    def add_characteristic(self, uuid, flags, value=b"", cls=Characteristic):
        c = cls(self.bus, self, len(self.characteristics), uuid, flags, value)
        self.characteristics.append(c)
        return c

    def properties(self):
        return {"UUID": self.uuid, "Primary": dbus.Boolean(self.primary)}


class Application(dbus.service.Object):
    """The ObjectManager root that GattManager1.RegisterApplication walks."""

    def __init__(self, bus, path=BASE_PATH):
        self.bus = bus
        self.path = path
        self.services = []
        super().__init__(bus, path)

    def add_service(self, uuid, primary=True):
        s = Service(self.bus, self, len(self.services), uuid, primary)
        self.services.append(s)
        return s

    def objects(self):
        for s in self.services:
            yield s
            for c in s.characteristics:
                yield c
                yield from c.descriptors

    def find(self, uuid):
        uuid = vb.full_uuid(uuid)
        for o in self.objects():
            if isinstance(o, Characteristic) and o.uuid == uuid:
                return o
        return None

    @dbus.service.method(vb.OBJECT_MANAGER, out_signature="a{oa{sa{sv}}}")
    def GetManagedObjects(self):
        return {o.get_path(): {o.interface: o.properties()} for o in self.objects()}


class Advertisement(dbus.service.Object):
    interface = "org.bluez.LEAdvertisement1"

    def __init__(self, bus, path=BASE_PATH + "/adv", name=None, uuids=(), manufacturer=None,
                 appearance=None):
        self.path = path
        self.props = {"Type": "peripheral", "Discoverable": dbus.Boolean(True)}
        if name:
            self.props["LocalName"] = name
        if uuids:
            self.props["ServiceUUIDs"] = dbus.Array([vb.full_uuid(u) for u in uuids],
                                                    signature="s")
        if manufacturer:
            mid, data = manufacturer
            self.props["ManufacturerData"] = dbus.Dictionary(
                {dbus.UInt16(mid): dbus.Array(data, signature="y")}, signature="qv")
        if appearance is not None:
            self.props["Appearance"] = dbus.UInt16(appearance)
        super().__init__(bus, path)

    @dbus.service.method(vb.PROPERTIES, in_signature="s", out_signature="a{sv}")
    def GetAll(self, interface):
        if interface != self.interface:
            raise InvalidArgs("no interface %s" % interface)
        return self.props

    @dbus.service.method("org.bluez.LEAdvertisement1", in_signature="", out_signature="")
    def Release(self):
        log("adv", "released")


class Peripheral:
    """An application and an advertisement registered on one adapter."""

    def __init__(self, adapter="hci0", bus=None):
        self.bus = bus or vb.bus()
        self.adapter = vb.adapter_path(self.bus, adapter)
        self.app = Application(self.bus)
        self.adv = None
        self.adv_registered = False

    def _adapter_obj(self):
        return self.bus.get_object(vb.BLUEZ, self.adapter)

    def register(self):
        if not vb.get_prop(self.bus, self.adapter, vb.ADAPTER, "Powered"):
            vb.set_prop(self.bus, self.adapter, vb.ADAPTER, "Powered", dbus.Boolean(True))
        vb.call(self._adapter_obj(), "org.bluez.GattManager1", "RegisterApplication",
                dbus.ObjectPath(self.app.path), dbus.Dictionary({}, signature="sv"))

    def advertise(self, on=True):
        if on == self.adv_registered or self.adv is None:
            return
        method = "RegisterAdvertisement" if on else "UnregisterAdvertisement"
        args = [dbus.ObjectPath(self.adv.path)]
        if on:
            args.append(dbus.Dictionary({}, signature="sv"))
        vb.call(self._adapter_obj(), "org.bluez.LEAdvertisingManager1", method, *args)
        self.adv_registered = on
        log("adv", "on" if on else "off")


def _parse_char(text):
    parts = text.split(":")
    if len(parts) < 2 or len(parts) > 3:
        raise argparse.ArgumentTypeError("--char wants UUID:FLAGS[:HEX], not %s" % text)
    value = vb.parse_hex(parts[2]) if len(parts) == 3 else b""
    return parts[0], parts[1].split(","), value


def _parse_manufacturer(text):
    mid, _, data = text.partition(":")
    return int(mid, 0), vb.parse_hex(data)


class _Ordered(argparse.Action):
    def __call__(self, parser, namespace, values, option_string=None):
        namespace.layout.append((self.dest, values))


def _control(fd, cond, state):
    periph, mainloop = state
    try:
        data = os.read(fd, 4096).decode(errors="replace")
    except BlockingIOError:
        return True
    for line in data.splitlines():
        words = line.split()
        if not words:
            continue
        try:
            if words[0] == "set" and len(words) >= 3:
                c = periph.app.find(words[1])
                if c is None:
                    log("control-error", "no characteristic", words[1])
                    continue
                c.set_value(vb.parse_hex("".join(words[2:])))
            elif words[0] == "adv" and len(words) == 2:
                periph.advertise(words[1] == "on")
            elif words[0] == "quit":
                mainloop.quit()
            else:
                log("control-error", "unknown command", line)
        except (ValueError, vb.BluezError, dbus.DBusException) as e:
            log("control-error", line, e)
    return True


def main(argv):
    ap = argparse.ArgumentParser(prog="peripheral.py", description=__doc__.split("\n")[0])
    ap.set_defaults(layout=[])
    ap.add_argument("--adapter", default="hci0")
    ap.add_argument("--name")
    ap.add_argument("--control", metavar="FIFO")
    ap.add_argument("--no-advertise", action="store_true")
    ap.add_argument("--agent", action="store_true",
                    help="register an accepting NoInputNoOutput agent (Just Works) as default")
    ap.add_argument("--adv-uuid", action="append", default=[])
    ap.add_argument("--no-adv-uuids", action="store_true")
    ap.add_argument("--manufacturer", type=_parse_manufacturer)
    ap.add_argument("--appearance", type=lambda s: int(s, 0))
    ap.add_argument("--service", action=_Ordered)
    ap.add_argument("--char", action=_Ordered, type=_parse_char)
    a = ap.parse_args(argv)

    periph = Peripheral(a.adapter)
    service = None
    for kind, value in a.layout:
        if kind == "service":
            service = periph.app.add_service(value)
        else:
            if service is None:
                ap.error("--char before any --service")
            service.add_characteristic(*value)
    if not periph.app.services:
        ap.error("no --service given")

    uuids = a.adv_uuid or ([] if a.no_adv_uuids else [s.uuid for s in periph.app.services])
    periph.adv = Advertisement(periph.bus, name=a.name, uuids=uuids, manufacturer=a.manufacturer,
                               appearance=a.appearance)
    mainloop = GLib.MainLoop()
    if a.control:
        if not os.path.exists(a.control):
            os.mkfifo(a.control)
        elif not stat.S_ISFIFO(os.stat(a.control).st_mode):
            vb.die("%s is not a FIFO" % a.control, 64)
        # O_RDWR: no EOF when a writer closes.
        fd = os.open(a.control, os.O_RDWR | os.O_NONBLOCK)
        GLib.io_add_watch(fd, GLib.IO_IN, _control, (periph, mainloop))
    for sig in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, sig, mainloop.quit)
    try:
        if a.agent:
            from central import register_agent
            register_agent(periph.bus)
        periph.register()
        if not a.no_advertise:
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
