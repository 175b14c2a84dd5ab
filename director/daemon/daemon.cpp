// The daemon's wiring; see daemon.hpp.
#include "director/daemon/daemon.hpp"
#include "director/daemon/daemon_internal.hpp"

#include <grp.h>
#include <unistd.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "conf/load.hpp"
#include "director/cli/build_info.hpp"
#include "director/daemon/loop_worker.hpp"
#include "director/daemon/control_server.hpp"
#include "director/daemon/hook_runner.hpp"
#include "director/daemon/ipvs_worker.hpp"
#include "director/daemon/loop_watch.hpp"
#include "director/daemon/metrics_server.hpp"
#include "director/status/reason_class.hpp"
#include "director/status/render.hpp"
#include "director/daemon/systemd_notifier.hpp"
#include "director/daemon/vrrp_fleet.hpp"
#include "director/desired/check_definition.hpp"
#include "director/desired/desired_table.hpp"
#include "ipvs/state/owned_state_file.hpp"
#include "ipvs/sysctl/vs_sysctl.hpp"

namespace tandem::director {

namespace {

// Config reads and renders: below the loop, like the IPVS worker.
constexpr int kBackgroundNice = 10;

policy::Health from_checks(checks::Health h) {
  return h == checks::Health::up ? policy::Health::up : policy::Health::down;
}

// Connection sync drives the kernel's IPVS sync daemon, so it needs IPVS even
// in a config without services.
bool needs_ipvs_for_sync(const conf::Config& c) {
  return std::any_of(c.vrrp.begin(), c.vrrp.end(), [](const conf::VrrpInstance& v) { return !v.sync_interface.empty(); });
}

// director.name's default.
std::string host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "-";
  return name;
}

std::string parent_of(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
}

}  // namespace

Daemon::Daemon(asio::io_context& io, DaemonOptions options)
    : io_(io),
      options_(std::move(options)),
      curl_(io),
      reconcile_timer_(io),
      signals_(io, SIGHUP, SIGTERM, SIGINT) {}

Daemon::~Daemon() = default;

std::optional<std::string> Daemon::start() {
  auto loaded = conf::load_file(options_.config_path);
  if (!loaded.config) {
    std::string msg = fmt::format("{}: invalid configuration, not starting:", options_.config_path);
    for (const auto& e : loaded.errors) msg += "\n  " + e.to_string();
    return msg;
  }
  conf::Config config = std::move(*loaded.config);
  systemd_ = std::make_unique<SystemdNotifier>(io_);
  // systemd's StateDirectory= and RuntimeDirectory= make these; by hand, we do.
  for (const std::string& dir : {config.director.state_dir, parent_of(config.director.control_socket)}) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return fmt::format("cannot create {}: {}", dir, ec.message());
  }

  if (!config.services.empty()) {
    if (auto err = open_ipvs(config.director)) return *err;
  }
  if (needs_ipvs_for_sync(config)) {
    if (auto err = open_sync_ipvs()) return *err;
  }

  hooks_ = std::make_unique<HookRunner>(io_, curl_, config.director.check_user);
  checks::CheckRunner::Options ro;
  ro.max_concurrent = config.director.max_concurrent_probes;
  ro.on_transition = [this](const checks::ServerTransition& t) { on_transition(t); };
  ro.on_run = [this](const checks::ProbeRun& r) { on_probe_run(r); };
  runner_ = std::make_unique<checks::CheckRunner>(io_, curl_, std::move(ro));

  config_.director = config.director;  // state_dir for the manual overrides
  load_manual_overrides();
  apply_config(std::move(config));
  config_loaded_at_ = std::chrono::system_clock::now();
  runner_->start();
  // Settling counts from the first probes: opening IPVS and the state files
  // can take a while (seconds on a slow kernel), and none of it is check time.
  const TimePoint checks_started = Clock::now();
  for (const auto& s : config_.services) begin_settling(s, checks_started);

  background_ = std::make_unique<LoopWorker>(io_, kBackgroundNice);
  control_ = std::make_unique<ControlServer>(
      io_, [this](const control::Request& r, ControlServer::Respond respond) { handle(r, std::move(respond)); });
  std::optional<gid_t> group;
  mode_t mode = 0600;
  if (!config_.director.control_socket_group.empty()) {
    const ::group* g = ::getgrnam(config_.director.control_socket_group.c_str());
    if (!g) return fmt::format("control_socket_group: no such group \"{}\"", config_.director.control_socket_group);
    group = g->gr_gid;
    mode = 0660;  // the group may read status and drain, as root can
  }
  if (auto err = control_->listen(config_.director.control_socket, mode, group)) {
    return fmt::format("control socket {}: {}", config_.director.control_socket, err.message());
  }
  if (config_.director.metrics_listen) {
    metrics_ = std::make_unique<MetricsServer>(io_, [this](MetricsServer::Deliver deliver) {
      auto snap = std::make_shared<Snapshot>(snapshot());
      background_->submit([snap, deliver = std::move(deliver)]() -> LoopWorker::Completion {
        auto body = std::make_shared<std::string>(render_metrics(*snap));
        return [body, deliver] { deliver(std::move(*body)); };
      });
    });
    if (auto err = metrics_->listen(*config_.director.metrics_listen)) {
      return fmt::format("metrics endpoint {}: {}", config_.director.metrics_listen->to_string(), err.message());
    }
  }
  if (!config_.vrrp.empty()) {
    auto fleet = VrrpFleet::open(io_, *hooks_, sync_ipvs_.get());
    if (!fleet) return fmt::format("cannot start VRRP: {}", fleet.error().message());
    vrrp_ = std::move(fleet.value());
    if (auto errors = vrrp_->apply(config_.vrrp); !errors.empty()) {
      std::string msg = "cannot start VRRP:";
      for (const auto& e : errors) msg += "\n  " + e;
      return msg;
    }
  }
  wait_signals();
  loop_watch_ = std::make_unique<LoopWatch>(io_);
  loop_watch_->start();
  reconcile();
  spdlog::info("tandem {} running: {}", cli::kVersion, status_line());
  return std::nullopt;
}

std::optional<std::string> Daemon::open_ipvs(const conf::DirectorSettings& director) {
  auto client = ipvs::Client::open();
  if (!client) return fmt::format("cannot open IPVS: {}", client.error().message());
  if (auto err = ipvs::apply_quiesce_sysctls({director.expire_quiescent_template, director.expire_nodest_conn})) {
    spdlog::warn("cannot set {}: {}", err->path, err->code.message());
  }
  const std::string owned_path = path_in(director.state_dir, ipvs::kOwnedStateFileName);
  auto owned = ipvs::load_owned_set(owned_path);
  if (!owned) return fmt::format("{}: {}", owned_path, owned.error().message());
  // Read once here, on the loop, before anything runs: real servers the
  // kernel already serves start with the weight it has (no flap).
  auto dumped = client.value().dump();
  if (!dumped) return fmt::format("cannot read the IPVS table: {}", dumped.error().message());
  owned_ = owned.value();
  actual_ = std::move(dumped.value());
  ipvs_ = std::make_unique<IpvsWorker>(io_, std::move(client.value()));
  return std::nullopt;
}

std::optional<std::string> Daemon::open_sync_ipvs() {
  // A client of its own: the sync daemon follows VRRP state changes on the
  // loop, one request at a time, while the worker's client may be busy.
  auto client = ipvs::Client::open();
  if (!client) return fmt::format("cannot open IPVS for connection sync: {}", client.error().message());
  sync_ipvs_ = std::make_unique<ipvs::Client>(std::move(client.value()));
  return std::nullopt;
}

// ---------------------------------------------------------------------------
// Configuration

void Daemon::add_real(const conf::Service& service, const conf::RealServer& real) {
  const RealKey key{service.name, real.address};
  auto entry = std::make_unique<RealEntry>();
  entry->id = next_id_++;
  entry->config = real;
  for (const auto& spec : real.checks) entry->checks.push_back(desired::to_check_definition(spec, config_.director.check_user));
  // No flap at start-up or reload: a destination the kernel already serves
  // with a weight starts "up", so it keeps its weight until `fall` failures
  // say otherwise; one at weight 0 starts "down" and needs `rise` successes.
  const auto skey = desired::service_key(service);
  if (const auto s = actual_.services.find(skey); s != actual_.services.end()) {
    if (const auto d = s->second.destinations.find(real.address); d != s->second.destinations.end()) {
      for (auto& c : entry->checks) c.initial = d->second.config.weight > 0 ? checks::Health::up : checks::Health::down;
    }
  }
  for (std::size_t i = 0; i < entry->checks.size(); ++i) {
    CheckStatus cs;
    cs.label = checks::describe(entry->checks[i]);
    cs.kind = checks::to_string(entry->checks[i].kind);
    cs.up = entry->checks[i].initial == checks::Health::up;
    entry->check_status.push_back(cs);
    check_index_[{real.address, entry->checks[i]}].emplace_back(key, i);
  }
  entry->runs.assign(entry->checks.size(), 0);
  if (auto ec = runner_->add_server(entry->id, real.address, entry->checks)) {
    // The config validated, so this is a runtime refusal (an exec program
    // that others can write, an unknown user): the server stays down.
    spdlog::error("service {} real {}: checks not started: {}", service.name, real.address, ec.message());
    entry->health = policy::Health::down;
    entry->checks_running = false;
    entry->reason = "checks not started: " + ec.message();
    entry->down_since = Clock::now();
  } else {
    const auto h = runner_->health(entry->id);
    entry->health = h ? from_checks(*h) : policy::Health::up;
  }
  entry->since = std::chrono::system_clock::now();
  ids_[entry->id] = key;
  reals_[key] = std::move(entry);
}

// How long `rise` results of every check take: the first probe lands within
// one interval (start times are spread), each may take its timeout; one
// interval more for a probe slot lost to a busy loop.
Duration Daemon::settle_time(const conf::Service& s) {
  Duration settle{0};
  for (const auto& r : s.reals)
    for (const auto& c : r.checks) settle = std::max(settle, Duration{c.interval * (c.rise + 1) + c.timeout});
  return settle;
}

void Daemon::begin_settling(const conf::Service& s, TimePoint from) {
  Settling settling{from + 3 * settle_time(s), {}};
  for (const auto& r : s.reals)
    if (!reals_.at({s.name, r.address})->has_verdict()) settling.waiting.insert(r.address);
  if (settling.waiting.empty()) {
    settling_.erase(s.name);
    return;
  }
  settling_[s.name] = std::move(settling);
}

void Daemon::settle_if_judged(const RealKey& key) {
  const auto it = settling_.find(key.service);
  if (it == settling_.end() || !it->second.waiting.count(key.address)) return;
  if (!reals_.at(key)->has_verdict()) return;
  it->second.waiting.erase(key.address);
  if (!it->second.waiting.empty()) return;
  settling_.erase(it);
  spdlog::debug("service {}: every real server has a verdict; judging its quorum", key.service);
  request_reconcile();
}

void Daemon::apply_config(conf::Config next) {
  // Real servers that stay, with identical checks, keep their entry: health,
  // counters and timers carry over. Others are removed or replaced.
  std::set<RealKey> wanted;
  for (const auto& s : next.services)
    for (const auto& r : s.reals) wanted.insert({s.name, r.address});
  std::set<std::string> next_services;
  for (const auto& s : next.services) next_services.insert(s.name);

  const TimePoint now = Clock::now();
  for (auto it = reals_.begin(); it != reals_.end();) {
    const RealKey& key = it->first;
    bool keep = wanted.count(key) > 0;
    if (keep) {
      // Same checks? Compare the translated definitions of the new config.
      for (const auto& s : next.services) {
        if (s.name != key.service) continue;
        for (const auto& r : s.reals) {
          if (r.address != key.address) continue;
          std::vector<checks::CheckDefinition> defs;
          for (const auto& spec : r.checks) defs.push_back(desired::to_check_definition(spec, next.director.check_user));
          auto strip = [](std::vector<checks::CheckDefinition> v) {
            for (auto& d : v) d.initial = checks::Health::down;
            return v;
          };
          if (strip(defs) != strip(it->second->checks)) keep = false;
          else it->second->config = r;  // weight, thresholds, on_failure may change freely
        }
      }
    }
    if (keep) {
      ++it;
      continue;
    }
    runner_->remove_server(it->second->id);
    ids_.erase(it->second->id);
    for (std::size_t i = 0; i < it->second->checks.size(); ++i) {
      auto& users = check_index_[{key.address, it->second->checks[i]}];
      users.erase(std::remove(users.begin(), users.end(), std::pair{key, i}), users.end());
      if (users.empty()) check_index_.erase({key.address, it->second->checks[i]});
    }
    // A server leaving a service that stays is drained before deletion;
    // a whole service that goes is deleted with its destinations.
    if (!wanted.count(key) && next_services.count(key.service)) leaving_.push_back({key.service, key.address, now});
    it = reals_.erase(it);
  }
  // A server that comes back while it was draining out is simply back.
  leaving_.erase(std::remove_if(leaving_.begin(), leaving_.end(),
                                [&](const Leaving& l) { return wanted.count({l.service, l.address}) > 0; }),
                 leaving_.end());

  std::set<std::string> previous_services;
  for (const auto& s : config_.services) previous_services.insert(s.name);
  config_ = std::move(next);
  director_name_ = config_.director.name.empty() ? host_name() : config_.director.name;
  for (const auto& s : config_.services) {
    for (const auto& r : s.reals)
      if (!reals_.count({s.name, r.address})) add_real(s, r);
    if (previous_services.count(s.name)) continue;  // judged already
    begin_settling(s, now);
  }
  for (auto it = quorum_.begin(); it != quorum_.end();)
    it = next_services.count(it->first) ? std::next(it) : quorum_.erase(it);
  // A service still settling stops waiting for servers the reload removed.
  for (auto it = settling_.begin(); it != settling_.end();) {
    auto& waiting = it->second.waiting;
    for (auto w = waiting.begin(); w != waiting.end();) w = wanted.count({it->first, *w}) ? std::next(w) : waiting.erase(w);
    it = next_services.count(it->first) && !waiting.empty() ? std::next(it) : settling_.erase(it);
  }
}

void Daemon::reload(ReloadDone done) {
  if (stopping_) {
    if (done) done({"tandem is shutting down"});
    return;
  }
  if (reload_reading_) {
    // The file may have changed again since the read in progress began.
    if (done) next_reload_waiters_.push_back(std::move(done));
    reload_again_ = true;
    return;
  }
  if (done) reload_waiters_.push_back(std::move(done));
  start_reload();
}

void Daemon::start_reload() {
  reload_started_ = Clock::now();
  last_reload_attempt_ = std::chrono::system_clock::now();
  if (systemd_) systemd_->reloading();
  reload_reading_ = true;
  background_->submit([this, path = options_.config_path]() -> LoopWorker::Completion {
    // A thousand services: 12 ms on a warm heap, 400 ms measured in UML on a cold one.
    auto loaded = std::make_shared<conf::LoadResult>(conf::load_file(path));
    return [this, loaded] { finish_reload_read(std::move(*loaded)); };
  });
}

void Daemon::finish_reload_read(conf::LoadResult loaded) {
  reload_reading_ = false;
  if (stopping_) {
    const std::vector<std::string> errors{"tandem is shutting down"};
    for (auto& waiter : std::exchange(reload_waiters_, {})) waiter(errors);
    for (auto& waiter : std::exchange(next_reload_waiters_, {})) waiter(errors);
    return;
  }
  const auto errors = finish_reload(std::move(loaded));
  for (auto& waiter : std::exchange(reload_waiters_, {})) waiter(errors);
  if (reload_again_) {
    reload_again_ = false;
    reload_waiters_ = std::exchange(next_reload_waiters_, {});
    start_reload();
  }
}

std::vector<std::string> Daemon::finish_reload(conf::LoadResult loaded) {
  const TimePoint read_at = Clock::now();
  if (!loaded.config) {
    reload_errors_.clear();
    for (const auto& e : loaded.errors) reload_errors_.push_back(e.to_string());
    spdlog::error("reload of {} failed, still running the previous config:", options_.config_path);
    for (const auto& e : reload_errors_) spdlog::error("  {}", e);
    if (systemd_) systemd_->ready(status_line());
    return reload_errors_;
  }
  std::optional<std::string> open_error;
  if (!ipvs_ && !loaded.config->services.empty()) open_error = open_ipvs(loaded.config->director);
  if (!open_error && !sync_ipvs_ && needs_ipvs_for_sync(*loaded.config)) open_error = open_sync_ipvs();
  if (open_error) {
    reload_errors_ = {*open_error};
    spdlog::error("reload of {} failed, still running the previous config: {}", options_.config_path, *open_error);
    if (systemd_) systemd_->ready(status_line());
    return reload_errors_;
  }
  // VRRP first: it is the part that can still refuse (an interface that is
  // not there), and a refused reload must leave everything as it was.
  if (!loaded.config->vrrp.empty() && !vrrp_) {
    auto fleet = VrrpFleet::open(io_, *hooks_, sync_ipvs_.get());
    if (!fleet) {
      reload_errors_ = {fmt::format("cannot start VRRP: {}", fleet.error().message())};
      if (systemd_) systemd_->ready(status_line());
      return reload_errors_;
    }
    vrrp_ = std::move(fleet.value());
  }
  if (vrrp_) {
    if (auto errors = vrrp_->apply(loaded.config->vrrp); !errors.empty()) {
      reload_errors_ = errors;
      spdlog::error("reload of {} failed, still running the previous config:", options_.config_path);
      for (const auto& e : reload_errors_) spdlog::error("  {}", e);
      if (systemd_) systemd_->ready(status_line());
      return reload_errors_;
    }
  }
  reload_errors_.clear();
  apply_config(std::move(*loaded.config));
  config_loaded_at_ = std::chrono::system_clock::now();
  reconcile();  // IPVS changes follow on the worker thread
  spdlog::info("reloaded {} in {} ms ({} ms on the event loop): {}", options_.config_path,
               ms_between(reload_started_, Clock::now()), ms_between(read_at, Clock::now()), status_line());
  if (systemd_) systemd_->ready(status_line());
  return {};
}

// ---------------------------------------------------------------------------
// Health

void Daemon::on_transition(const checks::ServerTransition& t) {
  const auto id = ids_.find(t.server);
  if (id == ids_.end()) return;
  RealEntry& e = *reals_.at(id->second);
  const TimePoint now = Clock::now();
  e.health = from_checks(t.to);
  e.reason = t.reason;
  e.since = std::chrono::system_clock::now();
  if (e.health == policy::Health::up) {
    e.up_since = now;
    e.down_since.reset();
  } else {
    e.down_since = now;
    e.up_since.reset();
  }
  const std::string to = checks::to_string(t.to);
  ++e.transitions[{reason_class(t.reason), to}];
  const auto level = e.health == policy::Health::up ? spdlog::level::info : spdlog::level::warn;
  spdlog::log(level, "service {} real {}: {} -> {}: {}", id->second.service, id->second.address,
              checks::to_string(t.from), to, t.reason);
  settle_if_judged(id->second);
  request_reconcile();
}

void Daemon::on_probe_run(const checks::ProbeRun& run) {
  const auto it = check_index_.find({run.real, run.definition});
  if (it == check_index_.end()) return;
  const double seconds = std::chrono::duration<double>(run.finished - run.started).count();
  for (const auto& [key, index] : it->second) {
    const auto e = reals_.find(key);
    if (e == reals_.end() || index >= e->second->check_status.size()) continue;
    CheckStatus& cs = e->second->check_status[index];
    cs.durations.observe(seconds);
    cs.last_reason = run.result.reason;
    cs.up = run.result.ok;
    auto& runs = e->second->runs[index];
    if (runs < UINT32_MAX) ++runs;
    settle_if_judged(key);
  }
}

// ---------------------------------------------------------------------------
// Signals and shutdown

void Daemon::wait_signals() {
  signals_.async_wait([this](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    if (signo == SIGHUP) {
      spdlog::info("SIGHUP: reloading {}", options_.config_path);
      reload(nullptr);
      wait_signals();
      return;
    }
    spdlog::info("{}: shutting down", signo == SIGTERM ? "SIGTERM" : "SIGINT");
    shutdown();
  });
}

void Daemon::shutdown() {
  if (stopping_) return;
  stopping_ = true;
  if (systemd_) systemd_->stopping();
  if (ipvs_ && !config_.director.cleanup_on_shutdown) {
    spdlog::info("leaving the IPVS table as it is (traffic keeps flowing)");
  }
  if (runner_) runner_->stop();
  if (loop_watch_) loop_watch_->stop();
  reconcile_timer_.cancel();
  signals_.cancel();
  if (control_) control_->stop();
  if (metrics_) metrics_->stop();
  // A master hands its VIPs over before it lets go of them (priority 0, then
  // the new master's advert, bounded by the master-down interval): the loop
  // keeps running until then.
  if (vrrp_) vrrp_->shutdown([this] { finish_shutdown(); });
  else finish_shutdown();
}

void Daemon::remove_owned_services() {
  // After the pass in flight, if any: its owned set is the one to clean up.
  ipvs::Client& client = ipvs_->stop();
  const std::string owned_path = path_in(config_.director.state_dir, ipvs::kOwnedStateFileName);
  if (auto owned = ipvs::load_owned_set(owned_path)) owned_ = owned.value();
  std::vector<ipvs::Op> ops;
  if (auto dumped = client.dump()) {
    for (const auto& [key, svc] : dumped.value().services)
      if (owned_.count(key)) ops.push_back(ipvs::DeleteService{key});
  }
  const auto report = client.apply_all(ops);
  for (const auto& f : report.failures) spdlog::error("IPVS: {}", f.message);
  spdlog::info("removed {} owned IPVS service(s)", ops.size() - report.failures.size());
  if (report.ok()) {
    owned_.clear();
    if (auto ec = ipvs::save_owned_set(owned_path, owned_)) spdlog::error("{}: {}", owned_path, ec.message());
  }
}

void Daemon::finish_shutdown() {
  // Only once VRRP has handed the VIPs over: a master that deleted its
  // services first would drop traffic while it still held the VIPs.
  if (ipvs_ && config_.director.cleanup_on_shutdown) remove_owned_services();
  if (hooks_) hooks_->stop();
  if (systemd_) systemd_->stop();
}

}  // namespace tandem::director
