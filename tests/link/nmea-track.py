#!/usr/bin/env python3
"""Write an NMEA 0183 log (GGA + RMC per one-second epoch) for gpsfake, from a
small track description, and the positions it holds (for the test to compare).

usage: nmea-track.py OUT.nmea OUT.positions SEGMENT...
SEGMENT: fix:N:LAT:LON:DNORTH_M  N epochs from LAT,LON (degrees), each DNORTH_M
         metres north of the one before (0: standing still)
         nofix:N                 N epochs without a fix (GGA quality 0, RMC V)
OUT.positions: one "LAT LON" line per fix epoch, 7 decimals.
"""
import math
import sys

EARTH_RADIUS = 6371008.8  # metres, mean (as the gateway's haversine)


def checksum(body):
    c = 0
    for ch in body.encode("ascii"):
        c ^= ch
    return "%02X" % c


def sentence(body):
    return "$%s*%s\r\n" % (body, checksum(body))


def ddmm(value, lat):
    hemi = ("N" if value >= 0 else "S") if lat else ("E" if value >= 0 else "W")
    value = abs(value)
    deg = int(value)
    minutes = (value - deg) * 60
    # 5 decimals of a minute: 1.9 cm of latitude
    if lat:
        return "%02d%08.5f" % (deg, minutes), hemi
    return "%03d%08.5f" % (deg, minutes), hemi


def main():
    out, positions, segments = sys.argv[1], sys.argv[2], sys.argv[3:]
    t = 12 * 3600  # 12:00:00 UTC
    lines, pos = [], []
    for seg in segments:
        parts = seg.split(":")
        if parts[0] == "fix":
            n, lat, lon, step = int(parts[1]), float(parts[2]), float(parts[3]), float(parts[4])
            for i in range(n):
                la = lat + math.degrees(step * i / EARTH_RADIUS)
                hh = "%02d%02d%02d.00" % (t // 3600, t // 60 % 60, t % 60)
                (ls, lh), (os_, oh) = ddmm(la, True), ddmm(lon, False)
                # what the receiver says, to the 5th decimal of a minute
                la_q = (1 if la >= 0 else -1) * (int(ls[:2]) + float(ls[2:]) / 60)
                lo_q = (1 if lon >= 0 else -1) * (int(os_[:3]) + float(os_[3:]) / 60)
                pos.append("%.7f %.7f" % (la_q, lo_q))
                lines.append(sentence("GPGGA,%s,%s,%s,%s,%s,1,08,0.9,545.4,M,46.9,M,,"
                                      % (hh, ls, lh, os_, oh)))
                lines.append(sentence("GPRMC,%s,A,%s,%s,%s,%s,0.0,0.0,061226,,,A"
                                      % (hh, ls, lh, os_, oh)))
                t += 1
        elif parts[0] == "nofix":
            for i in range(int(parts[1])):
                hh = "%02d%02d%02d.00" % (t // 3600, t // 60 % 60, t % 60)
                lines.append(sentence("GPGGA,%s,,,,,0,00,99.99,,,,,," % hh))
                lines.append(sentence("GPRMC,%s,V,,,,,,,061226,,,N" % hh))
                t += 1
        else:
            sys.exit("bad segment %s" % seg)
    with open(out, "w", newline="") as f:
        f.writelines(lines)
    with open(positions, "w") as f:
        f.write("\n".join(pos) + "\n")


if __name__ == "__main__":
    main()
