// The daemon's reconcile passes: the policy and the desired table on the
// loop, the kernel's side on the IPVS worker thread; see daemon.hpp.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "director/daemon/daemon_internal.hpp"
#include "director/daemon/ipvs_worker.hpp"
#include "director/daemon/hook_runner.hpp"
#include "director/daemon/systemd_notifier.hpp"
#include "director/daemon/vrrp_fleet.hpp"
#include "director/desired/desired_table.hpp"
#include "ipvs/reconcile/plan.hpp"
#include "ipvs/state/owned_state_file.hpp"

namespace tandem::director {

namespace {

// One reconcile pass against the kernel, on the IPVS worker thread: read the
// table, plan against what the loop wants, remember what tandem will own,
// apply. Touches nothing of the daemon's; the loop takes the result.
IpvsPass run_ipvs_pass(ipvs::Client& client, const ipvs::Table& desired, ipvs::OwnedSet owned,
                       const std::string& owned_path) {
  IpvsPass pass;
  pass.owned = std::move(owned);
  const TimePoint start = Clock::now();
  auto dumped = client.dump();
  pass.read_time = std::chrono::duration_cast<Duration>(Clock::now() - start);
  if (!dumped) {
    pass.read_error = fmt::format("cannot read the IPVS table: {}", dumped.error().message());
    return pass;
  }
  pass.actual = std::move(dumped.value());
  pass.ops = ipvs::plan(pass.actual, desired, pass.owned);
  if (!pass.ops.empty()) {
    // Remember what we may create before creating it, so a crash mid-apply
    // cannot leave services tandem would then refuse to touch.
    const auto before = ipvs::with_desired(pass.owned, desired);
    if (before != pass.owned) {
      if (auto ec = ipvs::save_owned_set(owned_path, before))
        pass.state_errors.push_back(fmt::format("{}: {}", owned_path, ec.message()));
      pass.owned = before;
    }
    pass.report = client.apply_all(pass.ops);
    std::vector<bool> failed(pass.ops.size(), false);
    for (const auto& f : pass.report.failures)
      if (f.index < failed.size()) failed[f.index] = true;
    for (std::size_t i = 0; i < pass.ops.size(); ++i)
      if (!failed[i]) ipvs::apply_to(pass.actual, pass.ops[i]);
  }
  const auto after = ipvs::owned_after(desired);
  if (after != pass.owned && pass.report.ok()) {
    if (auto ec = ipvs::save_owned_set(owned_path, after))
      pass.state_errors.push_back(fmt::format("{}: {}", owned_path, ec.message()));
    else
      pass.owned = after;
  }
  pass.writes_sent = client.writes_sent();
  return pass;
}

}  // namespace

// ---------------------------------------------------------------------------
// Reconcile

void Daemon::request_reconcile() {
  if (reconcile_posted_ || stopping_) return;
  reconcile_posted_ = true;
  // Coalesce: transitions that arrive in the same turn of the loop cost one pass.
  asio::post(io_, [this] {
    reconcile_posted_ = false;
    if (!stopping_) reconcile();
  });
}

void Daemon::arm_reconcile(TimePoint when) {
  reconcile_timer_.expires_at(when);
  reconcile_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec == asio::error::operation_aborted || stopping_) return;
    reconcile();
  });
}

void Daemon::reconcile() {
  if (stopping_) return;
  if (ipvs_pass_running_) {  // one pass at a time; the next starts when this one ends
    reconcile_again_ = true;
    return;
  }
  const TimePoint now = Clock::now();
  std::optional<TimePoint> next;
  desired::RealStates states;
  desired::SorryActive sorry;

  // The policy works from the last reading of the kernel (actual_: connection
  // counts for drains), kept current with what the last pass changed.
  for (const auto& svc : config_.services) {
    const auto skey = desired::service_key(svc);
    const auto kernel_service = actual_.services.find(skey);
    auto connections = [&](const Endpoint& a) -> std::uint64_t {
      if (kernel_service == actual_.services.end()) return 0;
      const auto d = kernel_service->second.destinations.find(a);
      if (d == kernel_service->second.destinations.end()) return 0;
      return std::uint64_t{d->second.active_connections} + d->second.inactive_connections;
    };
    policy::ServiceInput in;
    in.slow_start = svc.slow_start;
    in.drain_timeout = svc.drain_timeout;
    in.quorum = svc.quorum;
    in.quorum_by = svc.quorum_by;
    in.has_sorry_server = svc.sorry_server.has_value();
    std::vector<policy::RealInput> inputs;
    std::vector<Endpoint> addresses;
    for (const auto& r : svc.reals) {
      const RealEntry& e = *reals_.at({svc.name, r.address});
      policy::RealInput ri;
      ri.configured_weight = r.weight;
      ri.on_failure = r.on_failure;
      ri.health = e.health;
      ri.up_since = e.up_since;
      ri.down_since = e.down_since;
      if (const auto m = manual_.find({svc.name, r.address}); m != manual_.end()) {
        ri.drained = m->second.drained;
        ri.manual_weight = m->second.weight;
      }
      ri.connections = connections(r.address);
      inputs.push_back(ri);
      addresses.push_back(r.address);
    }
    auto outcome = policy::evaluate(in, inputs, now);
    bool settled = true;
    if (const auto settling = settling_.find(svc.name); settling != settling_.end()) {
      if (now < settling->second.deadline) {
        settled = false;
        outcome.sorry_server_present = false;
        if (!next || settling->second.deadline < *next) next = settling->second.deadline;
      } else {
        spdlog::warn("service {}: {} real server(s) still without check results; judging its quorum anyway",
                     svc.name, settling->second.waiting.size());
        settling_.erase(settling);
      }
    }
    for (std::size_t i = 0; i < addresses.size(); ++i)
      states[{svc.name, addresses[i]}] = desired::RealState{outcome.reals[i].present, outcome.reals[i].weight};
    if (outcome.sorry_server_present) sorry.insert(svc.name);
    if (outcome.next_change && (!next || *outcome.next_change < *next)) next = outcome.next_change;

    switch (settled ? quorum_[svc.name].update(outcome.quorum_met) : policy::QuorumEdge::none) {
      case policy::QuorumEdge::lost:
        spdlog::warn("service {}: quorum lost ({} of {}){}", svc.name, outcome.healthy, svc.quorum,
                     svc.sorry_server ? ", sorry server in" : "");
        hooks_->run(svc.name + " on_quorum_lost", svc.on_quorum_lost);
        break;
      case policy::QuorumEdge::restored:
        spdlog::info("service {}: quorum restored ({} of {})", svc.name, outcome.healthy, svc.quorum);
        hooks_->run(svc.name + " on_quorum_restored", svc.on_quorum_restored);
        break;
      case policy::QuorumEdge::none: break;
    }
    outcomes_[svc.name] = outcome;
  }
  track_quorum_in_vrrp();

  if (ipvs_) {
    ipvs::Table desired = desired::desired_table(config_, states, sorry);
    // Servers removed by a reload drain first: weight 0 while they still have
    // connections, until the service's drain_timeout.
    for (auto it = leaving_.begin(); it != leaving_.end();) {
      const conf::Service* svc = nullptr;
      for (const auto& s : config_.services)
        if (s.name == it->service) svc = &s;
      const auto skey = svc ? desired::service_key(*svc) : ipvs::ServiceKey{};
      const auto ks = actual_.services.find(skey);
      const ipvs::Destination* d = nullptr;
      if (svc && ks != actual_.services.end()) {
        const auto kd = ks->second.destinations.find(it->address);
        if (kd != ks->second.destinations.end()) d = &kd->second;
      }
      const bool busy = d && (d->active_connections + d->inactive_connections) > 0;
      const TimePoint deadline = it->since + (svc ? svc->drain_timeout : Duration{0});
      if (!svc || !d || !busy || now >= deadline) {
        if (d) spdlog::info("service {} real {}: drained, removing", it->service, it->address);
        it = leaving_.erase(it);
        continue;
      }
      ipvs::Destination draining = *d;
      draining.config.weight = 0;
      desired.services[skey].put(draining);
      if (!next || deadline < *next) next = deadline;
      ++it;
    }

    ipvs_pass_running_ = true;
    spdlog::debug("reconcile: desired table in {} ms on the loop", ms_between(now, Clock::now()));
    ipvs_->submit([this, desired = std::move(desired), owned = owned_,
                   owned_path = path_in(config_.director.state_dir, ipvs::kOwnedStateFileName), now,
                   next](ipvs::Client& client) -> IpvsWorker::Completion {
      auto pass = std::make_shared<IpvsPass>(run_ipvs_pass(client, desired, owned, owned_path));
      return [this, pass, now, next] { finish_ipvs_pass(std::move(*pass), now, next); };
    });
    return;
  }
  finish_reconcile(now, next, true);
}

void Daemon::finish_ipvs_pass(IpvsPass pass, TimePoint started, std::optional<TimePoint> next) {
  const TimePoint taken = Clock::now();
  ipvs_pass_running_ = false;
  if (stopping_) return;  // shutdown owns IPVS now
  for (const auto& e : pass.state_errors) spdlog::error("{}", e);
  owned_ = std::move(pass.owned);
  reconcile_status_.ops_applied = 0;
  reconcile_status_.failures = 0;
  reconcile_status_.last_error = pass.read_error;
  if (!pass.read_error.empty()) {
    spdlog::error("{}", pass.read_error);
    finish_reconcile(started, std::nullopt, false);
    return;
  }
  actual_ = std::move(pass.actual);
  reconcile_status_.ops_applied = pass.ops.size();
  reconcile_status_.failures = pass.report.failures.size();
  for (const auto& f : pass.report.failures) spdlog::error("IPVS: {}", f.message);
  if (!pass.report.failures.empty()) reconcile_status_.last_error = pass.report.failures.front().message;
  if (spdlog::should_log(spdlog::level::debug))
    for (const auto& op : pass.ops) spdlog::debug("IPVS: {}", ipvs::to_string(op));
  reconcile_status_.total_writes = pass.writes_sent;
  spdlog::debug("reconcile: {} op(s) in {} ms (reading the table {} ms)", pass.ops.size(),
                ms_between(started, Clock::now()), pass.read_time.count());
  finish_reconcile(started, next, true);
  spdlog::debug("reconcile: result taken in {} ms on the loop", ms_between(taken, Clock::now()));
}

void Daemon::finish_reconcile(TimePoint started, std::optional<TimePoint> next, bool succeeded) {
  if (succeeded) {
    reconcile_status_.at = std::chrono::system_clock::now();
    if (!ready_sent_) {
      ready_sent_ = true;
      if (systemd_) systemd_->ready(status_line());
    } else if (systemd_) {
      systemd_->status(status_line());
    }
  }
  const TimePoint periodic = started + config_.director.reconcile_interval;
  arm_reconcile(next && *next < periodic ? *next : periodic);
  if (reconcile_again_) {
    reconcile_again_ = false;
    request_reconcile();
  }
}

void Daemon::track_quorum_in_vrrp() {
  if (!vrrp_) return;
  // A service still settling has no verdict yet, so it lowers no priority.
  std::set<std::string> below;
  for (const auto& [name, watch] : quorum_)
    if (watch.last() == false) below.insert(name);
  vrrp_->track(below);
}

}  // namespace tandem::director
