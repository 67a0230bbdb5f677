#!/usr/bin/python3
"""pttgwd speaks the sd_notify protocol: READY=1, a STATUS= line that follows
the floor, and WATCHDOG=1 pings at half the WATCHDOG_USEC period. A datagram
socket stands where systemd's notify socket would be (the documented
interface: sd_notify(3), $NOTIFY_SOCKET, $WATCHDOG_USEC)."""
import os, socket, subprocess, sys, tempfile, time

build = sys.argv[1]
pttgwd = os.path.join(build, "src/daemon/pttgwd")
ctl = os.path.join(build, "src/ctl/pttgwctl")
tmp = tempfile.mkdtemp(prefix="pttgw-notify-")
path = os.path.join(tmp, "notify")
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(path)
sock.settimeout(0.2)
conf = os.path.join(tmp, "gw.conf")
open(conf, "w").write("[general]\naudio = false\n[upstream]\nurl =\n")
env = dict(os.environ, NOTIFY_SOCKET=path, WATCHDOG_USEC="400000", PTTGW_BUS="session")
env.pop("WATCHDOG_PID", None)
d = subprocess.Popen([pttgwd, "--config", conf], env=env, stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL)
msgs = []
deadline = time.time() + 3
pressed = False
try:
    while time.time() < deadline:
        try:
            msgs.append(sock.recv(4096).decode())
        except socket.timeout:
            pass
        if not pressed and any("READY=1" in m for m in msgs):
            subprocess.run([ctl, "press", "--source", "notify-test"], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            pressed = True
finally:
    d.terminate()
    d.wait(5)
    try:
        while True:
            msgs.append(sock.recv(4096).decode())
    except (socket.timeout, BlockingIOError, OSError):
        pass

fails = 0
def check(name, ok):
    global fails
    print(("ok - " if ok else "FAIL - ") + name)
    fails += not ok

ready = [i for i, m in enumerate(msgs) if "READY=1" in m]
check("READY=1 sent once", len(ready) == 1)
check("STATUS= says the floor state", any(m.startswith("STATUS=floor idle") for m in msgs))
check("STATUS= follows the floor (requesting after a press)",
      any("STATUS=floor requesting" in m for m in msgs))
pings = sum("WATCHDOG=1" in m for m in msgs)
check("WATCHDOG=1 pinged about every 200 ms (%d in 3 s)" % pings, 8 <= pings <= 20)
check("STOPPING=1 on SIGTERM", any("STOPPING=1" in m for m in msgs))
print("%d passed, %d failed" % (5 - fails, fails))
sys.exit(1 if fails else 0)
