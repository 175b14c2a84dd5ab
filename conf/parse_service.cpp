// [[service]] and its [[service.real]] entries.
#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "conf/sections.hpp"

namespace tandem::conf {

namespace {

const std::vector<std::string> kServiceKeys{
    "name",        "address",        "fwmark",         "family",         "protocol",
    "scheduler",   "forwarding",     "persistence",    "persistence_netmask", "one_packet",
    "quorum",      "quorum_by",      "sorry_server",   "sorry_weight",   "on_quorum_lost",
    "on_quorum_restored", "quorum_hook_timeout", "slow_start", "drain_timeout", "check",
    "real"};

const std::vector<std::string> kRealKeys{"address",         "weight",          "on_failure", "forwarding",
                                         "upper_threshold", "lower_threshold", "check"};

const std::vector<std::string> kForwardings{"nat", "dr", "tunnel"};

Forwarding forwarding_from(const std::string& s) {
  if (s == "dr") return Forwarding::dr;
  if (s == "tunnel") return Forwarding::tunnel;
  return Forwarding::nat;
}

bool valid_name(const std::string& name) {
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
}


RealServer parse_real(const toml::table& table, const std::string& path, const Service& service,
                      const std::vector<CheckSpec>& service_checks, Sink& sink) {
  TableReader t(table, path, kRealKeys, sink);
  RealServer real;
  real.pos = t.pos();
  if (t.require("address")) {
    if (auto v = t.endpoint("address")) {
      real.address = *v;
      if (v->port == 0) sink.error(t.pos("address"), t.path("address"), "the real server port must be 1..65535");
    }
  }
  if (auto v = t.integer("weight", 0, 65535)) real.weight = static_cast<std::uint32_t>(*v);
  if (auto v = t.choice("on_failure", {"quiesce", "remove"})) {
    real.on_failure = *v == "remove" ? OnFailure::remove : OnFailure::quiesce;
  }
  if (auto v = t.choice("forwarding", kForwardings)) real.forwarding = forwarding_from(*v);
  if (auto v = t.integer("upper_threshold", 0, 65535)) real.upper_threshold = static_cast<std::uint32_t>(*v);
  if (auto v = t.integer("lower_threshold", 0, 65535)) real.lower_threshold = static_cast<std::uint32_t>(*v);
  if (real.upper_threshold != 0 && real.lower_threshold >= real.upper_threshold) {
    sink.error(t.pos("lower_threshold"), t.path("lower_threshold"),
               fmt::format("lower_threshold {} must be below upper_threshold {}", real.lower_threshold,
                           real.upper_threshold));
  }
  real.checks = parse_real_checks(t.find("check"), t.path("check"), service_checks, sink);

  // Real server against its service.
  const Forwarding fwd = real.forwarding.value_or(service.forwarding);
  const auto& vaddr = service.address;
  const bool v4_service = vaddr ? vaddr->address.is_v4() : service.fwmark_family == Family::v4;
  if (t.has("address") && real.address.port != 0 && real.address.address.is_v4() != v4_service &&
      fwd != Forwarding::tunnel) {
    sink.error(t.pos("address"), t.path("address"),
               fmt::format("real server {} is {} but the service is {} (mixed families need forwarding = \"tunnel\")",
                           real.address, real.address.address.is_v4() ? "IPv4" : "IPv6",
                           v4_service ? "IPv4" : "IPv6"));
  }
  if (vaddr && vaddr->port != 0 && fwd == Forwarding::dr && real.address.port != 0 &&
      real.address.port != vaddr->port) {
    sink.error(t.pos("address"), t.path("address"),
               fmt::format("with forwarding = \"dr\" the real server port must equal the service port {}, got {}",
                           vaddr->port, real.address.port));
  }
  t.finish();
  return real;
}

}  // namespace

Service parse_service(const toml::table& table, const std::string& path, Sink& sink) {
  TableReader t(table, path, kServiceKeys, sink);
  Service svc;
  svc.pos = t.pos();
  if (t.require("name")) {
    if (auto v = t.string("name")) {
      if (valid_name(*v)) svc.name = *v;
      else
        sink.error(t.pos("name"), t.path("name"),
                   fmt::format("invalid service name \"{}\" (use 1..64 letters, digits, '-', '_' or '.')", *v));
    }
  }
  const bool has_address = t.has("address"), has_fwmark = t.has("fwmark");
  if (has_address == has_fwmark) {
    sink.error(has_address ? t.pos("fwmark") : t.pos(), has_address ? t.path("fwmark") : t.path(),
               "set exactly one of \"address\" or \"fwmark\"");
  }
  if (auto v = t.endpoint("address")) svc.address = *v;
  if (auto v = t.integer("fwmark", 1, 0xffffffffLL)) svc.fwmark = static_cast<std::uint32_t>(*v);
  if (t.has("family")) {
    if (!has_fwmark) {
      sink.error(t.pos("family"), t.path("family"),
                 "\"family\" applies only to fwmark services (an address already has a family)");
    } else if (auto v = t.choice("family", {"ipv4", "ipv6"})) {
      svc.fwmark_family = *v == "ipv6" ? Family::v6 : Family::v4;
    }
  }
  if (t.has("protocol") && has_fwmark) {
    sink.error(t.pos("protocol"), t.path("protocol"),
               "\"protocol\" does not apply to a fwmark service (the mark selects the packets)");
  } else if (auto v = t.choice("protocol", {"tcp", "udp", "sctp"})) {
    svc.protocol = *parse_protocol(*v);
  }
  if (auto v = t.choice("scheduler", known_schedulers())) svc.scheduler = *v;
  if (auto v = t.choice("forwarding", kForwardings)) svc.forwarding = forwarding_from(*v);
  if (auto v = t.duration("persistence", Duration{0}, std::chrono::hours(24 * 30))) {
    if (v->count() % 1000 != 0) {
      sink.error(t.pos("persistence"), t.path("persistence"),
                 "persistence is kept by the kernel in whole seconds; use a multiple of 1s");
    } else {
      svc.persistence = *v;
    }
  }
  const bool v6 = svc.address ? !svc.address->address.is_v4() : svc.fwmark_family == Family::v6;
  if (auto v = t.integer("persistence_netmask", 1, v6 ? 128 : 32)) {
    svc.persistence_netmask = static_cast<std::uint8_t>(*v);
    if (svc.persistence.count() == 0) {
      sink.error(t.pos("persistence_netmask"), t.path("persistence_netmask"),
                 "persistence_netmask needs persistence to be set");
    }
  }
  if (svc.address && svc.address->port == 0 && svc.persistence.count() == 0) {
    sink.error(t.pos("address"), t.path("address"),
               "port 0 (all ports) needs persistence to be set, as in IPVS persistent port-zero services");
  }
  if (auto v = t.boolean("one_packet")) {
    svc.one_packet = *v;
    if (*v && (has_fwmark || svc.protocol != Protocol::udp)) {
      sink.error(t.pos("one_packet"), t.path("one_packet"), "one_packet applies only to udp services");
    }
  }
  if (auto v = t.integer("quorum", 0, 1'000'000)) svc.quorum = static_cast<std::uint32_t>(*v);
  if (auto v = t.choice("quorum_by", {"count", "weight"})) {
    svc.quorum_by = *v == "weight" ? QuorumBy::weight : QuorumBy::count;
  }
  if (auto v = t.endpoint("sorry_server")) {
    svc.sorry_server = *v;
    if (v->port == 0) sink.error(t.pos("sorry_server"), t.path("sorry_server"), "the sorry server needs a port");
    if (v->address.is_v4() == v6) {
      sink.error(t.pos("sorry_server"), t.path("sorry_server"),
                 fmt::format("sorry server {} is {} but the service is {}", *v, v6 ? "IPv4" : "IPv6",
                             v6 ? "IPv6" : "IPv4"));
    }
  }
  if (auto v = t.integer("sorry_weight", 1, 65535)) svc.sorry_weight = static_cast<std::uint32_t>(*v);
  if (auto v = read_hook(t, "on_quorum_lost"); t.has("on_quorum_lost") && v) svc.on_quorum_lost.command = *v;
  if (auto v = read_hook(t, "on_quorum_restored"); t.has("on_quorum_restored") && v) {
    svc.on_quorum_restored.command = *v;
  }
  if (auto v = t.duration("quorum_hook_timeout", std::chrono::milliseconds(100), std::chrono::hours(1))) {
    svc.on_quorum_lost.timeout = svc.on_quorum_restored.timeout = *v;
  }
  if (auto v = t.duration("slow_start", Duration{0}, std::chrono::hours(1))) svc.slow_start = *v;
  if (auto v = t.duration("drain_timeout", Duration{0}, std::chrono::hours(24))) svc.drain_timeout = *v;

  const auto service_checks = parse_service_checks(t.find("check"), t.path("check"), sink);

  if (const auto* reals = t.find("real")) {
    const auto* arr = reals->as_array();
    if (!arr) {
      sink.error(t.pos("real"), t.path("real"),
                 fmt::format("expected an array of tables ([[service.real]]), found {}", type_phrase(reals->type())));
    } else {
      std::map<Endpoint, std::size_t> seen;  // address -> index of first
      for (std::size_t i = 0; i < arr->size(); ++i) {
        const std::string real_path = index_path(t.path("real"), i);
        const toml::node& item = *arr->get(i);
        const auto* rt = item.as_table();
        if (!rt) {
          sink.error(pos_of(item), real_path,
                     fmt::format("expected a real server table, found {}", type_phrase(item.type())));
          continue;
        }
        RealServer real = parse_real(*rt, real_path, svc, service_checks, sink);
        if (rt->contains("address") && real.address.port != 0) {
          auto [it, fresh] = seen.emplace(real.address, i);
          if (!fresh) {
            sink.error(sink.where(child_path(real_path, "address")), child_path(real_path, "address"),
                       fmt::format("duplicate real server {} (also {}, line {})", real.address,
                                   index_path(t.path("real"), it->second), svc.reals[it->second].pos.line));
          }
        }
        svc.reals.push_back(std::move(real));
      }
    }
  }
  if (svc.sorry_server) {
    for (std::size_t i = 0; i < svc.reals.size(); ++i) {
      if (svc.reals[i].address == *svc.sorry_server) {
        sink.error(t.pos("sorry_server"), t.path("sorry_server"),
                   fmt::format("the sorry server {} is also real server {}", *svc.sorry_server,
                               index_path(t.path("real"), i)));
      }
    }
  }
  std::uint64_t capacity = 0;
  for (const auto& r : svc.reals) capacity += svc.quorum_by == QuorumBy::count ? 1 : r.weight;
  if (svc.quorum > capacity && t.has("quorum")) {
    sink.error(t.pos("quorum"), t.path("quorum"),
               fmt::format("quorum {} can never be met: the service has {} {}", svc.quorum, capacity,
                           svc.quorum_by == QuorumBy::count ? "real servers" : "total real server weight"));
  }
  t.finish();
  return svc;
}

}  // namespace tandem::conf
