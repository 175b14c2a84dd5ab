// Checks that span objects: duplicate names and addresses, references from
// VRRP instances to services, and virtual IPs against service addresses.
#include <algorithm>
#include <map>
#include <optional>

#include <fmt/format.h>

#include "conf/sections.hpp"
#include "conf/suggest.hpp"

namespace tandem::conf {

namespace {

std::string service_path(std::size_t i) { return index_path("service", i); }
std::string vrrp_path(std::size_t i) { return index_path("vrrp", i); }

// "tcp 192.0.2.1:80" or "fwmark 7 (ipv4)": the identity of a virtual service in IPVS.
std::string identity_of(const Service& s) {
  if (s.fwmark) return fmt::format("fwmark {} ({})", *s.fwmark, s.fwmark_family == Family::v6 ? "ipv6" : "ipv4");
  return fmt::format("{}/{}", s.address ? s.address->to_string() : "?", to_string(s.protocol));
}

void check_services(const Config& config, Sink& sink) {
  std::map<std::string, std::size_t> names;
  std::map<std::string, std::size_t> identities;
  for (std::size_t i = 0; i < config.services.size(); ++i) {
    const Service& s = config.services[i];
    if (!s.name.empty()) {
      auto [it, fresh] = names.emplace(s.name, i);
      if (!fresh) {
        const std::string p = child_path(service_path(i), "name");
        sink.error(sink.where(p), p,
                   fmt::format("duplicate service name \"{}\" (also {}, line {})", s.name, service_path(it->second),
                               config.services[it->second].pos.line));
      }
    }
    if (!s.address && !s.fwmark) continue;
    auto [it, fresh] = identities.emplace(identity_of(s), i);
    if (!fresh) {
      const std::string p = child_path(service_path(i), s.fwmark ? "fwmark" : "address");
      sink.error(sink.where(p), p,
                 fmt::format("duplicate virtual service {} (also {}, line {})", identity_of(s),
                             service_path(it->second), config.services[it->second].pos.line));
    }
  }
}

void check_vrrp(const Config& config, Sink& sink) {
  std::map<std::string, std::size_t> names;
  std::map<std::pair<std::string, int>, std::size_t> vrids;
  std::map<IpAddress, std::size_t> vips;
  std::optional<std::size_t> syncing;
  std::vector<std::string> service_names;
  for (const auto& s : config.services) service_names.push_back(s.name);

  for (std::size_t i = 0; i < config.vrrp.size(); ++i) {
    const VrrpInstance& v = config.vrrp[i];
    if (!v.name.empty()) {
      auto [it, fresh] = names.emplace(v.name, i);
      if (!fresh) {
        const std::string p = child_path(vrrp_path(i), "name");
        sink.error(sink.where(p), p,
                   fmt::format("duplicate VRRP instance name \"{}\" (also {}, line {})", v.name, vrrp_path(it->second),
                               config.vrrp[it->second].pos.line));
      }
    }
    if (!v.interface.empty() && v.vrid != 0) {
      auto [it, fresh] = vrids.emplace(std::pair{v.interface, int{v.vrid}}, i);
      if (!fresh) {
        const std::string p = child_path(vrrp_path(i), "vrid");
        sink.error(sink.where(p), p,
                   fmt::format("vrid {} on {} is already used by {} (line {})", v.vrid, v.interface,
                               vrrp_path(it->second), config.vrrp[it->second].pos.line));
      }
    }
    for (std::size_t j = 0; j < v.virtual_ips.size(); ++j) {
      auto [it, fresh] = vips.emplace(v.virtual_ips[j].address, i);
      if (!fresh && it->second != i) {
        const std::string p = index_path(child_path(vrrp_path(i), "virtual_ips"), j);
        sink.error(sink.where(p), p,
                   fmt::format("virtual IP {} is also held by {} (line {})", v.virtual_ips[j].address,
                               vrrp_path(it->second), config.vrrp[it->second].pos.line));
      }
    }
    if (!v.sync_interface.empty()) {
      // The kernel runs one sync daemon per role (IPVS_DAEMON_ATTR_STATE), so
      // only one instance can steer it.
      if (syncing) {
        const std::string p = child_path(vrrp_path(i), "sync_interface");
        sink.error(sink.where(p), p,
                   fmt::format("connection sync is already driven by {} (line {}); the kernel runs one sync daemon "
                               "per role, so only one instance may set sync_interface",
                               vrrp_path(*syncing), config.vrrp[*syncing].pos.line));
      } else {
        syncing = i;
      }
    }
    for (std::size_t j = 0; j < v.track_services.size(); ++j) {
      const std::string& name = v.track_services[j];
      if (std::find(service_names.begin(), service_names.end(), name) != service_names.end()) continue;
      const std::string p = index_path(child_path(vrrp_path(i), "track_services"), j);
      sink.error(sink.where(p), p,
                 fmt::format("unknown service \"{}\"{}", name, did_you_mean(name, service_names)));
    }
  }

  // With VRRP in use, an IPv4 virtual service must sit on a virtual IP, or it
  // would be reachable on both directors (or on neither) whatever VRRP decides.
  if (config.vrrp.empty()) return;
  for (std::size_t i = 0; i < config.services.size(); ++i) {
    const Service& s = config.services[i];
    if (!s.address || !s.address->address.is_v4()) continue;
    if (vips.count(s.address->address)) continue;
    const std::string p = child_path(service_path(i), "address");
    sink.error(sink.where(p), p,
               fmt::format("{} is not a virtual IP of any [[vrrp]] instance (add it to virtual_ips, or remove the "
                           "[[vrrp]] sections if the address is static)",
                           s.address->address));
  }
}

}  // namespace

void validate_references(const Config& config, Sink& sink) {
  check_services(config, sink);
  check_vrrp(config, sink);
}

}  // namespace tandem::conf
