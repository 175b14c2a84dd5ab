// The configuration-dependent receive checks of RFC 5798 7.1 / RFC 3768 7.1.
#include "vrrp/codec/validate.hpp"

#include <algorithm>

#include "vrrp/codec/errc.hpp"

namespace tandem::vrrp {
namespace {

bool same_addresses(std::vector<IpAddress> a, std::vector<IpAddress> b) {
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  return a == b;
}

}  // namespace

std::error_code validate(const Received& r, const Expectations& e) {
  if (r.ttl != kRequiredTtl) return errc::wrong_ttl;
  if (r.advert.version != e.version) return errc::wrong_version;
  if (r.advert.vrid != e.vrid) return errc::other_vrid;
  if (e.we_are_owner) return errc::we_are_owner;
  if (!e.unicast_peers.empty()) {
    if (std::find(e.unicast_peers.begin(), e.unicast_peers.end(), r.source) == e.unicast_peers.end())
      return errc::unknown_peer;
  } else if (r.destination != kMulticastGroup) {
    return errc::wrong_destination;
  }
  if (e.version == Version::v2 && r.advert.interval != e.interval) return errc::interval_mismatch;
  if (r.advert.priority != 255 && !same_addresses(r.advert.addresses, e.addresses)) return errc::address_mismatch;
  return {};
}

}  // namespace tandem::vrrp
