#!/bin/bash
# The gateway drives a real-stack Bluetooth headset (issue #14), in the QEMU guest with
# dual-mode controllers (pttgw-vm --bredr):
#  - hci0 is the gateway's: PipeWire + WirePlumber with the bluez5 plugin, headset roles
#    limited to the audio gateway (hfp_ag), pttgwd and a local pttgw-relay;
#  - hci1 is the headset, emulated through BlueZ's D-Bus API (tests/vm/headset.py: an A2DP
#    sink endpoint, an HFP hands-free Profile1, AVRCP commands).
# 1. Pair and connect from hci0 (bluetoothd 5.66 fails the first A2DP connection between
#    two adapters of one bluetoothd; after a restart, with the headset's endpoints cached,
#    it works): the headset is bluez_card.<ADDR> in profile a2dp-sink, the HFP service
#    level connection is made (the AT exchange is in headset.log).
# 2. A remote 1 kHz burst (pttgw-dispatch through the relay) plays on the A2DP sink; the
#    headset's SBC frames decode (sbcdec) to 1 kHz within 1 %.
# 3. A press switches the device to headset-head-unit (the gateway's "headset hfp" event).
#    btvirt has no SCO buffers: the kernel refuses the SCO link, so the HFP microphone
#    never delivers; no talk permit cue, the failure is named in the status and the
#    events (capture failed; headset failed "HFP audio (SCO) did not start"). With
#    hfp-switch-fail = fallback the gateway looks for a non-Bluetooth microphone; there
#    is none here, so the press is denied by name ("microphone failed"), "transmitting"
#    is never shown, and the device goes back to a2dp-sink (+ hfp-hangover).
# 4. An AVRCP play from the headset reaches pttgwd as a press through BlueZ's uinput
#    device (udev tags it by name; [evdev] avrcp).
# PTTGW_HS_SWITCHES=N (pttgw-vm -e) adds N press/release switches and prints their median
# (tests/bench/bench-headset-switch-vm.sh). PTTGW_HS_MIN_ACTIVE_MS (default 2000) is the
# tone the headset must decode of the 3 s burst (a higher one shows the burst retry at work).
. "$PTTGW_SRC/tests/vm/scenario-lib.sh"

vm_wait_adapters 30
B=$PTTGW_BUILD
T=$PTTGW_TMP
R=$PTTGW_RESULTS
HS=$(vm_adapter_address hci1)
GW=$(vm_adapter_address hci0)
HSU=${HS//:/_}
CARD=bluez_card.$HSU
vm_log "gateway hci0 $GW, headset hci1 $HS"

# ---------------------------------------------------------------- PipeWire (gateway side)
export XDG_RUNTIME_DIR=$T/run XDG_CONFIG_HOME=$T/config XDG_STATE_HOME=$T/state
mkdir -p "$XDG_RUNTIME_DIR" "$XDG_STATE_HOME" "$XDG_CONFIG_HOME/pipewire" \
	"$XDG_CONFIG_HOME/wireplumber/main.lua.d" "$XDG_CONFIG_HOME/wireplumber/bluetooth.lua.d" \
	"$XDG_CONFIG_HOME/wireplumber/policy.lua.d"
chmod 700 "$XDG_RUNTIME_DIR"
cat >"$XDG_CONFIG_HOME/pipewire/pipewire.conf" <<'CONF'
context.properties = {
    core.daemon = true
    core.name = pipewire-0
    link.max-buffers = 16
    default.clock.rate = 48000
    default.clock.allowed-rates = [ 48000 ]
    default.clock.quantum = 2048
    default.clock.min-quantum = 1024
    default.clock.max-quantum = 2048
    log.level = 2
}
context.spa-libs = {
    audio.convert.* = audioconvert/libspa-audioconvert
    support.*       = support/libspa-support
}
context.modules = [
    { name = libpipewire-module-rt args = { nice.level = -11 } flags = [ ifexists nofail ] }
    { name = libpipewire-module-protocol-native }
    { name = libpipewire-module-metadata }
    { name = libpipewire-module-spa-node-factory }
    { name = libpipewire-module-client-node }
    { name = libpipewire-module-client-device }
    { name = libpipewire-module-access args = { } }
    { name = libpipewire-module-adapter }
    { name = libpipewire-module-link-factory }
    { name = libpipewire-module-session-manager }
]
context.objects = [
    { factory = metadata args = { metadata.name = default } }
    { factory = spa-node-factory
        args = { factory.name = support.node.driver node.name = Dummy-Driver
                 node.group = pipewire.dummy priority.driver = 20000 } }
]
CONF
# WirePlumber 0.4 merges these over /usr/share/wireplumber/*.lua.d by file name.
cat >"$XDG_CONFIG_HOME/wireplumber/main.lua.d/51-pttgw-vm.lua" <<'CONF'
alsa_monitor.enabled = false
v4l2_monitor.enabled = false
libcamera_monitor.enabled = false
default_access.properties["enable-flatpak-portal"] = false
CONF
# The audio-gateway role only: the headset's hands-free Profile1 is the one for 0x111e.
cat >"$XDG_CONFIG_HOME/wireplumber/bluetooth.lua.d/51-pttgw-vm.lua" <<'CONF'
bluez_monitor.properties["with-logind"] = false
bluez_monitor.properties["bluez5.headset-roles"] = "[ hfp_ag ]"
-- PipeWire registers sinks on hci1 too; the headset's SBC sink is the first SBC one there,
-- but aptX, LDAC... sinks of PipeWire's own would win on codec
bluez_monitor.properties["bluez5.codecs"] = "[ sbc ]"
-- PipeWire sees the gateway from the headset's adapter too (one bluetoothd): it must not
-- connect profiles from there (an A2DP stream the other way round, an AG on hci1)
table.insert(bluez_monitor.rules, {
  matches = { { { "api.bluez5.path", "matches", "/org/bluez/hci1/*" } } },
  apply_properties = { ["bluez5.auto-connect"] = "[ ]" },
})
CONF
cat >"$XDG_CONFIG_HOME/wireplumber/policy.lua.d/51-pttgw-vm.lua" <<'CONF'
bluetooth_policy.policy["use-persistent-storage"] = false
CONF

pw_start() {
	vm_bg pipewire pipewire
	PW_PID=$VM_BG_PID
	vm_wait 20 test -S "$XDG_RUNTIME_DIR/pipewire-0" || vm_fail "pipewire did not start"
	vm_bg wireplumber wireplumber
	WP_PID=$VM_BG_PID
	vm_wait 30 sh -c 'pw-cli ls Client | grep -qi wireplumber' || vm_fail "wireplumber did not start"
}
# card_profile: the headset device's active profile name ("" when there is no device)
card_profile() {
	# pw-dump prints a second array when objects change while it dumps: the last word counts
	pw-dump 2>/dev/null | python3 -c '
import json, sys
text, dec, pos, name = sys.stdin.read(), json.JSONDecoder(), 0, ""
while True:
    while pos < len(text) and text[pos].isspace():
        pos += 1
    if pos >= len(text):
        break
    objs, pos = dec.raw_decode(text, pos)
    for o in objs:
        p = (o.get("info") or {}).get("props", {})
        if o.get("type") == "PipeWire:Interface:Device" and p.get("device.name") == sys.argv[1]:
            for prof in o["info"].get("params", {}).get("Profile", []):
                name = prof.get("name", "")
print(name)' "$CARD"
}
# wait_profile PATTERN SECONDS: until the headset device's active profile matches (PipeWire
# names codec-specific ones a2dp-sink-sbc, headset-head-unit-msbc)
wait_profile() {
	local deadline=$((SECONDS + $2))
	# shellcheck disable=SC2053 # a glob on purpose
	until [[ $(card_profile) == $1 ]]; do
		[ $SECONDS -ge $deadline ] && return 1
		sleep 0.2
	done
}

hs_start() {
	vm_bg headset "$VM_PY" "$PTTGW_SRC/tests/vm/headset.py" --adapter hci1 \
		--sbc "$T/a2dp.sbc" --control "$T/headset.ctl"
	HS_PID=$VM_BG_PID
	vm_wait 20 grep -q ' ready ' "$R/headset.log" || vm_fail "the emulated headset did not start"
}

# ---------------------------------------------------------------- 1. pair and connect
DEV=/org/bluez/hci0/dev_$HSU
A2DP_SINK=0000110b-0000-1000-8000-00805f9b34fb
HFP_HF=0000111e-0000-1000-8000-00805f9b34fb
BT_LOG=$PTTGW_VM_RESULTS/bluetoothd.log
# PipeWire registered its A2DP endpoints with this bluetoothd (once per adapter)
pw_registered() { [ "$(grep -c 'Endpoint registered: .*path=/MediaEndpoint/A2DPSource/sbc$' "$BT_LOG")" -ge "$1" ]; }
connect_profile() { # UUID: the gateway (hci0) connects one of the headset's profiles
	busctl --system --timeout=30 call org.bluez "$DEV" org.bluez.Device1 ConnectProfile s "$1"
}
# the headset registers its endpoint on hci1 before PipeWire registers its own
hs_start
pw_start
vm_wait 30 pw_registered 2 || vm_fail "PipeWire did not register its A2DP endpoints"
vm_central --adapter hci0 scan --transport bredr --address "$HS" --timeout 40 pair trust ||
	vm_fail "hci0 did not find or pair the headset"
connect_profile $A2DP_SINK || vm_log "first A2DP connection failed (BlueZ 5.66, as expected)"
sleep 1
vm_log "first connection: $(grep -c 'set-configuration' "$R/headset.log") set-configuration(s) at the headset"
# bluetoothd again, the headset's endpoints now cached; headset first, PipeWire after
vm_stop "$WP_PID"
vm_stop "$PW_PID"
vm_stop "$HS_PID"
mv "$R/headset.log" "$R/headset-first.log"
# shellcheck disable=SC2046 # the harness's bluetoothd options (-d or nothing)
vm_bluetoothd_restart $(sed -n 's/^VM_BLUETOOTHD_ARGS=//p' "$PTTGW_VM_RESULTS/plan.env")
n_reg=$(($(grep -c 'Endpoint registered: .*path=/MediaEndpoint/A2DPSource/sbc$' "$BT_LOG") + 2))
hs_start
pw_start
vm_wait 30 pw_registered $n_reg || vm_fail "PipeWire did not register its A2DP endpoints again"
sleep 1
[ "$(busctl --system get-property org.bluez "$DEV" org.bluez.Device1 Paired)" = "b true" ] ||
	vm_fail "the pairing did not survive the bluetoothd restart"
t_connect=$(vm_now)
# WirePlumber connects the paired headset by itself (bluez5.auto-connect); ask only if not
if ! vm_wait 15 grep -q 'set-configuration' "$R/headset.log"; then
	connect_profile $A2DP_SINK || vm_log "ConnectProfile(A2DP sink) failed"
	vm_wait 20 grep -q 'set-configuration' "$R/headset.log" ||
		vm_fail "the headset's A2DP endpoint was not configured after the restart"
fi
vm_wait 10 grep -q 'hfp connected' "$R/headset.log" || connect_profile $HFP_HF ||
	vm_fail "the HFP connection failed"
vm_wait 40 sh -c "pw-cli ls Device | grep -q 'device.name = \"$CARD\"'" ||
	vm_fail "no PipeWire device $CARD"
wait_profile 'a2dp-sink*' 30 || vm_fail "$CARD not in a2dp-sink: '$(card_profile)'"
vm_log "$CARD is in $(card_profile)"
vm_wait 30 grep -q 'hfp slc-established' "$R/headset.log" ||
	vm_fail "no HFP service level connection"
vm_log "HFP service level connection:"
grep ' hfp [<>] ' "$R/headset.log"

vm_log "connected: A2DP + HFP service level in $(awk -v a="$t_connect" -v b="$(vm_now)" 'BEGIN { printf "%.1f", b - a }') s"

# ---------------------------------------------------------------- pttgwd and the relay
port=7411
ip link set lo up 2>/dev/null || busybox ip link set lo up || vm_fail "cannot bring lo up"
vm_bg relay "$B/src/relay/pttgw-relay" --listen "127.0.0.1:$port" --channel test \
	--user gw1:pw-gw1 --user disp:pw-disp
vm_wait_log "$R/relay.log" 'listening on' 20
vm_wait 20 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" ||
	vm_fail "the relay does not listen"
printf 'pw-gw1\n' >"$T/gw1.cred"
chmod 600 "$T/gw1.cred"
cat >"$T/pttgw.conf" <<EOF
[upstream]
url = ws://127.0.0.1:$port/
channel = test
username = gw1
credentials-file = $T/gw1.cred
[audio]
headset = $HS
hfp-policy = on-talk
hfp-switch-timeout = 5.0
hfp-hangover = ${PTTGW_HS_HANGOVER:-1.0}
hfp-switch-fail = fallback
dtx = false
# the tone alone on the A2DP sink (the cues would be in what the headset decodes)
cues = false
[gatt]
enabled = false
EOF
# the project's udev rules and hwdb, as the package installs them (the AVRCP input device)
getent group pttgw >/dev/null || groupadd -r pttgw || vm_fail "groupadd pttgw"
mkdir -p /etc/udev/rules.d /etc/udev/hwdb.d
cp "$PTTGW_SRC/udev/70-pttgw.rules" /etc/udev/rules.d/
cp "$PTTGW_SRC/udev/70-pttgw.hwdb" /etc/udev/hwdb.d/
systemd-hwdb update || vm_fail "systemd-hwdb update"
vm_udevd_start
vm_pttgwd_start --config "$T/pttgw.conf"
vm_wait_dbus_name org.pttgw.Gateway1 30
CTL=$B/src/ctl/pttgwctl
vm_wait 30 sh -c "'$CTL' status | grep -Eq '^Link: +connected'" || vm_fail "pttgwd's link did not come up"
vm_bg monitor "$CTL" monitor --json
MON=$R/monitor.log
sleep 0.5

# ---------------------------------------------------------------- 2. a remote burst on A2DP
# The one step of this scenario that is retried, and only for the emulation: under TCG
# the path after the gateway (PipeWire's bluez5 A2DP sink, btvirt's ACL link, the
# headset's reader) can lose frames of a burst the gateway played whole (150 of 150 into
# the sink node, a fifth or more of the SBC frames missing at the headset). A burst is
# sent again (at most BURSTS, each retry logged with the figures) only when the gateway's
# own account of it is clean; a burst the gateway did not play whole, a dead pttgwd or a
# sanitizer report in its log fail at once.
BURSTS=3
burst_sent() { sed -n 's/^sent burst 1: stream \([0-9]*\), \([0-9]*\) packets$/\1 \2/p' "$R/dispatch.log"; }
# gateway_played_whole STREAM PACKETS: pttgwd's account of the burst: every packet played
gateway_played_whole() {
	vm_wait 10 grep -q "burst $1 (.*): received" "$R/pttgwd.log" || return 1
	grep "burst $1 (.*): received" "$R/pttgwd.log" | tail -1 |
		grep -q "(drained): received $2 played $2 .* flushed 0 "
}
gateway_sane() {
	vm_pttgwd_alive || vm_fail "pttgwd died during the burst (never retried)"
	if grep -Eq 'ERROR: (Address|Leak)Sanitizer|runtime error:|WARNING: ThreadSanitizer' "$R/pttgwd.log"; then
		grep -E -A40 -m1 'ERROR: (Address|Leak)Sanitizer|runtime error:|WARNING: ThreadSanitizer' "$R/pttgwd.log"
		vm_fail "sanitizer report in pttgwd.log (never retried)"
	fi
}
for burst in $(seq $BURSTS); do
	: >"$T/a2dp.sbc"
	vm_log "remote burst $burst: 1 kHz, 3 s"
	"$B/src/relay/pttgw-dispatch" -U "ws://127.0.0.1:$port" -u disp:pw-disp -C test \
		--tone 1000 -s 3 -n 1 --timeout 20 >"$R/dispatch.log" 2>&1 || vm_fail "pttgw-dispatch failed"
	vm_wait 20 sh -c "[ -s '$T/a2dp.sbc' ]" || vm_fail "the headset got no A2DP media packet"
	# until the frames stop coming (the burst's end + the jitter buffer)
	last=-1
	until [ "$(stat -c %s "$T/a2dp.sbc")" = "$last" ]; do
		last=$(stat -c %s "$T/a2dp.sbc")
		sleep 1
	done
	gateway_sane
	vm_log "SBC from the headset's transport: $last bytes"
	sbcdec -f "$T/a2dp.au" "$T/a2dp.sbc" || vm_fail "sbcdec failed"
	rate=$(soxi -V1 -r "$T/a2dp.au")
	vm_log "decoded: $(soxi -V1 -c "$T/a2dp.au") channels at $rate Hz, $(soxi -V1 -D "$T/a2dp.au") s" \
		"(the transport was acquired for $(awk '/ first-packet /{ a = $1 } / packets /{ b = $1 }
		END { printf "%.2f", b - a }' "$R/headset.log") s)"
	sox -V1 "$T/a2dp.au" -t raw -e signed -b 16 -L -c 1 "$T/a2dp.raw" remix 1 || vm_fail "sox"
	cp "$T/a2dp.sbc" "$R/a2dp-$burst.sbc"
	# The pitch: the median period (frames the emulation loses splice the tone; see the report)
	"$B/tests/audio/audio-analyse" "$T/a2dp.raw" --rate "$rate" --periods --expect-freq 1000 \
		--tolerance 1 --min-active-ms "${PTTGW_HS_MIN_ACTIVE_MS:-2000}" && break
	stream=$(burst_sent | cut -d' ' -f1)
	sent=$(burst_sent | cut -d' ' -f2)
	[ -n "$stream" ] || vm_fail "no 'sent burst 1' in dispatch.log"
	gateway_played_whole "$stream" "$sent" || vm_fail "the headset did not hear 1 kHz within 1 %," \
		"and pttgwd did not play the burst whole (not the emulation: never retried):" \
		"$(grep "burst $stream (" "$R/pttgwd.log" | tail -1)"
	[ "$burst" -lt $BURSTS ] ||
		vm_fail "the headset did not hear 1 kHz within 1 % in $BURSTS bursts the gateway played whole"
	vm_log "RETRY burst $burst of $BURSTS: the gateway played all $sent packets of stream $stream," \
		"the emulated A2DP path lost part of them (the figures above): sending the burst again"
	sleep 6 # the sink idle again (WirePlumber suspends it after 5 s), as for the first burst
	vm_log "the headset so far: $(grep ' packets ' "$R/headset.log" | tail -1 | cut -d' ' -f2-)"
done
[[ $(card_profile) == a2dp-sink* ]] || vm_fail "the burst moved the headset off A2DP"

# ---------------------------------------------------------------- 3. press: HFP, SCO refused
# PipeWire's view of the device is sampled while the press runs: the denial (below) ends the
# press and the gateway restores A2DP at once, so the profile after the press proves nothing
(while :; do card_profile; sleep 0.1; done) >"$R/profiles.log" 2>/dev/null &
sampler=$!
"$CTL" press --wait --timeout 15 >"$R/press.log" 2>&1
vm_log "press: exit $? $(cat "$R/press.log")"
vm_wait 15 grep -q '"type":"headset","state":"hfp"' "$MON" || vm_fail "no headset hfp event after the press"
vm_log "the gateway saw the HFP nodes: $(grep -o '"switch_ms":[0-9.]*' "$MON" | head -n1)"
kill "$sampler" 2>/dev/null
wait "$sampler" 2>/dev/null
vm_log "profiles PipeWire showed during the press: $(uniq "$R/profiles.log" | tr '\n' ' ')"
grep -q '^headset-head-unit' "$R/profiles.log" ||
	vm_fail "PipeWire never showed the device in headset-head-unit during the press"
# btvirt has no SCO buffers: PipeWire's SCO connect is refused, its HFP source never runs
vm_wait 15 grep -q 'sco_do_connect: connect(): Connection refused' "$R/wireplumber.log" ||
	vm_fail "no SCO refusal in wireplumber.log"
vm_log "SCO: $(grep -m1 'sco_do_connect' "$R/wireplumber.log")"
# pttgwd names it: the capture from the HFP source failed, no permit cue played
vm_wait 15 grep -q '"direction":"capture","state":"failed","reason":"[^"]*bluez_input' "$MON" ||
	vm_fail "pttgwd did not report the HFP capture as failed"
vm_log "pttgwd: $(grep -o '"direction":"capture","state":"failed","reason":"[^"]*"' "$MON" | head -n1)"
# ... and as a failed switch of the headset (hfp-switch-fail = fallback: the talk goes on)
vm_wait 10 grep -q '"type":"headset","state":"failed".*"reason":"headset HFP audio (SCO) did not start' "$MON" ||
	vm_fail "pttgwd did not name the SCO failure as the headset's"
vm_log "pttgwd: headset $(grep '"type":"headset","state":"failed"' "$MON" | grep -o '"reason":"[^"]*"' | head -n1)"
"$CTL" status --json >"$R/status-talk.json"
python3 - "$R/status-talk.json" <<'PY' || vm_fail "the status during the talk does not name the failure"
import json, sys
a = json.load(open(sys.argv[1]))["audio"]
print("status: audio.capture=%s audio.error=%r headset=%s" % (a["capture"], a["error"], a.get("headset")))
# fallback found no other microphone: the press is over, denied, and says why
assert a["capture"] in ("failed", "off") and "bluez_input" in (a["error"] or ""), a
assert a["mic"] == "failed" and "press denied" in a["mic_error"], a
assert "SCO" in a["headset"]["error"], a["headset"]
PY
grep -q '"type":"cue_played"' "$MON" && vm_fail "a permit cue played though the microphone never delivered"
grep -q '"to":"transmitting"' "$MON" && vm_fail "transmitting shown though the microphone never delivered"
grep -q '^denied: microphone failed: .*bluez_input' "$R/press.log" ||
	vm_fail "press --wait did not say the press was denied, and why"
vm_wait 10 grep -q '"type":"outcome","press_id":1,"outcome":"denied","reason":"microphone failed' "$MON" ||
	vm_fail "no denied outcome for the press"
t_release=$(vm_now)
wait_profile 'a2dp-sink*' 30 || vm_fail "not back to a2dp-sink after the denial: '$(card_profile)'"
vm_wait 10 grep -q '"type":"headset","state":"a2dp"' "$MON" || vm_fail "no headset a2dp event"
vm_log "back in $(card_profile) $(awk -v a="$t_release" -v b="$(vm_now)" 'BEGIN { printf "%.1f", b - a }') s after the denial"
vm_log "events:"
cat "$MON"

# ---------------------------------------------------------------- 4. AVRCP play -> press
# BlueZ made "<headset> (AVRCP)" on the gateway's side when AVRCP connected; udev tagged it
# (PTTGW_PTT=1, PTTGW_AVRCP=1 from 70-pttgw.hwdb, installed here as the package does)
avrcp_dev=""
for ev in /sys/class/input/event*; do
	[ "$(cat "$ev/device/name" 2>/dev/null)" = "pttgw-headset (AVRCP)" ] &&
		[ "$(cat "$ev/device/phys" 2>/dev/null)" = "${GW,,}" ] && avrcp_dev=/dev/input/${ev##*/}
done
[ -n "$avrcp_dev" ] || vm_fail "no 'pttgw-headset (AVRCP)' input device on the gateway's side"
vm_log "BlueZ's AVRCP input device: $avrcp_dev ($(udevadm info -q property "$avrcp_dev" | grep -E '^PTTGW_' | tr '\n' ' '))"
udevadm info -q property "$avrcp_dev" | grep -q '^PTTGW_AVRCP=1' || vm_fail "$avrcp_dev has no PTTGW_AVRCP=1"
grep -q "evdev:$avrcp_dev: \"pttgw-headset (AVRCP)\" followed, a headset's AVRCP keys" "$R/pttgwd.log" ||
	vm_fail "pttgwd does not follow $avrcp_dev"
n_req=$(grep -c '"to":"requesting"' "$MON")
n_rel=$(grep -c 'from gw1 started' "$R/relay.log")
echo play >"$T/headset.ctl"
vm_wait 10 grep -q 'avrcp play ok' "$R/headset.log" || vm_fail "the headset's AVRCP play failed"
vm_wait 10 sh -c "[ \$(grep -c '\"to\":\"requesting\"' '$MON') -gt $n_req ]" ||
	vm_fail "the AVRCP play did not reach pttgwd as a press"
vm_wait 10 grep -q "evdev:$avrcp_dev: headset play/pause (toggle): talk on" "$R/pttgwd.log" ||
	vm_fail "no toggle on in pttgwd.log"
vm_wait 10 sh -c "[ \$(grep -c 'from gw1 started' '$R/relay.log') -gt $n_rel ]" ||
	vm_fail "the AVRCP press started no stream at the relay"
vm_log "AVRCP play from the headset -> a press from $avrcp_dev -> a stream at the relay"
sleep 2
echo pause >"$T/headset.ctl"
vm_wait 10 grep -q "evdev:$avrcp_dev: headset play/pause (toggle): talk off" "$R/pttgwd.log" ||
	vm_fail "the AVRCP pause did not end the talk"
vm_wait 10 sh -c "'$CTL' status | grep -Eq '^Floor: +idle'" || vm_fail "the floor is not idle after the pause"
vm_log "AVRCP pause -> the release"
wait_profile 'a2dp-sink*' 30 || vm_fail "not back to a2dp-sink after the AVRCP talk"

# ---------------------------------------------------------------- benchmark (optional)
# PTTGW_HS_SWITCHES=N: N presses and releases more; the figures are in monitor.log
# (tests/bench/bench-headset-switch-vm.sh reads them).
n=${PTTGW_HS_SWITCHES:-0}
hfp0=$(grep -c '"state":"hfp"' "$MON")
a2dp0=$(grep -c '"state":"a2dp"' "$MON")
for i in $(seq "$n"); do
	"$CTL" press >/dev/null || vm_fail "bench press $i refused"
	vm_wait 20 sh -c "[ \$(grep -c '\"state\":\"hfp\"' '$MON') -ge $((hfp0 + i)) ]" ||
		vm_fail "bench: no HFP for press $i"
	sleep 0.5
	"$CTL" release >/dev/null || vm_fail "bench release $i refused"
	vm_wait 30 sh -c "[ \$(grep -c '\"state\":\"a2dp\"' '$MON') -ge $((a2dp0 + i)) ]" ||
		vm_fail "bench: no A2DP after release $i"
	sleep 0.5
done
[ "$n" -gt 0 ] && vm_log "bench: $n switches each way done"
vm_pttgwd_alive || vm_fail "pttgwd died"
vm_pttgwd_stop
