// The libnl error category; messages come from nl_geterror().
#include "ipvs/netlink/nl_error.hpp"

#include <cstdlib>
#include <string>

#include <netlink/errno.h>

namespace tandem::ipvs {
namespace {

class NlCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "libnl"; }
  std::string message(int v) const override { return nl_geterror(v); }
};

}  // namespace

const std::error_category& nl_category() noexcept {
  static const NlCategory category;
  return category;
}

std::error_code make_nl_error(int rc) noexcept { return {std::abs(rc), nl_category()}; }

}  // namespace tandem::ipvs
