// libFuzzer target for the VRRP receive path: decode_ipv4 in every version and
// checksum mode, validate() on what decodes, and the property that an accepted
// advert re-encodes and decodes to itself. Built and run by tests/fuzz.sh (tests/vrrp/codec/CMakeLists.txt).
#include <cstdint>
#include <cstdlib>
#include <span>

#include "tests/vrrp/codec/vectors.hpp"
#include "vrrp/codec/codec.hpp"
#include "vrrp/codec/validate.hpp"

using namespace tandem;
using namespace tandem::vrrp;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> packet(data, size);
  for (Version v : {Version::v3, Version::v2}) {
    for (auto mode : {ChecksumMode::pseudo_header, ChecksumMode::no_pseudo_header, ChecksumMode::accept_either}) {
      auto r = decode_ipv4(packet, v, mode);
      if (!r) {
        if (reason_name(r.error()) == "other") std::abort();   // every refusal has a reason name
        continue;
      }
      Expectations e;
      e.version = v;
      e.vrid = r.value().advert.vrid;
      e.addresses = r.value().advert.addresses;
      (void)validate(r.value(), e);
      e.unicast_peers = {r.value().source};
      (void)validate(r.value(), e);

      const ChecksumMode resend =
          r.value().pseudo_header_checksum ? ChecksumMode::pseudo_header : ChecksumMode::no_pseudo_header;
      auto again = encode(r.value().advert, r.value().source, r.value().destination, resend);
      if (!again) {
        if (again.error() != errc::bad_vrid) std::abort();
        continue;
      }
      auto back = decode_ipv4(test::with_ip_header(again.value(), r.value().source, r.value().destination), v, mode);
      if (!back || !(back.value().advert == r.value().advert)) std::abort();
    }
  }
  return 0;
}
