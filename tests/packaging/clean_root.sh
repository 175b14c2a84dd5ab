# A clean Debian 12 root for the install tests (sourced, not run).
#
# make_clean_root DIR unpacks a cached `debootstrap --variant=minbase bookworm`
# root into DIR, mounts /proc and a tmpfs on /run, and arranges for them to be
# unmounted and DIR removed on exit. The cache is built once, under
# ${TANDEM_TEST_CACHE:-/var/cache/tandem-test}, with the host's apt sources and
# package lists, so later runs need the network only for packages the cache
# lacks (downloaded .debs are kept there too). Works inside a chroot as well,
# as long as /proc is mounted there (tools/fresh-root's roots are).
CACHE_DIR=${TANDEM_TEST_CACHE:-/var/cache/tandem-test}
MINBASE_TAR=$CACHE_DIR/bookworm-minbase.tar
ROOTS=()

host_mirror() {
  local m
  m=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
  [ -n "$m" ] || m=$(awk '/^deb /{print $2; exit}' /etc/apt/sources.list 2>/dev/null)
  echo "${m:-http://deb.debian.org/debian}"
}

copy_apt_sources() {
  local root=$1
  cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
  if [ -s /etc/apt/sources.list.d/debian.sources ]; then
    cp /etc/apt/sources.list.d/debian.sources "$root/etc/apt/sources.list.d/"
    rm -f "$root/etc/apt/sources.list"
  fi
}

# Removes a root tree, after unmounting whatever is mounted inside it (a
# debootstrap killed half-way may leave its /proc or /sys, or a bind mount of
# the host's /dev, mounted there). Never removes a tree that still has a mount.
remove_root() {
  local root=$1 m
  for m in $(findmnt -rn -o TARGET | grep "^$root/" | sort -r); do umount -l "$m" || true; done
  if findmnt -rn -o TARGET | grep -q "^$root"; then
    echo "mounts left under $root, not removing it" >&2
  else
    rm -rf "$root"
  fi
}

# Builds $MINBASE_TAR unless it exists; one builder at a time (flock).
ensure_minbase() {
  mkdir -p "$CACHE_DIR/archives"
  exec 9>"$CACHE_DIR/lock"
  flock -w 600 9 || fail "waited 10 minutes for $CACHE_DIR/lock"
  if [ ! -s "$MINBASE_TAR" ]; then
    say "building the clean-root cache with debootstrap (once; about 2 minutes)"
    local tmp
    tmp=$(mktemp -d "$CACHE_DIR/build.XXXXXX")
    timeout 600 debootstrap --variant=minbase bookworm "$tmp" "$(host_mirror)" > "$CACHE_DIR/debootstrap.log" 2>&1 ||
      { tail -20 "$CACHE_DIR/debootstrap.log"; remove_root "$tmp"; fail "debootstrap failed"; }
    copy_apt_sources "$tmp"
    mount -t proc proc "$tmp/proc"
    local rc=0
    timeout 120 chroot "$tmp" apt-get update -qq > "$CACHE_DIR/apt-update.log" 2>&1 || rc=$?
    umount "$tmp/proc"
    [ $rc = 0 ] || { cat "$CACHE_DIR/apt-update.log"; remove_root "$tmp"; fail "apt-get update in the new root failed"; }
    rm -f "$tmp"/var/cache/apt/archives/*.deb
    tar -C "$tmp" -cf "$MINBASE_TAR.new" . && mv "$MINBASE_TAR.new" "$MINBASE_TAR"
    remove_root "$tmp"
  fi
  flock -u 9
}

cleanup_roots() {
  local root
  for root in "${ROOTS[@]}"; do remove_root "$root"; done
}

make_clean_root() {
  local root=$1
  ensure_minbase
  ROOTS+=("$root")
  tar -C "$root" -xf "$MINBASE_TAR"
  chmod 0755 "$root"   # mktemp made it (and the cache's ".") 0700: as /, everyone must traverse it
  copy_apt_sources "$root"
  cp "$CACHE_DIR"/archives/*.deb "$root/var/cache/apt/archives/" 2>/dev/null || true
  mount -t proc proc "$root/proc"
  mount -t tmpfs -o mode=0755 tmpfs "$root/run"
}

# Installs local .debs (paths inside the root) with apt, which fetches their
# dependencies; refreshes the package lists once if the cached ones are stale.
apt_install_in() {
  local root=$1; shift
  local args=(-y -q --no-install-recommends -o Dpkg::Use-Pty=0)
  # Bounded: a stalled mirror fails the test with a message, not a CTest kill.
  if ! timeout 300 chroot "$root" apt-get install "${args[@]}" "$@"; then
    say "apt-get install failed; refreshing the package lists and trying again"
    timeout 120 chroot "$root" apt-get update -qq
    timeout 300 chroot "$root" apt-get install "${args[@]}" "$@"
  fi
  local deb
  for deb in "$root"/var/cache/apt/archives/*.deb; do
    case ${deb##*/} in tandem_*) ;; *) cp -n "$deb" "$CACHE_DIR/archives/" ;; esac
  done
}
