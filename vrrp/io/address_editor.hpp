// AddressEditor: adds and removes the virtual IPv4 addresses of VRRP
// instances on interfaces (RTM_NEWADDR/RTM_DELADDR via libnl-route-3), and
// says whether one is present. Idempotent by design: the director re-applies
// its desired state after an overrun or restart without special cases.
//
// One editor is one rtnetlink socket in the network namespace of the thread
// that opened it, with send/receive timeouts so a stuck kernel cannot hang
// the loop. Synchronous (each call waits for the kernel's ACK). Kernel
// refusals keep their errno; describe_address_failure() names the address
// and interface index.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <system_error>

#include "common/ip_address.hpp"
#include "common/result.hpp"
#include "vrrp/io/route_socket.hpp"

namespace tandem::vrrp::io {

class AddressEditor {
 public:
  static constexpr std::chrono::milliseconds kDefaultTimeout{2000};

  // Opens the rtnetlink socket. Fails with a libnl or system code.
  static Result<AddressEditor> open(std::chrono::milliseconds timeout = kDefaultTimeout);

  // Adds `vip` (address and prefix length) to interface `ifindex`, with
  // IFA_LABEL `label` unless it is empty. The label must start with the
  // interface's name and be at most 15 characters ("eth0:vip"), else
  // errc::invalid_label and nothing is sent. An address already present
  // (EEXIST, whatever its label) is success. Fails with errc::not_ipv4,
  // errc::no_such_interface, errc::netlink_timeout or the kernel's errno.
  std::error_code add(int ifindex, const Prefix& vip, std::string_view label);

  // Removes `vip` from `ifindex`. An address that is not there
  // (EADDRNOTAVAIL, ENOENT, ESRCH) is success; a missing interface is
  // ENODEV. Fails like add() otherwise.
  std::error_code remove(int ifindex, const Prefix& vip);

  // True when `ifindex` carries vip.address with prefix length vip.length
  // (one RTM_GETADDR dump). Fails with a libnl code or errc::not_ipv4.
  Result<bool> present(int ifindex, const Prefix& vip);

 private:
  explicit AddressEditor(RouteSocket sock) : sock_(std::move(sock)) {}
  std::error_code check_label(int ifindex, std::string_view label);
  RouteSocket sock_;
};

}  // namespace tandem::vrrp::io
