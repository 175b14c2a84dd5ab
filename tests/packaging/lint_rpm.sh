#!/usr/bin/env bash
# rpmlint on the .rpm, with packaging/rpm/rpmlint.toml (Debian's rpmlint has
# no distribution profile; the file says what it changes and why): no error,
# and no warning beyond the ones listed here, each with its reason.
source "$(dirname "$0")/lib.sh"
rpm=$(rpm_of "$VERSION")
need_packages "$rpm"
say "rpmlint $rpm"
out=$(rpmlint -c "$SOURCE_DIR/packaging/rpm/rpmlint.toml" "$rpm" 2>&1 || true)
echo "$out"
grep -q ' packages and 0 specfiles checked' <<<"$out" || fail "rpmlint did not run"
if grep -qE '^tandem[^ ]*: E: ' <<<"$out"; then fail "rpmlint reports errors"; fi
# Warnings that remain, and why they stay:
#   only-non-binary-in-usr-lib: /usr/lib holds the systemd unit and the
#     modules-load.d file, which systemd reads there on every distribution.
#   non-coherent-filename: the file is named tandem-<version>.<arch>.rpm as
#     issue 8 asks, without rpm's release number.
#   no-url-tag: the project has no public home page yet.
#   no-manual-page-for-binary: rpmlint 2.4 records the man section ("8")
#     instead of the page's name, so it fires for every binary; tandem(8) is
#     in the package (package_contents checks it).
allowed='only-non-binary-in-usr-lib|non-coherent-filename|no-url-tag|no-manual-page-for-binary'
unexplained=$(grep -E '^tandem[^ ]*: W: ' <<<"$out" | grep -vE ": W: ($allowed)( |$)" || true)
[ -z "$unexplained" ] || fail "rpmlint warnings without a reason in $0: $unexplained"
echo "rpmlint: no error; warnings all explained"
