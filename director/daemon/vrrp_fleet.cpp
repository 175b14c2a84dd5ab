// The VRRP instances and their shared adapters; see vrrp_fleet.hpp.
#include "director/daemon/vrrp_fleet.hpp"

#include <optional>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "vrrp/codec/advert.hpp"
#include "vrrp/codec/codec.hpp"
#include "vrrp/io/address_editor.hpp"
#include "vrrp/io/advert_socket.hpp"
#include "vrrp/io/errc.hpp"
#include "vrrp/io/garp_sender.hpp"
#include "vrrp/io/netlink_monitor.hpp"

namespace tandem::director {

struct VrrpFleet::Adapters {
  vrrp::io::AddressEditor addresses;
  vrrp::io::NetlinkMonitor monitor;
};

struct VrrpFleet::Link {
  vrrp::io::InterfaceInfo info;
  vrrp::io::AdvertSocket socket;
  vrrp::io::GarpSender garp;
  std::map<std::uint8_t, VrrpInstanceDriver*> by_vrid;
  std::uint64_t unknown_vrid = 0;
  std::shared_ptr<int> life = std::make_shared<int>(0);
};

namespace {

// Two configs of one instance differ only in what can change while it runs:
// what it tracks, whom it notifies, how it announces. Anything else (the
// protocol's settings, the interface, the VIPs, sync) means a restart.
bool same_protocol_settings(conf::VrrpInstance a, conf::VrrpInstance b) {
  for (auto* c : {&a, &b}) {
    c->pos = {};
    c->track_services.clear();
    c->track_decrement = 0;
    c->notify = {};
    c->garp_count = 0;
    c->garp_interval = {};
  }
  return a == b;
}

// The kernel's sync master binds its socket to the sync interface's IPv4
// address; without one it starts, sends nothing, and logs only a kernel
// message. A missing interface or address is refused like the VRRP one.
std::optional<std::string> check_sync_interface(const conf::VrrpInstance& c) {
  if (c.sync_interface.empty()) return std::nullopt;
  auto info = vrrp::io::lookup_interface(c.sync_interface);
  if (!info) {
    return fmt::format("vrrp {}: sync_interface: {}", c.name,
                       vrrp::io::describe_interface_failure(c.sync_interface, info.error()));
  }
  if (info.value().primary.is_unspecified()) {
    return fmt::format("vrrp {}: sync_interface {} has no IPv4 address for the connection sync to send from",
                       c.name, c.sync_interface);
  }
  return std::nullopt;
}

}  // namespace

VrrpFleet::VrrpFleet(asio::io_context& io, HookRunner& hooks, ipvs::Client* ipvs)
    : io_(io), hooks_(hooks), ipvs_(ipvs) {}

VrrpFleet::~VrrpFleet() = default;

Result<std::unique_ptr<VrrpFleet>> VrrpFleet::open(asio::io_context& io, HookRunner& hooks, ipvs::Client* ipvs) {
  auto addresses = vrrp::io::AddressEditor::open();
  if (!addresses) return addresses.error();
  std::unique_ptr<VrrpFleet> fleet(new VrrpFleet(io, hooks, ipvs));
  VrrpFleet* self = fleet.get();
  vrrp::io::NetlinkMonitor::Callbacks cb;
  cb.on_link = [self](int ifindex, bool up) { self->on_link_event(ifindex, up); };
  cb.on_address_removed = [self](int ifindex, const Prefix& p) { self->on_address_removed(ifindex, p); };
  cb.on_overrun = [self] { self->on_overrun(); };
  auto monitor = vrrp::io::NetlinkMonitor::open(io, std::move(cb));
  if (!monitor) return monitor.error();
  fleet->adapters_.reset(new Adapters{std::move(addresses.value()), std::move(monitor.value())});
  fleet->adapters_->monitor.start();
  return fleet;
}

std::vector<std::string> VrrpFleet::apply(const std::vector<conf::VrrpInstance>& next) {
  // Phase 1: decide, and open what the new instances need. Nothing running
  // changes here.
  std::vector<std::string> errors;
  std::vector<const conf::VrrpInstance*> to_start;
  std::set<std::string> to_stop;
  std::set<std::string> next_names;
  for (const auto& c : next) {
    next_names.insert(c.name);
    const auto it = instances_.find(c.name);
    if (it != instances_.end() && same_protocol_settings(it->second->config(), c)) continue;
    if (it != instances_.end()) to_stop.insert(c.name);
    to_start.push_back(&c);
  }
  for (const auto& [name, d] : instances_)
    if (!next_names.count(name)) to_stop.insert(name);

  for (const auto* c : to_start) {
    if (auto e = check_sync_interface(*c)) errors.push_back(*e);
  }
  std::map<std::string, std::unique_ptr<Link>> new_links;
  for (const auto* c : to_start) {
    if (links_.count(c->interface) || new_links.count(c->interface)) continue;
    auto info = vrrp::io::lookup_interface(c->interface);
    if (!info) {
      errors.push_back(
          fmt::format("vrrp {}: {}", c->name, vrrp::io::describe_interface_failure(c->interface, info.error())));
      continue;
    }
    if (info.value().primary.is_unspecified()) {
      errors.push_back(fmt::format("vrrp {}: interface {} has no IPv4 address to send adverts from", c->name,
                                   c->interface));
      continue;
    }
    auto socket = vrrp::io::AdvertSocket::open(io_, info.value(), true);
    if (!socket) {
      errors.push_back(
          fmt::format("vrrp {}: {}", c->name, vrrp::io::describe_interface_failure(c->interface, socket.error())));
      continue;
    }
    auto garp = vrrp::io::GarpSender::open(info.value());
    if (!garp) {
      errors.push_back(fmt::format("vrrp {}: gratuitous ARP: {}", c->name,
                                   vrrp::io::describe_interface_failure(c->interface, garp.error())));
      continue;
    }
    new_links[c->interface].reset(
        new Link{std::move(info.value()), std::move(socket.value()), std::move(garp.value()), {}, 0});
  }
  if (!errors.empty()) return errors;

  // Phase 2: apply. Stop what goes or changes, then start what comes.
  for (const auto& name : to_stop) {
    auto it = instances_.find(name);
    VrrpInstanceDriver& d = *it->second;
    if (auto l = links_.find(d.config().interface); l != links_.end()) l->second->by_vrid.erase(d.config().vrid);
    d.stop_now();
    retired_.push_back(std::move(it->second));
    instances_.erase(it);
  }
  for (auto& [name, link] : new_links) {
    Link& l = *link;
    links_[name] = std::move(link);
    receive(l);
  }
  for (const auto& c : next) {
    if (const auto it = instances_.find(c.name); it != instances_.end()) {
      it->second->update(c);   // same protocol settings: tracking, notify, GARP
    }
  }
  for (const auto* c : to_start) {
    Link& l = *links_.at(c->interface);
    VrrpPorts ports;
    ports.socket = &l.socket;
    ports.addresses = &adapters_->addresses;
    ports.garp = &l.garp;
    ports.hooks = &hooks_;
    ports.ipvs = c->sync_interface.empty() ? nullptr : ipvs_;
    auto d = std::make_unique<VrrpInstanceDriver>(io_, *c, l.info, ports);
    l.by_vrid[c->vrid] = d.get();
    VrrpInstanceDriver& ref = *d;
    instances_[c->name] = std::move(d);
    ref.start();
  }
  drop_unused_links();
  reap_stopped();
  return {};
}

void VrrpFleet::track(const std::set<std::string>& services_below_quorum) {
  for (auto& [name, d] : instances_) {
    std::size_t down = 0;
    for (const auto& s : d->config().track_services) down += services_below_quorum.count(s);
    d->set_tracked_down(down);
  }
}

void VrrpFleet::shutdown(std::function<void()> done) {
  // Once every instance has handed over, the sockets and the rtnetlink watch
  // close too: their pending receives are what would keep the loop running.
  auto finish = std::make_shared<std::function<void()>>([this, done = std::move(done)] {
    close_adapters();
    if (done) done();
  });
  auto pending = std::make_shared<std::size_t>(instances_.size());
  if (*pending == 0) {
    (*finish)();
    return;
  }
  for (auto& [name, d] : instances_) {
    d->shutdown([pending, finish] {
      if (--*pending == 0) (*finish)();
    });
  }
}

void VrrpFleet::close_adapters() {
  for (auto& [name, link] : links_) {
    link->life.reset();   // a receive already queued is ignored
    link->socket.close();
    link->garp.close();
  }
  if (adapters_) adapters_->monitor.stop();
}

std::vector<VrrpStatus> VrrpFleet::status() const {
  std::vector<VrrpStatus> out;
  for (const auto& [name, d] : instances_) out.push_back(d->status());
  return out;
}

// ---------------------------------------------------------------------------

void VrrpFleet::receive(Link& link) {
  link.socket.async_receive([this, &link, alive = std::weak_ptr<int>(link.life)](
                                const std::error_code& ec, std::span<const std::uint8_t> packet, int) {
    if (alive.expired() || ec == std::errc::operation_canceled || ec == vrrp::io::errc::not_open) return;
    if (ec) {
      // A datagram longer than the buffer is no VRRP advert (at most 255
      // addresses fit in 1,048 bytes); others are transient.
      spdlog::debug("vrrp: receive on {}: {}", link.info.name, ec.message());
    } else {
      const auto it = link.by_vrid.find(vrrp::peek_vrid(packet));
      if (it != link.by_vrid.end()) {
        it->second->on_packet(packet);
      } else if (++link.unknown_vrid % 1000 == 1) {
        // RFC 5798 7.1: a VRID we do not run is discarded. Other routers on
        // the LAN are normal, so this is not a warning.
        spdlog::debug("vrrp: {} packet(s) on {} for VRIDs not configured here", link.unknown_vrid, link.info.name);
      }
    }
    if (!alive.expired()) receive(link);
  });
}

void VrrpFleet::on_link_event(int ifindex, bool up) {
  for (auto& [name, link] : links_) {
    if (link->info.index != ifindex || link->info.up == up) continue;
    link->info.up = up;
    for (auto& [vrid, d] : link->by_vrid) d->on_link(up);
  }
}

void VrrpFleet::on_address_removed(int ifindex, const Prefix& prefix) {
  for (auto& [name, d] : instances_)
    if (d->ifindex() == ifindex) d->on_address_removed(prefix);
}

void VrrpFleet::on_overrun() {
  // rtnetlink dropped events: read the links' state again, and have masters
  // check their VIPs.
  spdlog::warn("vrrp: rtnetlink events were lost; re-reading interface state");
  for (auto& [name, link] : links_) {
    if (auto info = vrrp::io::lookup_interface(name)) on_link_event(link->info.index, info.value().up);
  }
  for (auto& [name, d] : instances_) d->resync();
}

void VrrpFleet::drop_unused_links() {
  for (auto it = links_.begin(); it != links_.end();) {
    if (!it->second->by_vrid.empty()) {
      ++it;
      continue;
    }
    // The receive handler may be queued: it holds a weak token, and the
    // socket closes with the Link, after the loop has run it.
    auto link = std::shared_ptr<Link>(std::move(it->second));
    link->life.reset();
    asio::post(io_, [link] {});
    it = links_.erase(it);
  }
}

void VrrpFleet::reap_stopped() {
  if (retired_.empty()) return;
  // Stopped drivers may be on the call stack (a reload from a control
  // request); free them on a later turn of the loop.
  auto retired = std::make_shared<std::vector<std::unique_ptr<VrrpInstanceDriver>>>(std::move(retired_));
  retired_.clear();
  asio::post(io_, [retired] {});
}

}  // namespace tandem::director
