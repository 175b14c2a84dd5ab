// The ipvs error category and the kernel-errno-to-sentence table.
//
// Which errno means what comes from the Linux 6.1 IPVS netlink handlers
// (net/netfilter/ipvs/ip_vs_ctl.c): a request for a service that does not
// exist fails with ESRCH; a missing destination with ENOENT; a second add with
// EEXIST; an unknown scheduler or persistence engine with ENOENT on a service
// add or edit (the kernel first tries to load ip_vs_<name>).
#include "ipvs/model/errc.hpp"

#include <cerrno>

namespace tandem::ipvs {
namespace {

class Category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "ipvs"; }
  std::string message(int v) const override {
    switch (static_cast<errc>(v)) {
      case errc::ipvs_not_available: return "IPVS is not available: load the ip_vs module";
      case errc::netlink_timeout: return "the kernel did not answer the IPVS request in time";
      case errc::malformed_reply: return "malformed IPVS netlink reply";
      case errc::replies_lost: return "netlink replies were lost (socket buffer overflow)";
      case errc::unsupported_value: return "the kernel reported a value tandem cannot represent";
      case errc::malformed_state: return "malformed owned-services state file";
    }
    return "unknown ipvs error";
  }
};

std::string object_of(const Op& op) {
  return std::visit(
      [](const auto& o) -> std::string {
        if constexpr (requires { o.address; }) {
          return fmt::format("service {} destination {}", o.service, o.address);
        } else {
          return fmt::format("service {}", o.key);
        }
      },
      op);
}

// What the kernel's errno means for this kind of operation; empty when the
// errno's own text says enough.
std::string meaning(const Op& op, int err) {
  const bool service_op = std::holds_alternative<AddService>(op) ||
                          std::holds_alternative<EditService>(op) ||
                          std::holds_alternative<DeleteService>(op);
  if (err == ESRCH) return "no such service";
  if (err == EEXIST) return service_op ? "service already exists" : "destination already exists";
  if (err == ENOENT) {
    if (const auto* a = std::get_if<AddService>(&op)) {
      return a->config.persistence_engine.empty()
                 ? fmt::format("scheduler '{}' not available in this kernel", a->config.scheduler)
                 : fmt::format("scheduler '{}' or persistence engine '{}' not available in this kernel",
                               a->config.scheduler, a->config.persistence_engine);
    }
    if (const auto* e = std::get_if<EditService>(&op)) {
      return e->config.persistence_engine.empty()
                 ? fmt::format("scheduler '{}' not available in this kernel", e->config.scheduler)
                 : fmt::format("scheduler '{}' or persistence engine '{}' not available in this kernel",
                               e->config.scheduler, e->config.persistence_engine);
    }
    return "no such destination";
  }
  if (err == EINVAL) return "invalid request (rejected by the kernel)";
  if (err == EPERM) return "permission denied: CAP_NET_ADMIN is needed";
  return {};
}

}  // namespace

const std::error_category& ipvs_category() noexcept {
  static const Category category;
  return category;
}

std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), ipvs_category()};
}

std::string describe_failure(const Op& op, std::error_code ec) {
  if (ec.category() == std::system_category()) {
    const std::string m = meaning(op, ec.value());
    if (!m.empty()) return fmt::format("{}: {} ({})", object_of(op), m, ec.message());
  }
  return fmt::format("{}: {}", object_of(op), ec.message());
}

}  // namespace tandem::ipvs
