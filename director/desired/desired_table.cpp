// The translation from configuration to IPVS table (see desired_table.hpp).
#include "director/desired/desired_table.hpp"

namespace tandem::desired {
namespace {

ipvs::Forwarding forwarding_of(conf::Forwarding f) {
  switch (f) {
    case conf::Forwarding::nat: return ipvs::Forwarding::masq;
    case conf::Forwarding::dr: return ipvs::Forwarding::route;
    case conf::Forwarding::tunnel: return ipvs::Forwarding::tunnel;
  }
  return ipvs::Forwarding::masq;
}

ipvs::ServiceConfig service_config(const conf::Service& s, Family family) {
  ipvs::ServiceConfig c;
  c.scheduler = s.scheduler;
  c.one_packet = s.one_packet;
  c.netmask_prefix = s.persistence_netmask.value_or(ipvs::default_netmask_prefix(family));
  if (s.persistence.count() > 0) {
    c.persistent = true;
    // The kernel counts persistence in whole seconds; the config allows only
    // whole seconds, and rounding up keeps any remainder from meaning "none".
    c.persistence_timeout_s = static_cast<std::uint32_t>((s.persistence.count() + 999) / 1000);
  }
  return c;
}

}  // namespace

ipvs::ServiceKey service_key(const conf::Service& service) {
  if (service.fwmark) return ipvs::ServiceKey::by_fwmark(service.fwmark_family, *service.fwmark);
  return ipvs::ServiceKey::by_address(service.protocol, service.address.value_or(Endpoint{}));
}

ipvs::Table desired_table(const conf::Config& config, const RealStates& states, const SorryActive& sorry) {
  ipvs::Table table;
  for (const conf::Service& s : config.services) {
    ipvs::Service out;
    out.key = service_key(s);
    out.config = service_config(s, out.key.family());
    for (const conf::RealServer& r : s.reals) {
      const auto it = states.find({s.name, r.address});
      if (it != states.end() && !it->second.present) continue;
      ipvs::Destination d;
      d.address = r.address;
      d.config.forwarding = forwarding_of(r.forwarding.value_or(s.forwarding));
      d.config.weight = it != states.end() && it->second.weight ? *it->second.weight : r.weight;
      d.config.upper_threshold = r.upper_threshold;
      d.config.lower_threshold = r.lower_threshold;
      out.put(d);
    }
    if (s.sorry_server && sorry.count(s.name)) {
      ipvs::Destination d;
      d.address = *s.sorry_server;
      d.config.forwarding = forwarding_of(s.forwarding);
      d.config.weight = s.sorry_weight;
      out.put(d);
    }
    table.put(out);
  }
  return table;
}

}  // namespace tandem::desired
