#!/usr/bin/python3
"""gatt-stamp.py FILE: copy stdin to FILE line by line, each line prefixed with the
CLOCK_MONOTONIC seconds at which it arrived (the clock gatt-central.py's bench uses)."""
import sys
import time

with open(sys.argv[1], "a", buffering=1) as out:
    for line in sys.stdin:
        out.write("%.6f %s" % (time.monotonic(), line))
