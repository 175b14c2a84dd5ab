// VrrpInstanceDriver: one [[vrrp]] instance running on the daemon's loop.
// It owns the pure vrrp::Machine and carries out the Actions the machine
// returns, through the adapters the VrrpFleet shares among instances:
//
//   packet from the link --decode, validate--> Machine::on_advert
//   machine timer (one steady_timer, armed to Machine::deadline())
//   link up/down, VIP removed by someone else   (rtnetlink, via the fleet)
//   tracked services below quorum               (the daemon, via the fleet)
//        |
//        v  Actions, in order: VIPs (rtnetlink), gratuitous ARP burst,
//           advert (raw socket), then the transition: log, notify hook,
//           IPVS connection-sync role (SyncFollower).
//
// Rejected packets are counted by reason (the metric) and logged at most
// once per reason every ten seconds, so a misconfigured neighbour cannot
// flood the log.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/asio.hpp"
#include "conf/config.hpp"
#include "director/daemon/sync_follower.hpp"
#include "director/status/snapshot.hpp"
#include "vrrp/codec/validate.hpp"
#include "vrrp/io/interface.hpp"
#include "vrrp/machine/machine.hpp"

namespace tandem::ipvs {
class Client;
}
namespace tandem::vrrp::io {
class AdvertSocket;
class AddressEditor;
class GarpSender;
}  // namespace tandem::vrrp::io

namespace tandem::director {

class HookRunner;

// The adapters an instance acts through; owned by the VrrpFleet, which
// outlives its instances.
struct VrrpPorts {
  vrrp::io::AdvertSocket* socket = nullptr;
  vrrp::io::AddressEditor* addresses = nullptr;
  vrrp::io::GarpSender* garp = nullptr;
  HookRunner* hooks = nullptr;
  ipvs::Client* ipvs = nullptr;   // null unless the instance sets sync_interface
};

class VrrpInstanceDriver {
 public:
  VrrpInstanceDriver(asio::io_context& io, conf::VrrpInstance config, vrrp::io::InterfaceInfo link,
                     VrrpPorts ports);
  ~VrrpInstanceDriver();
  VrrpInstanceDriver(const VrrpInstanceDriver&) = delete;
  VrrpInstanceDriver& operator=(const VrrpInstanceDriver&) = delete;

  // Leaves Initialize (RFC 5798 6.4.1), or enters Fault when the link is
  // down. VIPs of ours left on the interface by a crashed predecessor are
  // removed unless this instance becomes master at once.
  void start();

  // A whole IPv4 datagram of protocol 112 whose VRID is ours.
  void on_packet(std::span<const std::uint8_t> ip_packet);
  void on_link(bool up);
  // One of our VIPs disappeared from the interface. A master puts it back.
  void on_address_removed(const Prefix& prefix);
  // rtnetlink lost events (ENOBUFS): re-check that a master holds its VIPs.
  void resync();
  // Tracking: priority -= track_decrement for each tracked service that is
  // below quorum, never below 1.
  void set_tracked_down(std::size_t services_below_quorum);

  // A reload with the same protocol settings: takes the new tracking,
  // notify and gratuitous-ARP settings without touching the state.
  void update(const conf::VrrpInstance& config);

  // Graceful stop (Machine::on_shutdown): a master sends priority 0 and keeps
  // its VIPs until the new master is heard, bounded. `done` runs once, when
  // the instance has stopped; it may destroy this object.
  void shutdown(std::function<void()> done);
  // Stops at once: a master sends priority 0 and removes its VIPs now. For an
  // instance that a reload changes or removes and for the end of a graceful
  // stop that ran out of time.
  void stop_now();

  const conf::VrrpInstance& config() const noexcept { return config_; }
  int ifindex() const noexcept { return link_.index; }
  vrrp::State state() const noexcept { return machine_.state(); }
  bool stopped() const noexcept { return stopped_; }
  VrrpStatus status() const;

 private:
  struct RejectLog {
    std::uint64_t count = 0;
    std::uint64_t unlogged = 0;
    std::optional<TimePoint> logged_at;
  };

  void perform(vrrp::Actions actions, TimePoint now);
  void arm_timer();
  void send_advert(const vrrp::Advert& advert);
  void set_vips(bool present);
  void start_garp_burst();
  void send_garp_round();
  void on_transition(const vrrp::Transition& t, TimePoint now);
  void run_notify(const std::string& to, const std::string& from);
  void follow_with_sync(vrrp::State state);
  // The instance has stopped: log, notify, then `on_stopped_` (after the sync
  // master's flush when `flush_sync`).
  void finish_stop(vrrp::State last, bool flush_sync);
  void reject(const std::error_code& ec, const std::string& source);
  // Handlers check this token so none touches a destroyed driver.
  std::weak_ptr<int> life() const { return life_; }

  asio::io_context& io_;
  conf::VrrpInstance config_;
  vrrp::io::InterfaceInfo link_;
  VrrpPorts ports_;
  vrrp::Machine machine_;
  vrrp::Expectations expect_;
  vrrp::ChecksumMode checksum_;
  asio::steady_timer timer_;
  asio::steady_timer garp_timer_;
  std::uint32_t garp_left_ = 0;
  std::shared_ptr<int> life_ = std::make_shared<int>(0);
  std::function<void()> on_stopped_;
  bool stopped_ = false;
  std::unique_ptr<SyncFollower> sync_;   // set when the instance has sync_interface

  std::optional<WallTime> since_;
  std::uint64_t adverts_sent_ = 0;
  std::uint64_t adverts_received_ = 0;
  std::uint64_t send_errors_ = 0;
  std::map<std::string, RejectLog> rejects_;   // by reason_name
};

}  // namespace tandem::director
