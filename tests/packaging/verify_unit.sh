#!/usr/bin/env bash
# The systemd unit as packaged: `systemd-analyze verify` finds nothing to say
# about it (it exits 0 even on an unknown value, so any output fails), and
# `systemd-analyze security --offline=true` scores its exposure at most 2.5.
# Verification runs against the .deb's files unpacked into a temporary root,
# with the host's systemd units beside them (for the targets it refers to)
# and MANPATH on the unpacked man pages, so the ExecStart= binary and the
# Documentation= pages checked are the packaged ones.
source "$(dirname "$0")/lib.sh"
deb=$(deb_of "$VERSION")
need_packages "$deb"
max_exposure=2.5

root=$(mktemp -d /tmp/tandem-unit-verify.XXXXXX)
trap 'rm -rf "$root"' EXIT
dpkg-deb -x "$deb" "$root"
unit=$root/usr/lib/systemd/system/tandem.service
[ -f "$unit" ] || fail "the .deb has no usr/lib/systemd/system/tandem.service"
for d in /usr/lib/systemd/system /lib/systemd/system; do
  [ -d "$d" ] && cp -rn "$d/." "$root/usr/lib/systemd/system/"
done

say "systemd-analyze verify"
out=$(MANPATH=$root/usr/share/man systemd-analyze verify --root="$root" "$unit" 2>&1) || { echo "$out"; fail "verify failed"; }
[ -z "$out" ] || { echo "$out"; fail "systemd-analyze verify reported problems"; }
echo "verify: clean"

say "systemd-analyze security --offline=true"
report=$(systemd-analyze security --offline=true --root="$root" "$unit" 2>&1) || true
echo "$report" | grep -E '✗|Overall'
score=$(sed -n 's/.*Overall exposure level for tandem.service: \([0-9.]*\).*/\1/p' <<<"$report")
[ -n "$score" ] || { echo "$report"; fail "no exposure score in the report"; }
awk -v s="$score" -v m="$max_exposure" 'BEGIN { exit !(s <= m) }' ||
  fail "exposure $score is above $max_exposure"
echo "exposure: $score (at most $max_exposure)"
