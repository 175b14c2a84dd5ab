// Daemon: `tandem run`. The one place that wires the modules together on one
// io_context: the configuration, the health checks, the weight policy, the
// IPVS reconciler, the VRRP instances, the control socket, the metrics
// endpoint and systemd.
//
//   check transitions --> health board --> weight policy --> desired table
//                                                                 |
//   reconcile timer / transition / reload / control request -->  plan --> IPVS
//
// Reconciling is level-triggered: every pass dumps the kernel table, computes
// the whole desired table and applies the difference, so a failed write or a
// hand edit is repaired on the next pass, and a pass with nothing to do sends
// no netlink write at all.
//
// VRRP (VrrpFleet) runs on the same loop; the daemon feeds it the services
// below quorum after every reconcile (tracking) and, on SIGTERM, waits for
// its graceful handover before it stops.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "checks/probes/curl_multi.hpp"
#include "checks/runner/runner.hpp"
#include "common/asio.hpp"
#include "conf/config.hpp"
#include "conf/load.hpp"
#include "director/control/protocol.hpp"
#include "director/policy/manual_overrides.hpp"
#include "director/policy/quorum_watch.hpp"
#include "director/policy/weight_policy.hpp"
#include "director/status/snapshot.hpp"
#include "ipvs/netlink/client.hpp"

namespace tandem::director {

class ControlServer;
class MetricsServer;
class SystemdNotifier;
class HookRunner;
class VrrpFleet;
class IpvsWorker;
class LoopWatch;
class LoopWorker;
struct IpvsPass;

struct DaemonOptions {
  std::string config_path;
  std::optional<std::string> log_level;  // --log-level, wins over the config
};

class Daemon {
 public:
  Daemon(asio::io_context& io, DaemonOptions options);
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Loads the config, opens IPVS (only when services are configured), starts
  // checks, the control socket, metrics and signal handling, and runs the
  // first reconcile. Returns a message saying what failed; nothing keeps
  // running then.
  std::optional<std::string> start();

  // Re-reads the config file (on the background worker), then `done`
  // runs on the loop with the errors. Invalid: nothing changes, the errors are
  // shown in status. Valid (no errors): only the difference is applied.
  // Requests during a read are answered by one more read after it.
  using ReloadDone = std::function<void(const std::vector<std::string>& errors)>;
  void reload(ReloadDone done);

  // Stops everything; with director.cleanup_on_shutdown, deletes the IPVS
  // services tandem owns first. The io_context then runs out of work.
  void shutdown();

  Snapshot snapshot() const;
  // Answers a control request through `respond` (at once, or after a reload).
  void handle(const control::Request& request, std::function<void(control::Reply)> respond);

 private:
  struct RealKey {
    std::string service;
    Endpoint address;
    auto operator<=>(const RealKey&) const = default;
  };
  struct RealEntry;
  struct Leaving {
    std::string service;
    Endpoint address;
    TimePoint since;
  };

  void start_reload();
  void finish_reload_read(conf::LoadResult loaded);
  std::vector<std::string> finish_reload(conf::LoadResult loaded);
  control::Reply handle_now(const control::Request& request);
  void apply_config(conf::Config next);
  static Duration settle_time(const conf::Service& s);
  void begin_settling(const conf::Service& s, TimePoint from);
  void settle_if_judged(const RealKey& key);
  void add_real(const conf::Service& service, const conf::RealServer& real);
  void on_transition(const checks::ServerTransition& t);
  void on_probe_run(const checks::ProbeRun& run);
  std::optional<std::string> open_ipvs(const conf::DirectorSettings& director);
  std::optional<std::string> open_sync_ipvs();
  void request_reconcile();
  void reconcile();
  void finish_ipvs_pass(IpvsPass pass, TimePoint started, std::optional<TimePoint> next);
  void finish_reconcile(TimePoint started, std::optional<TimePoint> next, bool succeeded);
  void arm_reconcile(TimePoint when);
  void load_manual_overrides();
  void save_manual_overrides();
  void wait_signals();
  void track_quorum_in_vrrp();
  void finish_shutdown();
  void remove_owned_services();  // director.cleanup_on_shutdown
  std::string status_line() const;

  asio::io_context& io_;
  DaemonOptions options_;
  conf::Config config_;
  std::string director_name_;  // director.name, or the host name
  std::optional<WallTime> config_loaded_at_;
  std::vector<std::string> reload_errors_;
  // Config reads and status/metrics rendering, off the loop (loop_worker.hpp).
  std::unique_ptr<LoopWorker> background_;
  bool reload_reading_ = false;
  std::vector<ReloadDone> reload_waiters_;       // of the read in progress
  std::vector<ReloadDone> next_reload_waiters_;  // asked for during it: one more read
  bool reload_again_ = false;
  TimePoint reload_started_{};
  std::optional<WallTime> last_reload_attempt_;

  checks::CurlMulti curl_;
  std::unique_ptr<checks::CheckRunner> runner_;
  checks::ServerId next_id_ = 1;
  std::map<RealKey, std::unique_ptr<RealEntry>> reals_;
  std::map<checks::ServerId, RealKey> ids_;
  // (probe target, definition) -> the (real, check index) pairs it feeds, for
  // per-check status and duration histograms.
  std::map<std::pair<Endpoint, checks::CheckDefinition>, std::vector<std::pair<RealKey, std::size_t>>> check_index_;
  std::vector<Leaving> leaving_;
  policy::ManualOverrides manual_;
  std::map<std::string, policy::QuorumWatch> quorum_;
  // A new service's real servers start "down" until their first checks pass,
  // so its quorum is not judged (no sorry server, no hooks, no VRRP priority
  // drop) until every real server has a verdict: `rise` results of each of
  // its checks, or up already. A fresh start then pages nobody, however slow
  // the first probes are. The deadline is a backstop for probes that never
  // report (three times the time `rise` results take).
  struct Settling {
    TimePoint deadline;
    std::set<Endpoint> waiting;  // real servers without a verdict yet
  };
  std::map<std::string, Settling> settling_;
  std::map<std::string, policy::ServiceOutcome> outcomes_;

  // IPVS, only with services: its netlink traffic runs on the worker's thread,
  // one pass at a time (see ipvs_worker.hpp).
  std::unique_ptr<IpvsWorker> ipvs_;
  std::unique_ptr<ipvs::Client> sync_ipvs_;  // the connection-sync daemon's, for VRRP
  ipvs::OwnedSet owned_;
  ipvs::Table actual_;  // the last reading, with the last pass's changes applied
  ReconcileStatus reconcile_status_;
  bool ipvs_pass_running_ = false;
  bool reconcile_again_ = false;  // asked for while a pass was running
  bool reconcile_posted_ = false;
  bool ready_sent_ = false;
  bool stopping_ = false;
  asio::steady_timer reconcile_timer_;
  asio::signal_set signals_;

  std::unique_ptr<HookRunner> hooks_;
  std::unique_ptr<ControlServer> control_;
  std::unique_ptr<MetricsServer> metrics_;
  std::unique_ptr<SystemdNotifier> systemd_;
  std::unique_ptr<LoopWatch> loop_watch_;
  std::unique_ptr<VrrpFleet> vrrp_;   // only with [[vrrp]] instances
};

}  // namespace tandem::director
