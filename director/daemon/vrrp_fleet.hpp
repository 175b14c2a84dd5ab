// VrrpFleet: every [[vrrp]] instance of the running config, and the adapters
// they share: one advert socket per interface (packets are handed to the
// instance whose VRID they carry), one rtnetlink editor for the VIPs, one
// rtnetlink monitor for link and address events, one packet socket for
// gratuitous ARP. Created by the daemon only when instances are configured,
// so a config without [[vrrp]] opens none of this, and a VRRP-only config
// never touches IPVS.
//
// Reload (apply): an instance whose settings are unchanged keeps running
// untouched, its state, timers and counters included, so a reload never
// causes a failover. A changed instance is stopped (priority 0, VIPs removed)
// and started again with the new settings; a removed one is stopped. All that
// can fail (an unknown interface, one without IPv4, a socket) is prepared
// before anything changes, so a reload either applies whole or not at all.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/asio.hpp"
#include "common/result.hpp"
#include "conf/config.hpp"
#include "director/daemon/vrrp_instance.hpp"
#include "director/status/snapshot.hpp"

namespace tandem::vrrp::io {
class NetlinkMonitor;
}

namespace tandem::director {

class VrrpFleet {
 public:
  // Opens the shared adapters. `ipvs` may be null (no instance syncs).
  static Result<std::unique_ptr<VrrpFleet>> open(asio::io_context& io, HookRunner& hooks, ipvs::Client* ipvs);
  ~VrrpFleet();
  VrrpFleet(const VrrpFleet&) = delete;
  VrrpFleet& operator=(const VrrpFleet&) = delete;

  // Makes the running instances those of `next`. Returns the errors that
  // stopped it; then nothing changed.
  std::vector<std::string> apply(const std::vector<conf::VrrpInstance>& next);

  // Services below quorum, by name: each instance tracking them lowers its
  // priority (see VrrpInstanceDriver::set_tracked_down).
  void track(const std::set<std::string>& services_below_quorum);

  // Graceful stop of every instance; `done` runs once all have stopped.
  void shutdown(std::function<void()> done);

  std::vector<VrrpStatus> status() const;
  bool empty() const noexcept { return instances_.empty(); }

  struct Link;   // one interface: its info and advert socket (vrrp_fleet.cpp)

 private:
  VrrpFleet(asio::io_context& io, HookRunner& hooks, ipvs::Client* ipvs);
  void on_link_event(int ifindex, bool up);
  void on_address_removed(int ifindex, const Prefix& prefix);
  void on_overrun();
  void receive(Link& link);
  void drop_unused_links();
  void reap_stopped();
  void close_adapters();

  struct Adapters;
  asio::io_context& io_;
  HookRunner& hooks_;
  ipvs::Client* ipvs_;
  std::unique_ptr<Adapters> adapters_;
  std::map<std::string, std::unique_ptr<Link>> links_;                     // by interface name
  std::map<std::string, std::unique_ptr<VrrpInstanceDriver>> instances_;  // by instance name
  std::vector<std::unique_ptr<VrrpInstanceDriver>> retired_;             // stopped, freed later
  std::shared_ptr<int> life_ = std::make_shared<int>(0);
};

}  // namespace tandem::director
