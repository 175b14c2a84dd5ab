// The two net.ipv4.vs sysctls that make quiescing (weight 0) correct, set by
// tandem at start-up when the config asks for them (both on by default).
//
// Why they matter:
//  - expire_quiescent_template: with persistence, IPVS keeps a connection
//    template per client (or client network) that pins it to one real server.
//    By default a template outlives the weight change, so a client keeps
//    being sent to a quiesced server for as long as it keeps returning. With 1,
//    the kernel expires a template whose destination has weight 0 when the
//    next connection looks it up, and the client is scheduled afresh.
//  - expire_nodest_conn: when a destination is deleted (on_failure = remove,
//    or a real server dropped from the config), packets of its established
//    connections are by default silently dropped until the entry times out
//    (up to 15 minutes for TCP), so clients hang. With 1, the kernel expires
//    the entry at the next packet, so the client sees a reset and reconnects.
// Established connections to a weight-0 server are not affected by either:
// quiescing still lets them finish.
//
// The sysctls are per network namespace: they are written through /proc/sys
// of the calling thread's namespace.
#pragma once

#include <optional>
#include <string>
#include <system_error>

#include "common/result.hpp"

namespace tandem::ipvs {

struct QuiesceSysctls {
  bool expire_quiescent_template = true;
  bool expire_nodest_conn = true;
};

// Where the IPVS sysctls live. A parameter of the functions below (defaulting
// to this) so the unit test can point them at a plain directory.
inline constexpr const char* kVsSysctlDir = "/proc/sys/net/ipv4/vs";

// Writes "1" to each sysctl whose field is true; a false field leaves the
// kernel's value alone (the operator may have set it). Fails with the system
// error of the first write that failed (ENOENT when ip_vs is not loaded, EACCES
// without privilege); the error message names the file.
struct SysctlError {
  std::error_code code;
  std::string path;
};
std::optional<SysctlError> apply_quiesce_sysctls(const QuiesceSysctls& wanted,
                                                 const std::string& dir = kVsSysctlDir);

// Reads one sysctl as a number. Fails with the system error of the read.
Result<long> read_vs_sysctl(const std::string& name, const std::string& dir = kVsSysctlDir);

}  // namespace tandem::ipvs
