// One VRRP instance on the loop; see vrrp_instance.hpp.
#include "director/daemon/vrrp_instance.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "director/daemon/hook_runner.hpp"
#include "vrrp/codec/codec.hpp"
#include "vrrp/codec/errc.hpp"
#include "vrrp/io/address_editor.hpp"
#include "vrrp/io/advert_socket.hpp"
#include "vrrp/io/garp_sender.hpp"

namespace tandem::director {

namespace {

// A neighbour that keeps sending bad packets is logged this often per reason.
constexpr auto kRejectLogEvery = std::chrono::seconds(10);

vrrp::ChecksumMode checksum_mode(conf::VrrpChecksum c) {
  switch (c) {
    case conf::VrrpChecksum::no_pseudo_header: return vrrp::ChecksumMode::no_pseudo_header;
    case conf::VrrpChecksum::accept_either: return vrrp::ChecksumMode::accept_either;
    case conf::VrrpChecksum::pseudo_header: break;
  }
  return vrrp::ChecksumMode::pseudo_header;
}

std::vector<IpAddress> vip_addresses(const conf::VrrpInstance& c) {
  std::vector<IpAddress> out;
  for (const auto& p : c.virtual_ips) out.push_back(p.address);
  return out;
}

vrrp::MachineSettings machine_settings(const conf::VrrpInstance& c, const vrrp::io::InterfaceInfo& link) {
  vrrp::MachineSettings s;
  s.version = c.version == 2 ? vrrp::Version::v2 : vrrp::Version::v3;
  s.vrid = c.vrid;
  s.priority = c.priority;
  s.advert_interval = c.advert_interval;
  s.preempt = c.preempt;
  s.preempt_delay = c.preempt_delay;
  s.primary_address = link.primary;
  s.virtual_ips = vip_addresses(c);
  return s;
}

vrrp::Expectations expectations(const conf::VrrpInstance& c) {
  vrrp::Expectations e;
  e.version = c.version == 2 ? vrrp::Version::v2 : vrrp::Version::v3;
  e.vrid = c.vrid;
  e.we_are_owner = c.address_owner;
  e.interval = c.advert_interval;
  e.addresses = vip_addresses(c);
  e.unicast_peers = c.unicast_peers;
  return e;
}

}  // namespace

VrrpInstanceDriver::VrrpInstanceDriver(asio::io_context& io, conf::VrrpInstance config,
                                       vrrp::io::InterfaceInfo link, VrrpPorts ports)
    : io_(io),
      config_(std::move(config)),
      link_(std::move(link)),
      ports_(ports),
      machine_(machine_settings(config_, link_)),
      expect_(expectations(config_)),
      checksum_(checksum_mode(config_.checksum)),
      timer_(io),
      garp_timer_(io) {
  if (ports_.ipvs && !config_.sync_interface.empty()) {
    sync_ = std::make_unique<SyncFollower>(io, *ports_.ipvs, config_.name, config_.sync_interface, config_.sync_id);
  }
}

VrrpInstanceDriver::~VrrpInstanceDriver() = default;

void VrrpInstanceDriver::start() {
  const TimePoint now = Clock::now();
  since_ = std::chrono::system_clock::now();
  vrrp::Actions a = link_.up ? machine_.on_start(now) : machine_.on_link(false, now);
  // A predecessor killed while master leaves the VIPs behind; a backup must
  // not answer for them.
  if (machine_.state() != vrrp::State::master) set_vips(false);
  spdlog::info("vrrp {}: started on {} (vrid {}, priority {}, {}): {}", config_.name, config_.interface,
               config_.vrid, config_.priority, config_.unicast_peers.empty() ? "multicast" : "unicast",
               vrrp::state_name(machine_.state()));
  perform(std::move(a), now);
  if (machine_.state() != vrrp::State::master) follow_with_sync(machine_.state());
}

void VrrpInstanceDriver::on_packet(std::span<const std::uint8_t> ip_packet) {
  if (stopped_) return;
  auto received = vrrp::decode_ipv4(ip_packet, expect_.version, checksum_);
  if (!received) {
    reject(received.error(), "");
    return;
  }
  const vrrp::Received& r = received.value();
  // Our own adverts come back only through a looping network; ignore them.
  if (r.source == link_.primary) return;
  if (auto ec = vrrp::validate(r, expect_)) {
    reject(ec, r.source.to_string());
    return;
  }
  ++adverts_received_;
  const TimePoint now = Clock::now();
  perform(machine_.on_advert(r.advert, r.source, now), now);
}

void VrrpInstanceDriver::on_link(bool up) {
  if (stopped_) return;
  link_.up = up;
  spdlog::log(up ? spdlog::level::info : spdlog::level::warn, "vrrp {}: interface {} is {}", config_.name,
              config_.interface, up ? "up" : "down");
  const TimePoint now = Clock::now();
  perform(machine_.on_link(up, now), now);
}

void VrrpInstanceDriver::on_address_removed(const Prefix& prefix) {
  if (stopped_ || machine_.state() != vrrp::State::master) return;
  const bool ours = std::find(config_.virtual_ips.begin(), config_.virtual_ips.end(), prefix) !=
                    config_.virtual_ips.end();
  if (!ours) return;
  // systemd-networkd and NetworkManager remove addresses they did not
  // configure; while we are master the VIP must be there.
  spdlog::warn("vrrp {}: virtual IP {} was removed from {} by someone else; putting it back", config_.name,
               prefix.to_string(), config_.interface);
  if (auto ec = ports_.addresses->add(link_.index, prefix, "")) {
    spdlog::error("vrrp {}: cannot add {} to {}: {}", config_.name, prefix.to_string(), config_.interface,
                  ec.message());
  }
}

void VrrpInstanceDriver::resync() {
  if (stopped_ || machine_.state() != vrrp::State::master) return;
  for (const auto& vip : config_.virtual_ips) {
    auto present = ports_.addresses->present(link_.index, vip);
    if (present && !present.value()) on_address_removed(vip);
  }
}

void VrrpInstanceDriver::set_tracked_down(std::size_t services_below_quorum) {
  if (stopped_) return;
  const long lowered = long{config_.priority} - long{config_.track_decrement} * static_cast<long>(services_below_quorum);
  const auto priority = static_cast<std::uint8_t>(std::clamp(lowered, 1L, 255L));
  if (priority == machine_.effective_priority()) return;
  spdlog::warn("vrrp {}: {} tracked service(s) below quorum: priority {} -> {}", config_.name,
               services_below_quorum, machine_.effective_priority(), priority);
  const TimePoint now = Clock::now();
  perform(machine_.set_effective_priority(priority, now), now);
}

void VrrpInstanceDriver::update(const conf::VrrpInstance& config) { config_ = config; }

void VrrpInstanceDriver::shutdown(std::function<void()> done) {
  if (stopped_) {
    if (done) done();
    return;
  }
  on_stopped_ = std::move(done);
  const TimePoint now = Clock::now();
  perform(machine_.on_shutdown(now), now);
}

void VrrpInstanceDriver::stop_now() {
  if (stopped_) return;
  const TimePoint now = Clock::now();
  const vrrp::State before = machine_.state();
  if (before == vrrp::State::master && !machine_.releasing()) {
    vrrp::Actions a = machine_.on_shutdown(now);
    if (a.send) send_advert(*a.send);
  }
  set_vips(false);
  finish_stop(before, false);
}

void VrrpInstanceDriver::finish_stop(vrrp::State last, bool flush_sync) {
  stopped_ = true;
  timer_.cancel();
  garp_timer_.cancel();
  spdlog::info("vrrp {}: stopped ({} before)", config_.name, vrrp::state_name(last));
  run_notify("stopped", vrrp::state_name(last));
  auto done = std::move(on_stopped_);
  if (sync_) {
    sync_->stop(flush_sync, std::move(done));   // may destroy this
    return;
  }
  if (done) done();
}

// ---------------------------------------------------------------------------

void VrrpInstanceDriver::perform(vrrp::Actions a, TimePoint now) {
  // The order matters: the VIPs are in place before the gratuitous ARPs that
  // announce them and before the advert that claims them.
  if (a.vips == vrrp::Actions::Vips::add) set_vips(true);
  if (a.vips == vrrp::Actions::Vips::remove) set_vips(false);
  if (a.announce) start_garp_burst();
  if (a.send) send_advert(*a.send);
  if (a.transition) on_transition(*a.transition, now);
  if (a.stopped) {
    // A graceful stop: what the sync master has queued goes out first.
    finish_stop(a.transition ? a.transition->from : machine_.state(), true);
    return;
  }
  arm_timer();
}

void VrrpInstanceDriver::arm_timer() {
  const TimePoint deadline = machine_.deadline();
  if (deadline == TimePoint::max()) {
    timer_.cancel();
    return;
  }
  timer_.expires_at(deadline);
  timer_.async_wait([this, alive = life()](const boost::system::error_code& ec) {
    if (ec || alive.expired() || stopped_) return;
    const TimePoint now = Clock::now();
    perform(machine_.on_timer(now), now);
  });
}

void VrrpInstanceDriver::send_advert(const vrrp::Advert& advert) {
  const std::vector<IpAddress> multicast{vrrp::kMulticastGroup};
  const auto& destinations = config_.unicast_peers.empty() ? multicast : config_.unicast_peers;
  for (const auto& to : destinations) {
    auto bytes = vrrp::encode(advert, link_.primary, to, checksum_);
    if (!bytes) {
      ++send_errors_;
      spdlog::error("vrrp {}: cannot encode an advert: {}", config_.name, bytes.error().message());
      return;
    }
    if (auto ec = ports_.socket->send(bytes.value(), to, link_.primary)) {
      // A down link is reported by rtnetlink too; count, log at debug.
      ++send_errors_;
      spdlog::debug("vrrp {}: advert to {} on {} not sent: {}", config_.name, to.to_string(), config_.interface,
                    ec.message());
      continue;
    }
    ++adverts_sent_;
  }
}

void VrrpInstanceDriver::set_vips(bool present) {
  for (const auto& vip : config_.virtual_ips) {
    const std::error_code ec =
        present ? ports_.addresses->add(link_.index, vip, "") : ports_.addresses->remove(link_.index, vip);
    if (ec) {
      spdlog::error("vrrp {}: cannot {} {} {} {}: {}", config_.name, present ? "add" : "remove",
                    vip.to_string(), present ? "to" : "from", config_.interface, ec.message());
    }
  }
}

void VrrpInstanceDriver::start_garp_burst() {
  garp_left_ = config_.garp_count;
  garp_timer_.cancel();
  send_garp_round();
}

void VrrpInstanceDriver::send_garp_round() {
  if (garp_left_ == 0 || stopped_ || machine_.state() != vrrp::State::master) return;
  --garp_left_;
  for (const auto& vip : config_.virtual_ips) {
    if (auto ec = ports_.garp->send(link_, vip.address)) {
      spdlog::warn("vrrp {}: gratuitous ARP for {} on {}: {}", config_.name, vip.address.to_string(),
                   config_.interface, ec.message());
    }
  }
  if (garp_left_ == 0) return;
  garp_timer_.expires_after(config_.garp_interval);
  garp_timer_.async_wait([this, alive = life()](const boost::system::error_code& ec) {
    if (ec || alive.expired()) return;
    send_garp_round();
  });
}

void VrrpInstanceDriver::on_transition(const vrrp::Transition& t, TimePoint) {
  since_ = std::chrono::system_clock::now();
  const std::string to = vrrp::state_name(t.to);
  const std::string from = vrrp::state_name(t.from);
  const auto level = t.to == vrrp::State::fault ? spdlog::level::warn : spdlog::level::info;
  spdlog::log(level, "vrrp {}: {} -> {} (priority {}, master advert interval {} ms)", config_.name, from, to,
              machine_.effective_priority(), machine_.master_advert_interval().count());
  follow_with_sync(t.to);
  run_notify(to, from);
}

void VrrpInstanceDriver::run_notify(const std::string& to, const std::string& from) {
  if (config_.notify.command.empty() || !ports_.hooks) return;
  conf::Hook hook = config_.notify;
  hook.command.insert(hook.command.end(), {config_.name, to, from});
  ports_.hooks->run(fmt::format("vrrp {} notify", config_.name), hook);
}

void VrrpInstanceDriver::follow_with_sync(vrrp::State state) {
  // Master while master, backup in every other live state; stopping is
  // finish_stop's.
  if (!sync_ || stopped_ || state == vrrp::State::initialize) return;
  sync_->follow(state == vrrp::State::master ? SyncFollower::Role::master : SyncFollower::Role::backup);
}

void VrrpInstanceDriver::reject(const std::error_code& ec, const std::string& source) {
  const std::string reason = vrrp::reason_name(ec);
  RejectLog& r = rejects_[reason];
  ++r.count;
  const TimePoint now = Clock::now();
  if (r.logged_at && now - *r.logged_at < kRejectLogEvery) {
    ++r.unlogged;
    return;
  }
  spdlog::warn("vrrp {}: dropped a packet{}: {}{}", config_.name, source.empty() ? "" : " from " + source,
               ec.message(), r.unlogged ? fmt::format(" ({} more like it not logged)", r.unlogged) : "");
  r.unlogged = 0;
  r.logged_at = now;
}

VrrpStatus VrrpInstanceDriver::status() const {
  VrrpStatus s;
  s.name = config_.name;
  s.interface = config_.interface;
  s.vrid = config_.vrid;
  s.state = stopped_ ? "stopped" : vrrp::state_name(machine_.state());
  s.priority = config_.priority;
  s.effective_priority = machine_.effective_priority();
  s.since = since_;
  s.adverts_sent = adverts_sent_;
  s.adverts_received = adverts_received_;
  for (const auto& [reason, r] : rejects_) s.invalid_by_reason.emplace_back(reason, r.count);
  return s;
}

}  // namespace tandem::director
