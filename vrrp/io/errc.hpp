// vrrp::io::errc: the VRRP adapters' own error codes, the libnl category, and
// the functions that turn a failure into a sentence naming the object.
// Kernel errors are never converted into these: they stay in
// std::system_category with the kernel's errno (EEXIST, ENODEV, EPERM...), so
// callers can test them; the describe_* functions add the interface or address.
#pragma once

#include <string>
#include <string_view>
#include <system_error>

#include "common/ip_address.hpp"

namespace tandem::vrrp::io {

enum class errc {
  no_such_interface = 1,  // rtnetlink has no link of that name or index
  no_ipv4_address,        // the interface has no IPv4 address to send from
  not_ipv4,               // an IPv6 address or prefix was given; VRRP here is IPv4 only
  invalid_label,          // IFA_LABEL not "<ifname>..." or longer than 15 characters
  truncated,              // a received packet was larger than the receive buffer
  netlink_timeout,        // the kernel did not answer within the socket timeout
  malformed_reply,        // a netlink reply lacked a required part
  not_open,               // the socket was closed or never opened
};

const std::error_category& io_category() noexcept;
std::error_code make_error_code(errc e) noexcept;

// libnl's own codes (NLE_*), with libnl's text. `rc` is a libnl return value;
// its sign is ignored.
const std::error_category& nl_category() noexcept;
std::error_code make_nl_error(int rc) noexcept;

// "interface eth9: no such device", or "interface eth0 has no IPv4 address"
// for errc::no_ipv4_address. Never fails.
std::string describe_interface_failure(std::string_view interface_name, std::error_code ec);

// "add 192.0.2.100/24 on interface index 3: File exists"; `action` is the
// verb ("add", "remove", "look up"). Never fails.
std::string describe_address_failure(std::string_view action, int ifindex, const Prefix& prefix,
                                     std::error_code ec);

}  // namespace tandem::vrrp::io

template <>
struct std::is_error_code_enum<tandem::vrrp::io::errc> : std::true_type {};
