#!/usr/bin/env bash
# The pure modules (codecs, state machines, reconciler, policies, config) must
# not reach for I/O: no Asio, libcurl, libnl, socket or netlink headers.
# STYLE.md rule 2; libnl's headers are off the default include path, but
# Boost's, curl's and the kernel's are not, so this check is what enforces it.
set -u
src=$1
pure=(common conf checks/core ipvs/model ipvs/reconcile vrrp/codec vrrp/machine director/policy director/status director/control director/desired)
pattern='#[[:space:]]*include[[:space:]]*[<"](boost/asio|common/asio\.hpp|curl/|netlink/|linux/netlink\.h|linux/rtnetlink\.h|sys/socket\.h|netinet/|netpacket/)'
found=0 dirs=0
for d in "${pure[@]}"; do
  [ -d "$src/$d" ] || continue
  dirs=$((dirs + 1))
  # common/asio.hpp is the one sanctioned wrapper around Boost.Asio (STYLE.md 9).
  if grep -rnE "$pattern" "$src/$d" --include='*.hpp' --include='*.cpp' --include='*.h' | grep -v '^[^:]*common/asio\.hpp:'; then
    found=1
  fi
done
[ $dirs -ge 2 ] || { echo "purity_test: found only $dirs pure folders; is the source path right?"; exit 1; }
if [ $found -ne 0 ]; then echo "purity_test: the includes above make a pure module impure"; exit 1; fi
echo "purity_test: $dirs pure folders include no I/O headers"
