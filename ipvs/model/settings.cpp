// Text form of IPVS settings.
#include "ipvs/model/settings.hpp"

#include <fmt/format.h>

namespace tandem::ipvs {

std::string Info::version_text() const {
  return fmt::format("{}.{}.{}", (version >> 16) & 0xff, (version >> 8) & 0xff, version & 0xff);
}

}  // namespace tandem::ipvs
