// [[vrrp]]: one VRRP instance (RFC 5798 v3, or RFC 3768 v2), IPv4 only.
#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "conf/sections.hpp"

namespace tandem::conf {

namespace {

const std::vector<std::string> kVrrpKeys{
    "name",           "interface",     "vrid",          "priority",      "address_owner", "version",
    "checksum",       "advert_interval", "preempt",     "preempt_delay", "virtual_ips",   "unicast_peers",
    "track_services", "track_decrement", "garp_count",  "garp_interval",
    "notify",         "notify_timeout", "sync_interface", "sync_id"};

bool valid_interface_name(const std::string& name) {
  // IFNAMSIZ is 16 including the terminating NUL; '/' and whitespace are
  // rejected by the kernel (dev_valid_name).
  return !name.empty() && name.size() <= 15 && name != "." && name != ".." &&
         std::none_of(name.begin(), name.end(), [](char c) {
           return c == '/' || c == ':' || std::isspace(static_cast<unsigned char>(c));
         });
}

}  // namespace

VrrpInstance parse_vrrp_instance(const toml::table& table, const std::string& path, Sink& sink) {
  TableReader t(table, path, kVrrpKeys, sink);
  VrrpInstance v;
  v.pos = t.pos();
  for (const char* key : {"name", "interface", "vrid", "virtual_ips"}) t.require(key);
  if (auto s = t.string("name")) v.name = *s;
  if (auto s = t.string("interface")) {
    if (valid_interface_name(*s)) v.interface = *s;
    else sink.error(t.pos("interface"), t.path("interface"), fmt::format("invalid interface name \"{}\"", *s));
  }
  if (auto n = t.integer("vrid", 1, 255)) v.vrid = static_cast<std::uint8_t>(*n);
  if (auto b = t.boolean("address_owner")) v.address_owner = *b;
  if (auto n = t.integer("priority", 1, 255)) {
    v.priority = static_cast<std::uint8_t>(*n);
    if (*n == 255 && !v.address_owner) {
      sink.error(t.pos("priority"), t.path("priority"),
                 "priority 255 is reserved for the address owner (RFC 5798 5.2.4); set address_owner = true if this "
                 "router owns the virtual IPs");
    }
  }
  if (v.address_owner && v.priority != 255) {
    sink.error(t.pos("address_owner"), t.path("address_owner"),
               fmt::format("an address owner has priority 255 (RFC 5798 5.2.4), but priority is {}", v.priority));
  }
  if (auto n = t.integer("version", 2, 3)) v.version = static_cast<std::uint8_t>(*n);
  if (auto s = t.choice("checksum", {"pseudo-header", "no-pseudo-header", "accept-either"})) {
    v.checksum = *s == "no-pseudo-header" ? VrrpChecksum::no_pseudo_header
                 : *s == "accept-either"  ? VrrpChecksum::accept_either
                                          : VrrpChecksum::pseudo_header;
    if (v.version == 2 && *s != "pseudo-header") {
      sink.error(t.pos("checksum"), t.path("checksum"),
                 "\"checksum\" applies only to version 3 (a VRRPv2 checksum never covers a pseudo-header)");
    }
  }
  if (auto d = t.duration("advert_interval", std::chrono::milliseconds(10), std::chrono::seconds(255))) {
    // RFC 5798 5.2.7: 12 bits of centiseconds (max 40.95 s).
    // RFC 3768 5.3.7: 8 bits of whole seconds.
    if (v.version == 3 && (d->count() % 10 != 0 || d->count() > 40950)) {
      sink.error(t.pos("advert_interval"), t.path("advert_interval"),
                 fmt::format("{} cannot be sent in VRRPv3 (a multiple of 10ms up to 40950ms)", format_duration(*d)));
    } else if (v.version == 2 && d->count() % 1000 != 0) {
      sink.error(t.pos("advert_interval"), t.path("advert_interval"),
                 fmt::format("{} cannot be sent in VRRPv2 (whole seconds, 1s..255s)", format_duration(*d)));
    } else {
      v.advert_interval = *d;
    }
  }
  if (auto b = t.boolean("preempt")) v.preempt = *b;
  if (auto d = t.duration("preempt_delay", Duration{0}, std::chrono::hours(1))) v.preempt_delay = *d;
  if (const auto* node = t.find("virtual_ips")) {
    if (const auto* arr = node->as_array()) {
      if (arr->empty()) sink.error(pos_of(*node), t.path("virtual_ips"), "list at least one virtual IP");
      std::set<IpAddress> seen;
      for (std::size_t i = 0; i < arr->size(); ++i) {
        const std::string p = index_path(t.path("virtual_ips"), i);
        auto prefix = t.values().prefix(*arr->get(i), p);
        if (!prefix) continue;
        if (!prefix->address.is_v4()) {
          sink.error(pos_of(*arr->get(i)), p,
                     fmt::format("{} is IPv6; tandem's VRRP instances carry IPv4 virtual IPs only", prefix->address));
        } else if (!seen.insert(prefix->address).second) {
          sink.error(pos_of(*arr->get(i)), p, fmt::format("virtual IP {} is listed twice", prefix->address));
        } else {
          v.virtual_ips.push_back(*prefix);
        }
      }
    } else {
      sink.error(pos_of(*node), t.path("virtual_ips"),
                 fmt::format("expected an array of addresses, found {}", type_phrase(node->type())));
    }
  }
  if (const auto* node = t.find("unicast_peers")) {
    if (const auto* arr = node->as_array()) {
      for (std::size_t i = 0; i < arr->size(); ++i) {
        const std::string p = index_path(t.path("unicast_peers"), i);
        auto a = t.values().address(*arr->get(i), p);
        if (a && !a->is_v4()) sink.error(pos_of(*arr->get(i)), p, "unicast peers must be IPv4 addresses");
        else if (a) v.unicast_peers.push_back(*a);
      }
    } else {
      sink.error(pos_of(*node), t.path("unicast_peers"),
                 fmt::format("expected an array of addresses, found {}", type_phrase(node->type())));
    }
  }
  if (auto names = t.string_array("track_services")) v.track_services = *names;
  if (auto n = t.integer("track_decrement", 1, 254)) v.track_decrement = static_cast<std::uint8_t>(*n);
  if (auto n = t.integer("garp_count", 0, 100)) v.garp_count = static_cast<std::uint32_t>(*n);
  if (auto d = t.duration("garp_interval", std::chrono::milliseconds(10), std::chrono::seconds(10))) {
    v.garp_interval = *d;
  }
  if (auto argv = read_hook(t, "notify")) v.notify.command = *argv;
  if (auto d = t.duration("notify_timeout", std::chrono::milliseconds(100), std::chrono::hours(1))) {
    v.notify.timeout = *d;
  }
  if (auto s = t.string("sync_interface")) {
    if (valid_interface_name(*s)) v.sync_interface = *s;
    else sink.error(t.pos("sync_interface"), t.path("sync_interface"), fmt::format("invalid interface name \"{}\"", *s));
  }
  v.sync_id = v.vrid;
  if (auto n = t.integer("sync_id", 0, 255)) v.sync_id = static_cast<std::uint8_t>(*n);
  if (t.has("sync_id") && v.sync_interface.empty()) {
    sink.error(t.pos("sync_id"), t.path("sync_id"), "sync_id needs sync_interface (the interface connection sync uses)");
  }
  t.finish();
  return v;
}

}  // namespace tandem::conf
