// ipvs::errc: the IPVS module's own error codes, and the one function that
// turns a failed operation into a sentence naming the object.
// Kernel errors are never converted into these: they stay in
// std::system_category with the kernel's errno (EEXIST, ESRCH, ENOENT...), so
// callers can test them; describe_failure() adds the words.
#pragma once

#include <string>
#include <system_error>

#include "ipvs/model/op.hpp"

namespace tandem::ipvs {

enum class errc {
  ipvs_not_available = 1,  // no "IPVS" generic-netlink family: ip_vs not loaded
  netlink_timeout,         // the kernel did not answer within the socket timeout
  malformed_reply,         // a reply lacked a required attribute or had a bad size
  replies_lost,            // socket buffer overflowed: some error replies were dropped
  unsupported_value,       // a value the kernel reported that this model cannot hold
  malformed_state,         // the owned-set state file has a line that does not parse
};

const std::error_category& ipvs_category() noexcept;
std::error_code make_error_code(errc e) noexcept;

// A sentence for a failed `op`, naming the object and, for the errnos the
// IPVS code returns, what it means: "service 192.0.2.1:80/tcp: scheduler 'foo'
// not available in this kernel (No such file or directory)". Never fails.
std::string describe_failure(const Op& op, std::error_code ec);

}  // namespace tandem::ipvs

template <>
struct std::is_error_code_enum<tandem::ipvs::errc> : std::true_type {};
