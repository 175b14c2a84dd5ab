// Small helpers shared by the adapters' socket code: errno as
// std::error_code, int socket options, and IpAddress to in_addr (UniqueFd is
// in common/). Internal to vrrp/io.
#pragma once

#include <netinet/in.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include <boost/system/error_code.hpp>

#include "common/ip_address.hpp"
#include "common/unique_fd.hpp"

namespace tandem::vrrp::io {

// The calling thread's errno as a system_category code.
inline std::error_code last_error() noexcept { return {errno, std::system_category()}; }

// An Asio (Boost.System) error as a std::error_code: cancellation becomes
// std::errc::operation_canceled, anything else keeps its errno in
// std::system_category, so callers compare against std codes only.
inline std::error_code from_asio(const boost::system::error_code& ec) noexcept {
  if (!ec) {
    return {};
  }
  if (ec.value() == ECANCELED) {
    return std::make_error_code(std::errc::operation_canceled);
  }
  return {ec.value(), std::system_category()};
}

inline std::error_code set_int(int fd, int level, int option, int value) noexcept {
  if (setsockopt(fd, level, option, &value, sizeof value) != 0) {
    return last_error();
  }
  return {};
}

// IPv4 only: the first four bytes, already in network order.
inline in_addr to_in_addr(const IpAddress& a) noexcept {
  in_addr out{};
  std::memcpy(&out.s_addr, a.bytes().data(), 4);
  return out;
}

}  // namespace tandem::vrrp::io
