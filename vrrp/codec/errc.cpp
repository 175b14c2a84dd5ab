// The VRRP codec's error category: reason names and log sentences.
#include "vrrp/codec/errc.hpp"

namespace tandem::vrrp {
namespace {

class CodecCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "vrrp"; }
  std::string message(int v) const override {
    switch (static_cast<errc>(v)) {
      case errc::truncated: return "packet shorter than its headers and address list";
      case errc::not_ipv4: return "not an IPv4 packet";
      case errc::bad_ip_header: return "malformed IPv4 header";
      case errc::not_vrrp: return "IP protocol is not VRRP (112)";
      case errc::wrong_version: return "VRRP version is not the configured one";
      case errc::wrong_type: return "VRRP type is not advertisement (1)";
      case errc::bad_checksum: return "VRRP checksum does not verify";
      case errc::bad_length: return "address count does not match the packet length";
      case errc::no_addresses: return "advertisement carries no virtual address";
      case errc::zero_interval: return "advertisement interval is 0";
      case errc::bad_auth: return "VRRPv2 authentication type is not 0 (none)";
      case errc::wrong_ttl: return "IP TTL is not 255 (the packet crossed a router)";
      case errc::other_vrid: return "advertisement for another virtual router ID";
      case errc::we_are_owner: return "we own this virtual router's addresses, yet another router advertises it";
      case errc::unknown_peer: return "source is not one of the configured unicast_peers";
      case errc::wrong_destination: return "not sent to the VRRP multicast group 224.0.0.18";
      case errc::interval_mismatch: return "VRRPv2 advertisement interval differs from ours";
      case errc::address_mismatch: return "virtual addresses differ from ours";
      case errc::bad_vrid: return "virtual router ID 0 (must be 1..255)";
      case errc::bad_address_count: return "an advertisement carries 1..255 virtual addresses";
      case errc::not_encodable_ipv4: return "address is not IPv4";
      case errc::bad_interval:
        return "advertisement interval not representable (VRRPv3: 10ms..40.95s in 10ms steps; "
               "VRRPv2: 1..255 whole seconds)";
    }
    return "unknown VRRP codec error";
  }
};

}  // namespace

const std::error_category& codec_category() noexcept {
  static const CodecCategory category;
  return category;
}

std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), codec_category()}; }

const char* reason_name(errc e) noexcept {
  switch (e) {
    case errc::truncated: return "truncated";
    case errc::not_ipv4: return "not_ipv4";
    case errc::bad_ip_header: return "bad_ip_header";
    case errc::not_vrrp: return "not_vrrp";
    case errc::wrong_version: return "wrong_version";
    case errc::wrong_type: return "wrong_type";
    case errc::bad_checksum: return "bad_checksum";
    case errc::bad_length: return "bad_length";
    case errc::no_addresses: return "no_addresses";
    case errc::zero_interval: return "zero_interval";
    case errc::bad_auth: return "bad_auth";
    case errc::wrong_ttl: return "wrong_ttl";
    case errc::other_vrid: return "other_vrid";
    case errc::we_are_owner: return "we_are_owner";
    case errc::unknown_peer: return "unknown_peer";
    case errc::wrong_destination: return "wrong_destination";
    case errc::interval_mismatch: return "interval_mismatch";
    case errc::address_mismatch: return "address_mismatch";
    case errc::bad_vrid: return "bad_vrid";
    case errc::bad_address_count: return "bad_address_count";
    case errc::not_encodable_ipv4: return "not_ipv4_address";
    case errc::bad_interval: return "bad_interval";
  }
  return "other";
}

std::string reason_name(const std::error_code& ec) {
  if (ec.category() != codec_category()) return "other";
  return reason_name(static_cast<errc>(ec.value()));
}

}  // namespace tandem::vrrp
