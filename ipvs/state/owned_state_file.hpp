// The owned set on disk: which IPVS services this tandem created or adopted,
// remembered across restarts. With it, a service removed from the config while
// tandem was stopped is deleted at the next start, and a service tandem never
// created is never touched (ipvs/reconcile/plan.hpp).
//
// Format (text, one service per line, sorted; '#' starts a comment):
//   # tandem owned IPVS services, format 1
//   tcp 192.0.2.1 80
//   udp 2001:db8::53 53
//   fwmark ipv4 7
// Written atomically: a temporary file in the same directory, fsync, rename
// over the old one, fsync of the directory. A crash leaves the old or the new
// file, never a mix.
#pragma once

#include <string>
#include <string_view>
#include <system_error>

#include "common/result.hpp"
#include "ipvs/reconcile/plan.hpp"

namespace tandem::ipvs {

// The state file's name inside director.state_dir.
inline constexpr const char* kOwnedStateFileName = "ipvs-owned";

// The file's text for `owned`. Never fails.
std::string format_owned_set(const OwnedSet& owned);

// Parses the file's text. Fails with errc::malformed_state naming nothing
// more; the caller adds the path and line (see load_owned_set).
Result<OwnedSet> parse_owned_set(std::string_view text, std::size_t* bad_line = nullptr);

// Reads the state file at `path`. A missing file is an empty set (first start).
// Fails with the system error of reading, or errc::malformed_state.
Result<OwnedSet> load_owned_set(const std::string& path);

// Replaces the state file at `path` atomically (see above). The directory must
// exist. Fails with the system error of the step that failed.
std::error_code save_owned_set(const std::string& path, const OwnedSet& owned);

}  // namespace tandem::ipvs
