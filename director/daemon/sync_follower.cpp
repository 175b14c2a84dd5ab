// The connection-sync daemons of one VRRP instance; see sync_follower.hpp.
#include "director/daemon/sync_follower.hpp"

#include <spdlog/spdlog.h>

#include "ipvs/netlink/client.hpp"

namespace tandem::director {

SyncFollower::SyncFollower(asio::io_context& io, ipvs::Client& ipvs, std::string instance, std::string interface,
                           std::uint8_t sync_id, SyncLingers lingers)
    : ipvs_(ipvs),
      instance_(std::move(instance)),
      interface_(std::move(interface)),
      sync_id_(sync_id),
      lingers_(lingers),
      timer_(io) {}

SyncFollower::~SyncFollower() = default;

void SyncFollower::follow(Role role) {
  if (!cleared_) {
    // One daemon of each role per namespace: one left running by a previous
    // tandem would make our start fail (EEXIST) or sync the wrong way.
    (void)ipvs_.stop_sync_daemon(Role::master);
    (void)ipvs_.stop_sync_daemon(Role::backup);
    cleared_ = true;
  }
  if (wanted_ == role) return;
  wanted_ = role;
  if (!running(role)) start_daemon(role);
  const Role other = role == Role::master ? Role::backup : Role::master;
  if (running(other)) linger(role == Role::master ? lingers_.backup_listen : lingers_.master_flush);
}

void SyncFollower::stop(bool flush, std::function<void()> done) {
  wanted_.reset();
  if (backup_) stop_daemon(Role::backup);
  if (flush && master_) {
    spdlog::info("vrrp {}: IPVS connection sync master sends what it has queued ({} ms) before it stops",
                 instance_, lingers_.master_flush.count());
    on_stopped_ = std::move(done);
    linger(lingers_.master_flush);
    return;
  }
  timer_.cancel();
  if (master_) stop_daemon(Role::master);
  if (done) done();
}

void SyncFollower::start_daemon(Role role) {
  ipvs::SyncDaemon d;
  d.role = role;
  d.interface = interface_;
  d.sync_id = sync_id_;
  if (auto ec = ipvs_.start_sync_daemon(d)) {
    spdlog::error("vrrp {}: cannot start the IPVS connection sync {} on {}: {}", instance_, name(role), interface_,
                  ec.message());
    return;
  }
  (role == Role::master ? master_ : backup_) = true;
  spdlog::info("vrrp {}: IPVS connection sync {} started on {} (sync id {})", instance_, name(role), interface_,
               sync_id_);
}

void SyncFollower::stop_daemon(Role role) {
  if (auto ec = ipvs_.stop_sync_daemon(role)) {
    spdlog::warn("vrrp {}: cannot stop the IPVS connection sync {}: {}", instance_, name(role), ec.message());
  } else {
    spdlog::info("vrrp {}: IPVS connection sync {} stopped", instance_, name(role));
  }
  (role == Role::master ? master_ : backup_) = false;
}

void SyncFollower::linger(std::chrono::milliseconds how_long) {
  // A later transition re-arms: what it leaves behind lingers from then.
  timer_.expires_after(how_long);
  timer_.async_wait([this, alive = std::weak_ptr<int>(life_)](const boost::system::error_code& ec) {
    if (ec || alive.expired()) return;
    settle();
  });
}

void SyncFollower::settle() {
  if (master_ && wanted_ != Role::master) stop_daemon(Role::master);
  if (backup_ && wanted_ != Role::backup) stop_daemon(Role::backup);
  if (!wanted_) {
    if (auto done = std::move(on_stopped_)) done();   // may destroy this
  }
}

}  // namespace tandem::director
