// The vrrp::io and libnl error categories and the failure sentences.
#include "vrrp/io/errc.hpp"

#include <cstdlib>

#include <fmt/format.h>
#include <netlink/errno.h>

namespace tandem::vrrp::io {
namespace {

class IoCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "vrrp-io"; }
  std::string message(int v) const override {
    switch (static_cast<errc>(v)) {
      case errc::no_such_interface: return "no such device";
      case errc::no_ipv4_address: return "no IPv4 address";
      case errc::not_ipv4: return "not an IPv4 address";
      case errc::invalid_label:
        return "invalid address label (must start with the interface name, at most 15 characters)";
      case errc::truncated: return "packet truncated (larger than the receive buffer)";
      case errc::netlink_timeout: return "the kernel did not answer the rtnetlink request in time";
      case errc::malformed_reply: return "malformed rtnetlink reply";
      case errc::not_open: return "socket is not open";
    }
    return "unknown vrrp-io error";
  }
};

class NlCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "libnl"; }
  std::string message(int v) const override { return nl_geterror(v); }
};

}  // namespace

const std::error_category& io_category() noexcept {
  static const IoCategory category;
  return category;
}

std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), io_category()}; }

const std::error_category& nl_category() noexcept {
  static const NlCategory category;
  return category;
}

std::error_code make_nl_error(int rc) noexcept { return {std::abs(rc), nl_category()}; }

std::string describe_interface_failure(std::string_view interface_name, std::error_code ec) {
  if (ec == errc::no_ipv4_address) {
    return fmt::format("interface {} has no IPv4 address", interface_name);
  }
  return fmt::format("interface {}: {}", interface_name, ec.message());
}

std::string describe_address_failure(std::string_view action, int ifindex, const Prefix& prefix,
                                     std::error_code ec) {
  return fmt::format("{} {} on interface index {}: {}", action, prefix, ifindex, ec.message());
}

}  // namespace tandem::vrrp::io
