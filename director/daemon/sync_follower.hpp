// SyncFollower: the kernel's IPVS connection-sync daemons, following one VRRP
// instance (its `sync_interface`). Sync master while the instance is master,
// sync backup while it is backup or in fault, none once it has stopped.
//
// A role that is left lingers, because the kernel's sync master holds the
// state it has queued for up to IPVS_SYNC_CHECK_PERIOD + IPVS_SYNC_FLUSH_TIME
// (1 s + 2 s, net/netfilter/ipvs/ip_vs_sync.c) and drops what is unsent when
// it is stopped. Without the linger, a connection opened in the last seconds
// before a handover would be unknown to the new master, which resets it:
//
//   leaving master:   the master daemon runs master_flush longer, so what it
//                     has queued reaches the new master;
//   becoming master:  the backup daemon runs backup_listen longer, so it
//                     receives that last flush (the old master leaves a
//                     little after we arrive: when it hears our advert);
//   graceful stop:    the master daemon flushes for master_flush, then `done`.
//
// The kernel runs at most one daemon of each role per network namespace and
// allows both at once, which is what the linger uses.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "common/asio.hpp"
#include "ipvs/model/settings.hpp"

namespace tandem::ipvs {
class Client;
}

namespace tandem::director {

// How long a left role lingers; the defaults fit the kernel, tests shorten them.
struct SyncLingers {
  // The kernel's worst case for sending queued state (1 s + 2 s), and slack.
  std::chrono::milliseconds master_flush{3500};
  // Our master flush, and the time the other side's switch may trail ours.
  std::chrono::milliseconds backup_listen{5000};
};

class SyncFollower {
 public:
  using Role = ipvs::SyncDaemon::Role;

  SyncFollower(asio::io_context& io, ipvs::Client& ipvs, std::string instance, std::string interface,
               std::uint8_t sync_id, SyncLingers lingers = {});
  ~SyncFollower();
  SyncFollower(const SyncFollower&) = delete;
  SyncFollower& operator=(const SyncFollower&) = delete;

  // The instance is now in `role`: its daemon starts at once; the other
  // role's daemon, if running, stops after its linger. The first call also
  // stops daemons a previous tandem left (killed while master, say).
  void follow(Role role);
  // The instance stopped. With `flush`, a running master daemon sends what it
  // has queued first (master_flush) and `done` runs after; otherwise both stop
  // now and `done` runs at once. `done` may destroy this object.
  void stop(bool flush, std::function<void()> done);

  bool running(Role role) const noexcept { return role == Role::master ? master_ : backup_; }

 private:
  void start_daemon(Role role);
  void stop_daemon(Role role);
  void linger(std::chrono::milliseconds how_long);
  // After a linger: stop every daemon that the current role does not want.
  void settle();
  static const char* name(Role role) { return role == Role::master ? "master" : "backup"; }

  ipvs::Client& ipvs_;
  std::string instance_;
  std::string interface_;
  std::uint8_t sync_id_;
  SyncLingers lingers_;
  bool master_ = false;
  bool backup_ = false;
  bool cleared_ = false;            // leftovers of a previous tandem stopped
  std::optional<Role> wanted_;      // unset once stopped
  asio::steady_timer timer_;
  std::function<void()> on_stopped_;
  std::shared_ptr<int> life_ = std::make_shared<int>(0);
};

}  // namespace tandem::director
