// libnl's own error codes (NLE_*) as std::error_code, with libnl's text.
// Kernel errnos never go through this category: the client reads them from
// the NLMSG_ERROR reply itself and keeps them in std::system_category.
#pragma once

#include <system_error>

namespace tandem::ipvs {

const std::error_category& nl_category() noexcept;

// `rc` is a libnl return value (negative NLE_* or positive); the sign is ignored.
std::error_code make_nl_error(int rc) noexcept;

}  // namespace tandem::ipvs
