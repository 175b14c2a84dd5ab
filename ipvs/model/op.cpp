// Text form of IPVS operations, as `tandem plan` and the logs print them.
#include "ipvs/model/op.hpp"

namespace tandem::ipvs {
namespace {

std::string describe(const ServiceConfig& c) {
  std::string s = fmt::format("scheduler {}", c.scheduler);
  if (c.persistent) {
    s += fmt::format(" persistent {}s netmask /{}", c.persistence_timeout_s, c.netmask_prefix);
  }
  if (c.one_packet) s += " one-packet";
  if (c.sched_flag1) s += " sched-flag-1";
  if (c.sched_flag2) s += " sched-flag-2";
  if (c.sched_flag3) s += " sched-flag-3";
  if (!c.persistence_engine.empty()) s += fmt::format(" pe {}", c.persistence_engine);
  return s;
}

std::string describe(const DestinationConfig& c) {
  std::string s = fmt::format("{} weight {} thresholds {}/{}", to_string(c.forwarding), c.weight,
                              c.upper_threshold, c.lower_threshold);
  if (c.forwarding == Forwarding::tunnel) {
    s += fmt::format(" tunnel {}", to_string(c.tunnel_type));
    if (c.tunnel_type == TunnelType::gue) s += fmt::format(" port {}", c.tunnel_port);
    if (c.tunnel_flags != 0) s += fmt::format(" flags {:#x}", c.tunnel_flags);
  }
  return s;
}

struct Describe {
  std::string operator()(const AddService& o) const {
    return fmt::format("add service {} {}", o.key, describe(o.config));
  }
  std::string operator()(const EditService& o) const {
    return fmt::format("edit service {} {}", o.key, describe(o.config));
  }
  std::string operator()(const DeleteService& o) const {
    return fmt::format("delete service {}", o.key);
  }
  std::string operator()(const AddDestination& o) const {
    return fmt::format("add destination {} -> {} {}", o.service, o.address, describe(o.config));
  }
  std::string operator()(const EditDestination& o) const {
    return fmt::format("edit destination {} -> {} {}", o.service, o.address, describe(o.config));
  }
  std::string operator()(const DeleteDestination& o) const {
    return fmt::format("delete destination {} -> {}", o.service, o.address);
  }
};

}  // namespace

const ServiceKey& service_of(const Op& op) {
  return std::visit(
      [](const auto& o) -> const ServiceKey& {
        if constexpr (requires { o.key; }) {
          return o.key;
        } else {
          return o.service;
        }
      },
      op);
}

std::string to_string(const Op& op) { return std::visit(Describe{}, op); }

}  // namespace tandem::ipvs
