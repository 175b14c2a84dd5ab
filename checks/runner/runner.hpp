// CheckRunner: runs the checks of many real servers on one io_context.
//
// - Identical checks (same real server, same definition) requested by several
//   services run once and feed every server that uses them.
// - Each check runs on its own schedule: first runs spread over the interval,
//   later runs one interval after the previous *due* time (checks/core/schedule.hpp).
//   Due times are rounded to a 5 ms grid and kept in one table with one Asio
//   timer for the earliest, not a timer per check: 10,000 checks then cost
//   one timer, and every check due in a slot starts from one clock read.
// - At most `max_concurrent` probes are in flight; a due check that finds the
//   cap reached waits in a FIFO queue. Queueing delays that run only; the
//   next one is still due on the original grid, so the schedule does not skew.
// - A real server's health is the AND of its checks with rise/fall applied per
//   check; every change is reported as a ServerTransition.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <unordered_map>
#include <vector>

#include <boost/container/small_vector.hpp>

#include "checks/core/check_definition.hpp"
#include "checks/core/clock.hpp"
#include "checks/core/server_health.hpp"
#include "checks/probes/curl_multi.hpp"
#include "checks/probes/probe_factory.hpp"
#include "common/asio.hpp"

namespace tandem::checks {

// Chosen by the caller (the director maps it to a service and real server).
using ServerId = std::uint64_t;

struct ServerTransition {
  ServerId server = 0;
  Endpoint real;
  Health from = Health::down;
  Health to = Health::down;
  TimePoint at{};
  std::string reason;
};

// One finished probe run, for metrics and the benchmark.
struct ProbeRun {
  const Endpoint& real;
  const CheckDefinition& definition;
  TimePoint due;       // when the schedule wanted it
  TimePoint started;   // later than due if it waited for the concurrency cap
  TimePoint finished;
  const ProbeResult& result;
};

class CheckRunner {
 public:
  struct Options {
    std::size_t max_concurrent = 256;
    std::function<void(const ServerTransition&)> on_transition;
    std::function<void(const ProbeRun&)> on_run;  // optional
  };

  // `io` and `multi` must outlive the runner.
  CheckRunner(asio::io_context& io, CurlMulti& multi, Options options);
  ~CheckRunner();
  CheckRunner(const CheckRunner&) = delete;
  CheckRunner& operator=(const CheckRunner&) = delete;

  // Adds real server `id` at `real` with `checks` (AND; none: always up).
  // Checks identical to ones already running for the same address are shared.
  // If the runner is started, new checks are scheduled at once (spread over
  // their interval). Returns the first check's error (bad regex, unknown
  // user, ...) and adds nothing then; an existing id is replaced.
  std::error_code add_server(ServerId id, const Endpoint& real, const std::vector<CheckDefinition>& checks);
  // Removes the server; checks no other server uses are stopped (a running
  // probe is cancelled). Unknown ids are ignored.
  void remove_server(ServerId id);

  // Schedules every check, first runs spread evenly over each interval.
  void start();
  // Cancels timers and probes; no transition is reported after this.
  void stop();

  std::optional<Health> health(ServerId id) const;
  std::size_t checks_running() const noexcept { return instances_.size(); }
  std::size_t in_flight() const noexcept { return in_flight_; }
  std::size_t queued() const noexcept { return queue_.size(); }

 private:
  struct Instance;
  struct Server {
    using Checks = boost::container::small_vector<std::shared_ptr<Instance>, 1>;
    Endpoint real;
    Checks checks;
    ServerHealth health;
  };
  // A check instance is identified by its address and its (interned) definition.
  using Key = std::pair<Endpoint, const CheckDefinition*>;
  struct KeyHash {
    std::size_t operator()(const Key& k) const noexcept;
  };
  std::shared_ptr<const CheckDefinition> intern(const CheckDefinition& d);

  void schedule(const std::shared_ptr<Instance>& c, TimePoint due);
  void unschedule(const std::shared_ptr<Instance>& c);
  void arm(TimePoint at);
  void on_tick();
  void on_due(const std::shared_ptr<Instance>& c, TimePoint now);
  void launch(const std::shared_ptr<Instance>& c, TimePoint now);
  void on_done(const std::shared_ptr<Instance>& c, ProbeResult r, TimePoint started);
  void drain_queue();
  void notify(const ServerTransition& t);
  void release(const std::shared_ptr<Instance>& c);

  asio::io_context& io_;
  CurlMulti& multi_;
  Options options_;
  bool started_ = false;
  std::size_t in_flight_ = 0;
  std::size_t releases_ = 0;
  std::unordered_map<Key, std::shared_ptr<Instance>, KeyHash> instances_;
  // One copy of each distinct definition, however many servers use it (10,000
  // real servers of one service share the service's check).
  std::map<CheckDefinition, std::weak_ptr<const CheckDefinition>> definitions_;
  std::unordered_map<ServerId, Server> servers_;
  // Scheduled checks by due time (on the grid); `tick_` expires at the first.
  std::map<TimePoint, std::vector<std::shared_ptr<Instance>>> due_;
  asio::steady_timer tick_;
  TimePoint tick_at_ = TimePoint::max();
  std::deque<std::weak_ptr<Instance>> queue_;
  std::shared_ptr<int> alive_;  // handlers hold a weak_ptr: no use after destruction
};

}  // namespace tandem::checks
