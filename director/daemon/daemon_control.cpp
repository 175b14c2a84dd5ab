// The daemon's control requests, manual overrides and status; see daemon.hpp.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/atomic_file.hpp"
#include "director/cli/build_info.hpp"
#include "director/daemon/daemon_internal.hpp"
#include "director/daemon/loop_watch.hpp"
#include "director/daemon/loop_worker.hpp"
#include "director/daemon/vrrp_fleet.hpp"
#include "director/desired/desired_table.hpp"
#include "director/status/reason_class.hpp"
#include "director/status/render.hpp"

namespace tandem::director {

// ---------------------------------------------------------------------------
// Manual overrides

void Daemon::load_manual_overrides() {
  const std::string path = path_in(config_.director.state_dir, policy::kManualStateFileName);
  auto text = read_file_if_exists(path);
  if (!text) {
    spdlog::error("{}: {}; starting without manual overrides", path, text.error().message());
    return;
  }
  if (!text.value()) return;
  std::size_t bad = 0;
  auto parsed = policy::parse_manual_overrides(*text.value(), &bad);
  if (!parsed) {
    spdlog::error("{}:{}: malformed line; starting without manual overrides", path, bad);
    return;
  }
  manual_ = std::move(*parsed);
}

void Daemon::save_manual_overrides() {
  const std::string path = path_in(config_.director.state_dir, policy::kManualStateFileName);
  if (auto ec = write_file_atomically(path, policy::format_manual_overrides(manual_), 0600))
    spdlog::error("{}: {}", path, ec.message());
}

void Daemon::handle(const control::Request& request, std::function<void(control::Reply)> respond) {
  if (const auto* status = std::get_if<control::StatusRequest>(&request)) {
    // The snapshot on the loop, the rendering (330 ms of JSON for ten
    // thousand real servers on a host) on the background worker.
    auto snap = std::make_shared<Snapshot>(snapshot());
    background_->submit([snap, json = status->json, respond = std::move(respond)]() -> LoopWorker::Completion {
      auto text = std::make_shared<std::string>(json ? render_status_json(*snap)
                                                     : render_status_text(*snap, std::chrono::system_clock::now()));
      return [text, respond] { respond({true, std::move(*text)}); };
    });
    return;
  }
  if (!std::holds_alternative<control::ReloadRequest>(request)) {
    respond(handle_now(request));
    return;
  }
  reload([this, respond = std::move(respond)](const std::vector<std::string>& errors) {
    if (errors.empty()) {
      respond({true, fmt::format("reloaded {}\n", options_.config_path)});
      return;
    }
    std::string text = fmt::format("{} is invalid; still running the previous config:\n", options_.config_path);
    for (const auto& e : errors) text += "  " + e + "\n";
    respond({false, text});
  });
}

control::Reply Daemon::handle_now(const control::Request& request) {
  // drain / undrain / set-weight name a configured real server.
  std::string service;
  Endpoint real;
  if (const auto* d = std::get_if<control::DrainRequest>(&request)) {
    service = d->service;
    real = d->real;
  } else {
    const auto& w = std::get<control::SetWeightRequest>(request);
    service = w.service;
    real = w.real;
  }
  if (!reals_.count({service, real})) {
    return {false, fmt::format("service \"{}\" has no real server {}", service, real)};
  }
  auto& o = manual_[{service, real}];
  std::string what;
  if (const auto* d = std::get_if<control::DrainRequest>(&request)) {
    o.drained = d->drain;
    what = d->drain ? "drained" : "undrained";
  } else {
    o.weight = std::get<control::SetWeightRequest>(request).weight;
    what = o.weight ? fmt::format("weight set to {}", *o.weight) : "weight back to configured";
  }
  if (o.empty()) manual_.erase({service, real});
  save_manual_overrides();
  spdlog::info("service {} real {}: {} (manual)", service, real, what);
  reconcile();
  return {true, fmt::format("service {} real {}: {}\n", service, real, what)};
}

std::string Daemon::status_line() const {
  std::size_t reals = 0, up = 0;
  for (const auto& [key, e] : reals_) {
    ++reals;
    if (e->health == policy::Health::up) ++up;
  }
  std::size_t lost = 0;
  for (const auto& [name, o] : outcomes_)
    if (!o.quorum_met) ++lost;
  std::string vrrp;
  if (vrrp_)
    for (const auto& v : vrrp_->status()) vrrp += fmt::format(", vrrp {} {}", v.name, v.state);
  return fmt::format("{} service(s), {}/{} real servers up{}{}{}", config_.services.size(), up, reals,
                     lost ? fmt::format(", {} below quorum", lost) : "", vrrp,
                     reload_errors_.empty() ? "" : ", last reload FAILED");
}

Snapshot Daemon::snapshot() const {
  Snapshot s;
  s.director = director_name_;
  s.version = cli::kVersion;
  s.config_file = options_.config_path;
  s.config_loaded_at = config_loaded_at_;
  s.reload_errors = reload_errors_;
  s.last_reload_attempt = last_reload_attempt_;
  s.reconcile = reconcile_status_;
  if (loop_watch_) s.loop = loop_watch_->status();
  if (vrrp_) s.vrrp = vrrp_->status();
  for (const auto& svc : config_.services) {
    ServiceStatus ss;
    ss.name = svc.name;
    const auto skey = desired::service_key(svc);
    ss.key = skey.to_string();
    ss.scheduler = svc.scheduler;
    ss.quorum = svc.quorum;
    ss.quorum_by = svc.quorum_by == conf::QuorumBy::count ? "count" : "weight";
    const auto outcome = outcomes_.find(svc.name);
    if (outcome != outcomes_.end()) {
      ss.healthy = outcome->second.healthy;
      ss.quorum_met = outcome->second.quorum_met;
      ss.sorry_active = outcome->second.sorry_server_present;
    }
    const auto ks = actual_.services.find(skey);
    // What IPVS has for this real server, as of the last reading.
    auto from_kernel = [&](const Endpoint& address, RealStatus& rs) {
      if (ks == actual_.services.end()) return;
      const auto kd = ks->second.destinations.find(address);
      if (kd == ks->second.destinations.end()) return;
      rs.kernel_weight = kd->second.config.weight;
      rs.active_connections = kd->second.active_connections;
      rs.inactive_connections = kd->second.inactive_connections;
    };
    for (std::size_t i = 0; i < svc.reals.size(); ++i) {
      const auto& r = svc.reals[i];
      const RealEntry& e = *reals_.at({svc.name, r.address});
      RealStatus rs;
      rs.address = r.address.to_string();
      rs.health = e.health == policy::Health::up ? "up" : e.health == policy::Health::down ? "down" : "unknown";
      rs.reason = e.reason;
      if (rs.reason.empty() && e.health == policy::Health::down) {
        // Down since start-up: no transition yet, so say what the checks see.
        for (const auto& c : e.check_status)
          if (!c.up && !c.last_reason.empty()) {
            rs.reason = c.last_reason;
            break;
          }
      }
      rs.since = e.since;
      rs.configured_weight = r.weight;
      if (outcome != outcomes_.end() && i < outcome->second.reals.size())
        rs.desired_weight = outcome->second.reals[i].present ? outcome->second.reals[i].weight : 0;
      from_kernel(r.address, rs);
      if (const auto m = manual_.find({svc.name, r.address}); m != manual_.end()) {
        rs.drained = m->second.drained;
        rs.manual_weight = m->second.weight;
      }
      rs.checks = e.check_status;
      for (const auto& [k, n] : e.transitions) rs.transitions.push_back({k.first, k.second, n});
      ss.reals.push_back(std::move(rs));
    }
    for (const auto& l : leaving_) {
      if (l.service != svc.name) continue;
      RealStatus rs;
      rs.address = l.address.to_string();
      rs.health = "-";
      rs.removing = true;
      rs.reason = "removed from the config, draining";
      from_kernel(l.address, rs);
      ss.reals.push_back(std::move(rs));
    }
    s.services.push_back(std::move(ss));
  }
  return s;
}

}  // namespace tandem::director
