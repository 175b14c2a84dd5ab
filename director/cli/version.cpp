// The text of `tandem --version`.
#include "director/cli/commands.hpp"

#include <fmt/format.h>

#include "director/cli/build_info.hpp"

namespace tandem::cli {

std::string version_text() {
  return fmt::format("tandem {}\n", kVersion);
}

}  // namespace tandem::cli
