// The script-security rule of exec checks: a program runs only if neither it
// nor any directory on its path can be changed by a user other than root.
// Otherwise any local user could make the director run their code.
#pragma once

#include <optional>
#include <string>

namespace tandem::checks {

// Returns nullopt if `program` (an absolute path; symlinks are resolved and
// every component of the resolved path is checked) is safe: owned by root,
// not group-writable unless the group is root, not world-writable. A
// world-writable directory is accepted only with the sticky bit (/tmp), since
// then only root can replace the root-owned entry below it. Otherwise returns
// the refusal naming the offending path, e.g. "/opt/x/check.sh is writable by
// users other than root".
std::optional<std::string> unsafe_program(const std::string& program);

}  // namespace tandem::checks
