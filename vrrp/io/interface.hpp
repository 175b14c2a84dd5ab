// InterfaceInfo and lookup_interface(): what the VRRP adapters need to know
// about one network interface (index, MAC, primary IPv4 address, up-ness),
// read from the kernel over rtnetlink in the caller's network namespace.
// A one-shot read: nothing is cached; NetlinkMonitor reports later changes.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/ip_address.hpp"
#include "common/result.hpp"

namespace tandem::vrrp::io {

struct InterfaceInfo {
  std::string name;
  int index = 0;
  std::array<std::uint8_t, 6> mac{};  // zero when the link has no 6-byte address
  // The first IPv4 address of the interface that is not IFA_F_SECONDARY, in
  // the kernel's order; unspecified (0.0.0.0) when the interface has none.
  // RFC 5798 5.1.1.1: adverts are sent from this (the primary) address.
  IpAddress primary;
  std::uint8_t primary_prefix_len = 0;
  bool up = false;  // IFF_UP and IFF_RUNNING (administratively up with carrier)
};

// Reads the link `name` and its IPv4 addresses with one link request and one
// address dump. Fails with errc::no_such_interface when there is no such link,
// errc::netlink_timeout or a libnl/system code otherwise; an interface without
// an IPv4 address is not an error (primary stays unspecified). Use
// describe_interface_failure(name, ec) for the message.
Result<InterfaceInfo> lookup_interface(std::string_view name);

}  // namespace tandem::vrrp::io
