#!/usr/bin/env bash
# The .deb's whole life in a clean Debian 12 root (debootstrap minbase, see
# clean_root.sh), never on the host:
#   1. apt installs version N with the dependencies it declares; the
#      maintainer scripts reload systemd and neither enable nor start tandem;
#   2. the installed files work: `tandem --version`, `tandem check` of the
#      installed config, and the daemon itself, run in the foreground as the
#      unit would run it (user tandem, the unit's capabilities only), answers
#      `tandem status` and `tandem reload` and stops on SIGTERM;
#   3. the operator edits the config; N+1 installs over N; the edit survives;
#   4. purge removes everything the package and its daemon made.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/clean_root.sh"
deb_n=$(deb_of "$VERSION")
deb_next=$(deb_of "$NEXT_VERSION")
need_packages "$deb_n" "$deb_next"

daemon_pid=""
cleanup() {
  if [ -n "$daemon_pid" ] && kill -0 "$daemon_pid" 2>/dev/null; then kill -KILL "$daemon_pid"; fi
  cleanup_roots
}
trap cleanup EXIT
R=$(mktemp -d /tmp/tandem-clean-root.XXXXXX)
make_clean_root "$R"
in_root() { chroot "$R" "$@"; }

# No systemd runs in this root (it has no init, and the host's must never see
# tandem), so a recording stand-in takes systemctl's place: the maintainer
# scripts see /run/systemd/system, as on a booted host, and every command they
# give systemd is logged for the checks below.
mkdir -p "$R/run/systemd/system"
cat > "$R/usr/bin/systemctl" <<'STUB'
#!/bin/sh
echo "$*" >> /var/log/systemctl.log
case "$*" in *is-active*|*is-enabled*) exit 1;; esac
exit 0
STUB
chmod 755 "$R/usr/bin/systemctl"
systemctl_calls() { cat "$R/var/log/systemctl.log" 2>/dev/null || true; }
mkdir -p "$R/tmp/pkgs"
cp "$deb_n" "$deb_next" "$R/tmp/pkgs/"

say "1. install $VERSION into the clean root"
apt_install_in "$R" "/tmp/pkgs/$(basename "$deb_n")"
[ "$(in_root dpkg-query -W -f='${Status} ${Version}' tandem)" = "install ok installed $VERSION" ] ||
  fail "tandem $VERSION is not installed"
echo "systemctl calls: $(systemctl_calls | tr '\n' ';')"
[ "$(systemctl_calls)" = "--system daemon-reload" ] || fail "install must only reload systemd, not: $(systemctl_calls)"
in_root getent passwd tandem > /dev/null || fail "no tandem user"

say "2. the installed files work"
[ "$(in_root /usr/sbin/tandem --version)" = "tandem $VERSION" ] || fail "tandem --version: $(in_root /usr/sbin/tandem --version)"
in_root tandem check -c /etc/tandem/tandem.toml
for f in /usr/share/man/man8/tandem.8.gz /usr/share/man/man5/tandem.toml.5.gz /usr/lib/modules-load.d/tandem.conf; do
  [ -s "$R$f" ] || fail "$f is not installed"
done
grep -qx 'ip_vs' "$R/usr/lib/modules-load.d/tandem.conf" || fail "modules-load.d does not load ip_vs"
# As systemd would run it: RuntimeDirectory= and StateDirectory= owned by the
# user, then User=, AmbientCapabilities=, CapabilityBoundingSet= and
# NoNewPrivileges= from the unit (the test reads them from the installed unit).
unit=$R/usr/lib/systemd/system/tandem.service
caps=$(sed -n 's/^AmbientCapabilities=//p' "$unit")
[ "$caps" = "$(sed -n 's/^CapabilityBoundingSet=//p' "$unit")" ] || fail "the unit's ambient and bounding sets differ"
setpriv_caps=$(tr ' ' '\n' <<<"$caps" | sed 's/^CAP_/+/' | tr 'A-Z' 'a-z' | paste -sd,)
mkdir -p "$R/run/tandem" "$R/var/lib/tandem"
chmod 0755 "$R/run/tandem"
chmod 0700 "$R/var/lib/tandem"
in_root chown tandem:tandem /run/tandem /var/lib/tandem   # the user exists only in the root
chroot "$R" setpriv --reuid=tandem --regid=tandem --init-groups --no-new-privs \
  --inh-caps="$setpriv_caps" --ambient-caps="$setpriv_caps" --bounding-set="-all,$setpriv_caps" \
  /usr/sbin/tandem run -c /etc/tandem/tandem.toml > "$R/tmp/daemon.log" 2>&1 &
daemon_pid=$!
for _ in $(seq 100); do [ -S "$R/run/tandem/control.sock" ] && break; sleep 0.1; done
[ -S "$R/run/tandem/control.sock" ] || { cat "$R/tmp/daemon.log"; fail "the daemon made no control socket in 10 s"; }
grep -E '^(Uid|CapEff|CapAmb):' "/proc/$daemon_pid/status" | tr '\t' ' '
[ "$(awk '/^Uid:/ {print $2}' "/proc/$daemon_pid/status")" = "$(in_root id -u tandem)" ] || fail "the daemon is not running as tandem"
status=$(in_root tandem status) || fail "tandem status failed"
echo "$status"
grep -q '^director ' <<<"$status" || fail "tandem status printed no director line"
in_root tandem reload || fail "tandem reload failed"
kill -TERM "$daemon_pid"
wait "$daemon_pid" || { cat "$R/tmp/daemon.log"; fail "the daemon exited non-zero on SIGTERM"; }
daemon_pid=""
cat "$R/tmp/daemon.log"
# With no service the daemon keeps no state; leave some, as a director with
# drains would, for purge to remove.
echo "drained web 10.0.1.11:8080" > "$R/var/lib/tandem/manual-overrides"

say "3. edit the config, install $NEXT_VERSION: the edit survives"
sed -i 's/^# name = "lb1".*/name = "edited-by-the-operator"/' "$R/etc/tandem/tandem.toml"
grep -q '^name = "edited-by-the-operator"' "$R/etc/tandem/tandem.toml" || fail "the edit did not apply"
edited_sum=$(sha256sum < "$R/etc/tandem/tandem.toml")
: > "$R/var/log/systemctl.log"
apt_install_in "$R" "/tmp/pkgs/$(basename "$deb_next")"
[ "$(in_root dpkg-query -W -f='${Version}' tandem)" = "$NEXT_VERSION" ] || fail "$NEXT_VERSION is not installed"
[ "$(sha256sum < "$R/etc/tandem/tandem.toml")" = "$edited_sum" ] || fail "the upgrade changed the edited config"
ls "$R"/etc/tandem/tandem.toml.dpkg-* 2>/dev/null && fail "the upgrade left a .dpkg-* file beside the config"
in_root tandem check -c /etc/tandem/tandem.toml
echo "systemctl calls: $(systemctl_calls | tr '\n' ';')"
[ "$(systemctl_calls)" = $'--system daemon-reload\ntry-restart tandem.service' ] ||
  fail "an upgrade must reload systemd and restart only a running tandem, not: $(systemctl_calls)"

say "4. purge removes what the package made"
# As an operator who ran `systemctl enable tandem` would have it.
mkdir -p "$R/etc/systemd/system/multi-user.target.wants"
ln -s /usr/lib/systemd/system/tandem.service "$R/etc/systemd/system/multi-user.target.wants/tandem.service"
: > "$R/var/log/systemctl.log"
in_root dpkg --purge tandem
echo "systemctl calls: $(systemctl_calls | tr '\n' ';')"
grep -qx 'stop tandem.service' <<<"$(systemctl_calls)" || fail "removal did not stop tandem"
in_root dpkg-query -W -f='${Status}' tandem 2>/dev/null | grep -q installed && fail "tandem is still installed"
left=""
while read -r path; do
  [ -e "$R$path" ] && left+=" $path"
done < <(grep -v '^#' "$SOURCE_DIR/packaging/expected-files.txt"; printf '%s\n' /etc/tandem /var/lib/tandem /run/tandem \
           /etc/systemd/system/multi-user.target.wants/tandem.service)
[ -z "$left" ] || fail "purge left:$left"
in_root getent passwd tandem && fail "purge left the tandem user"
in_root getent group tandem && fail "purge left the tandem group"
echo "lifecycle: install, run, upgrade with the edit kept, purge: all as expected"
