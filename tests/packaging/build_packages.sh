#!/usr/bin/env bash
# Builds the .deb and the .rpm with CPack from the build tree, twice: version
# N (the project's) and N+1 (the same files under a higher version, which the
# upgrade tests install over N). Checks the names the issue asks for:
# tandem_<version>_<arch>.deb and tandem-<version>.<arch>.rpm.
source "$(dirname "$0")/lib.sh"

[ -x "$BUILD_DIR/tandem" ] || fail "$BUILD_DIR/tandem is not built"
for version in "$VERSION" "$NEXT_VERSION"; do
  out=$OUT_DIR/$version
  rm -rf "$out"
  mkdir -p "$out"
  say "cpack $version"
  (cd "$BUILD_DIR" && cpack --config CPackConfig.cmake -G "DEB;RPM" -B "$out" \
     -D CPACK_PACKAGE_VERSION="$version") > "$out/cpack.log" 2>&1 ||
    { cat "$out/cpack.log"; fail "cpack $version failed"; }
  rm -rf "$out/_CPack_Packages"
  need_packages "$(deb_of "$version")" "$(rpm_of "$version")"
  ls -l "$out"/*.deb "$out"/*.rpm
done
