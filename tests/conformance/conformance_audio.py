#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""One inbound audio format through the real pttgwd (run by
test-audio-conformance.sh inside the PipeWire fixture): the double sends a
1 kHz burst as FORMAT = RATE-FRAMEMS-FRAMES; the headset's sink ($SINK) recording
must be 1 kHz within 1 %, and the burst's "invalid" count must be 0."""
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from zello_double import Double  # noqa: E402

SECONDS = 3.0
ATTEMPTS = 2


def outbound(double, ctl):
    r = subprocess.run(ctl + ["press", "--wait"], capture_output=True, text=True, timeout=30)
    if r.returncode != 0:
        print("FAIL: press not granted: " + r.stdout)
        return 1
    time.sleep(2.0)
    subprocess.run(ctl + ["release"], capture_output=True, timeout=30)
    time.sleep(0.5)
    bins = [e[4].split() for e in double.entries("rx", "binary")]
    print("%d audio packets received by the double" % len(bins))
    if len(bins) < 50:
        print("FAIL: too few audio packets (%d)" % len(bins))
        return 1
    nonzero = [b for b in bins if int(b[2]) != 0]
    if nonzero:
        print("FAIL: %d packets with a packet_id other than 0, e.g. %s" % (len(nonzero),
                                                                          nonzero[0]))
        return 1
    if any(int(b[0]) != 1 or int(b[1]) != double.next_stream for b in bins):
        print("FAIL: a packet of another type or stream")
        return 1
    print("PASS: outbound packet ids are 0")
    return 0


def finish(gwd, d):
    """pttgwd ends cleanly on SIGTERM, without a sanitizer report."""
    gwd.terminate()
    rc = gwd.wait(15)
    with open(os.path.join(d, "pttgwd.err")) as f:
        log = f.read()
    if rc != 0 or "runtime error:" in log or "Sanitizer" in log:
        print("FAIL: pttgwd exited with %d or reported a sanitizer error" % rc)
        return 1
    return 0


def main():
    outbound_case = sys.argv[1] == "outbound"
    rate, frame_ms, fpp = (0, 0, 0) if outbound_case else \
        (int(x) for x in sys.argv[1].split("-"))
    d = os.environ["PWFIX_DIR"]
    ctl = [os.environ["PTTGWCTL"], "--session-bus"]
    double = Double({"gw1": "pw-gw1"})
    procs = []
    try:
        cred = os.path.join(d, "gw1.cred")
        with open(cred, "w") as f:
            f.write("pw-gw1\n")
        os.chmod(cred, 0o600)
        conf = os.path.join(d, "gw.conf")
        with open(conf, "w") as f:
            f.write("[upstream]\nurl = ws://127.0.0.1:%d/\nchannel = test\nusername = gw1\n"
                    "credentials-file = %s\n[audio]\nheadset = %s\ncues = false\n"
                    "dtx = false\n"
                    % (double.port, cred, os.environ["BT"]))
        err = open(os.path.join(d, "pttgwd.err"), "w")
        gwd = subprocess.Popen([os.environ["PTTGWD"], "--session-bus", "--config", conf],
                               stdout=err, stderr=err)
        procs.append(gwd)
        end = time.monotonic() + 15
        while True:
            r = subprocess.run(ctl + ["--json", "status"], capture_output=True, text=True)
            if r.returncode == 0 and json.loads(r.stdout)["link"] == "connected":
                break
            if time.monotonic() > end:
                print("FAIL: the link did not come up")
                return 1
            time.sleep(0.1)
        if outbound_case:
            return outbound(double, ctl) or finish(gwd, d)
        mon_path = os.path.join(d, "events.json")
        mon = subprocess.Popen(ctl + ["--json", "monitor"], stdout=open(mon_path, "w"))
        procs.append(mon)
        for attempt in range(1, ATTEMPTS + 1):
            rec = os.path.join(d, "rec.raw")
            recp = subprocess.Popen(["pw-record", "--target", os.environ["SINK"], "-P",
                                     "{ stream.capture.sink=true node.name=pwfix-rec }",
                                     "--rate", "16000", "--channels", "1", "--format", "s16",
                                     rec], stderr=subprocess.DEVNULL)
            time.sleep(0.5)
            sid = 5000 + attempt
            n = double.call(lambda: double.conn().burst(rate, frame_ms, fpp, SECONDS, sid))
            time.sleep(1.0)
            recp.terminate()
            recp.wait(5)
            print("sent %d packets of %d x %d ms at %d Hz" % (n, fpp, frame_ms, rate))
            bursts = []
            with open(mon_path) as f:
                for line in f:
                    try:
                        e = json.loads(line)
                    except ValueError:
                        continue
                    if e.get("type") == "burst" and e.get("stream_id") == sid:
                        bursts.append(e)
            print("burst events: %s" % bursts)
            a = subprocess.run([os.environ["AUDIO_ANALYSE"], rec, "--expect-freq", "1000",
                                "--tolerance", "1", "--max-gap-ms", "60",
                                "--min-active-ms", str(int(SECONDS * 1000 * 0.8))],
                               capture_output=True, text=True)
            print(a.stdout.strip())
            invalid = sum(b.get("invalid", 0) for b in bursts)
            if bursts and invalid == 0 and a.returncode == 0:
                if finish(gwd, d):
                    return 1
                print("PASS: %s" % sys.argv[1])
                return 0
            if invalid:
                print("FAIL: %d invalid packets" % invalid)
                return 1
            print("attempt %d: not clean" % attempt)
        return 1
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
        double.stop()


if __name__ == "__main__":
    sys.exit(main())
