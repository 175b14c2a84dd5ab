#!/usr/bin/env bash
# The .rpm's %config(noreplace) at work, with rpm itself, in an empty
# temporary root (never the host's): install N, edit the config, upgrade to
# N+1 (the edit stays, nothing is put beside it), erase (the packaged files
# go; the edited config is kept as tandem.toml.rpmsave, as rpm does).
# --nodeps and --noscripts: the root holds no RPM system whose libraries or
# shell could satisfy them. Debian's rpm needs --force-debian to install.
source "$(dirname "$0")/lib.sh"
rpm_n=$(rpm_of "$VERSION")
rpm_next=$(rpm_of "$NEXT_VERSION")
need_packages "$rpm_n" "$rpm_next"
R=$(mktemp -d /tmp/tandem-rpm-root.XXXXXX)
trap 'rm -rf "$R"' EXIT
rpm_in() { rpm --root "$R" "$@"; }
rpm_change() { rpm --root "$R" --force-debian --nodeps --noscripts "$@"; }
config=$R/etc/tandem/tandem.toml

say "install $VERSION"
rpm_in --initdb
rpm_change -i "$rpm_n"
[ "$(rpm_in -q --qf '%{VERSION}' tandem)" = "$VERSION" ] || fail "$VERSION is not installed"
[ -x "$R/usr/sbin/tandem" ] && [ -s "$config" ] || fail "files missing after install"

say "edit the config, upgrade to $NEXT_VERSION"
sed -i 's/^# name = "lb1".*/name = "edited-by-the-operator"/' "$config"
edited_sum=$(sha256sum < "$config")
rpm_change -U "$rpm_next"
[ "$(rpm_in -q --qf '%{VERSION}' tandem)" = "$NEXT_VERSION" ] || fail "$NEXT_VERSION is not installed"
[ "$(sha256sum < "$config")" = "$edited_sum" ] || fail "the upgrade changed the edited config"
ls "$config".rpm* 2>/dev/null && fail "the upgrade put a file beside the config"

say "erase"
rpm_change -e tandem
left=""
while read -r path; do
  [ -e "$R$path" ] && left+=" $path"
done < <(grep -v '^#' "$SOURCE_DIR/packaging/expected-files.txt" | grep -vx '/etc/tandem')
[ -z "$left" ] || fail "erase left:$left"
[ "$(sha256sum < "$config.rpmsave")" = "$edited_sum" ] || fail "the edited config was not kept as .rpmsave"
echo "rpm: upgrade kept the edit; erase removed the package's files and saved the edit"
