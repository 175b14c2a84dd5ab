#!/usr/bin/env bash
# What the packages carry: `rpm -qlp` lists exactly packaging/expected-files.txt;
# the .deb has the same files (one set of install rules); the config file is
# a dpkg conffile and an rpm %config(noreplace); the dependencies were
# computed from the linked libraries; and the packaged default config, as
# shipped and with its commented example switched on, passes `tandem check`.
source "$(dirname "$0")/lib.sh"
deb=$(deb_of "$VERSION")
rpm=$(rpm_of "$VERSION")
need_packages "$deb" "$rpm"
tmp=$(mktemp -d /tmp/tandem-contents.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

say "rpm -qlp against packaging/expected-files.txt"
grep -v '^#' "$SOURCE_DIR/packaging/expected-files.txt" > "$tmp/expected"
rpm -qlp "$rpm" > "$tmp/rpm-list"
diff -u "$tmp/expected" "$tmp/rpm-list" || fail "rpm -qlp differs from packaging/expected-files.txt"

say "the .deb's files are the .rpm's"
rpm -qp --qf '[%{FILEMODES:perms} %{FILENAMES}\n]' "$rpm" | awk '$1 !~ /^d/ {print $2}' | sort > "$tmp/rpm-files"
dpkg-deb -c "$deb" | awk '$1 !~ /^d/ {sub(/^\./, "", $6); print $6}' | sort > "$tmp/deb-files"
diff -u "$tmp/rpm-files" "$tmp/deb-files" || fail "the .deb and the .rpm carry different files"
bad_owner=$(dpkg-deb -c "$deb" | awk '$2 != "root/root"')
[ -z "$bad_owner" ] || fail "files not owned by root: $bad_owner"
[ "$(dpkg-deb -c "$deb" | awk '$6 == "./usr/sbin/tandem" {print $1}')" = "-rwxr-xr-x" ] || fail "/usr/sbin/tandem is not 0755"

say "the config file is protected from upgrades"
dpkg-deb -e "$deb" "$tmp/control"
[ "$(cat "$tmp/control/conffiles")" = "/etc/tandem/tandem.toml" ] || fail "conffiles: $(cat "$tmp/control/conffiles")"
flags=$(rpm -qp --qf '[%{FILEFLAGS:fflags} %{FILENAMES}\n]' "$rpm" | awk '$2 == "/etc/tandem/tandem.toml" {print $1}')
[ "$flags" = "cn" ] || fail "the rpm marks /etc/tandem/tandem.toml '$flags', not config+noreplace ('cn')"

say "dependencies computed from the linked libraries"
depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
depends_names=$(sed 's/ *([^)]*)//g' <<<"$depends" | tr ',|' '\n\n' | sed 's/^ *//; s/ *$//')
for lib in $(objdump -p "$BUILD_DIR/tandem" | awk '$1 == "NEEDED" {print $2}'); do
  # The package that holds the library, or a name it provides (libspdlog1.10
  # provides libspdlog1.10-fmt9, the name its shlibs file gives).
  owners=$(dpkg -S "*/$lib" 2>/dev/null | grep -v '^diversion' | cut -d: -f1 | tr ', ' '\n\n' | sort -u)
  for pkg in $owners; do
    owners+=" $(dpkg-query -W -f='${Provides}' "$pkg" 2>/dev/null | sed 's/ *([^)]*)//g; s/,/ /g')"
  done
  [ -n "$owners" ] || fail "no Debian package holds $lib"
  found=no
  for pkg in $owners; do grep -qxF "$pkg" <<<"$depends_names" && found=yes; done
  [ $found = yes ] || fail "Depends lacks a package for $lib (one of: $owners)"
  rpm -qp --requires "$rpm" | grep -qF "$lib" || fail "the rpm does not require $lib"
done

say "the packaged default config is valid, and so is its commented example"
dpkg-deb -x "$deb" "$tmp/root"
config=$tmp/root/etc/tandem/tandem.toml
"$BUILD_DIR/tandem" check -c "$config" || fail "the default config is refused"
sed -n -E 's/^(# ?)?((\[|[a-z_]+ = ).*)/\2/p' "$config" > "$tmp/example.toml"
grep -q '^\[\[service\]\]' "$tmp/example.toml" || fail "no commented [[service]] example found"
"$BUILD_DIR/tandem" check -c "$tmp/example.toml" || fail "the commented example, switched on, is refused"
echo "contents: as expected"
