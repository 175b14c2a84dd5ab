// CheckRunner: scheduling, de-duplication and the concurrency cap; see runner.hpp.
#include "checks/runner/runner.hpp"

#include <algorithm>
#include <functional>

#include <boost/container/small_vector.hpp>

#include "checks/core/schedule.hpp"

namespace tandem::checks {

namespace sys = boost::system;

// One running check of one real server address, shared by every server
// (service) that asked for exactly this check.
// Ten thousand of these may exist: keep it small (no per-instance timer,
// no std::function, inline room for the usual single user).
struct CheckRunner::Instance {
  Instance(Endpoint r, std::shared_ptr<const CheckDefinition> d, ProbeRecipe rc)
      : real(r), def_ptr(std::move(d)), recipe(std::move(rc)), tracker(def().rise, def().fall, def().initial) {}
  const CheckDefinition& def() const noexcept { return *def_ptr; }
  void drop_user(ServerId id) {
    users.erase(std::remove_if(users.begin(), users.end(), [id](const auto& u) { return u.first == id; }), users.end());
  }

  Endpoint real;
  std::shared_ptr<const CheckDefinition> def_ptr;
  ProbeRecipe recipe;
  HealthTracker tracker;
  TimePoint due{};
  std::shared_ptr<Probe> running;
  bool scheduled = false;  // in due_
  bool removed = false;
  // (server, index of this check in that server's list)
  boost::container::small_vector<std::pair<ServerId, std::uint32_t>, 1> users;
};

std::size_t CheckRunner::KeyHash::operator()(const Key& k) const noexcept {
  std::size_t h = std::hash<const CheckDefinition*>{}(k.second);
  for (auto b : k.first.address.bytes()) h = h * 131 + b;
  return h * 65599 + k.first.port;
}

CheckRunner::CheckRunner(asio::io_context& io, CurlMulti& multi, Options options)
    : io_(io), multi_(multi), options_(std::move(options)), tick_(io), alive_(std::make_shared<int>(0)) {
  if (options_.max_concurrent == 0) options_.max_concurrent = 1;
}

CheckRunner::~CheckRunner() { stop(); }

std::error_code CheckRunner::add_server(ServerId id, const Endpoint& real,
                                        const std::vector<CheckDefinition>& checks) {
  // Build everything first, so a bad check adds nothing.
  std::vector<std::shared_ptr<Instance>> picked;
  std::vector<std::shared_ptr<Instance>> created;
  for (const auto& spec : checks) {
    auto d = intern(spec);
    auto it = instances_.find(Key{real, d.get()});
    if (it != instances_.end()) {
      picked.push_back(it->second);
      continue;
    }
    auto recipe = ProbeRecipe::make(d, real);
    if (!recipe) return recipe.error();
    auto inst = std::make_shared<Instance>(real, std::move(d), std::move(recipe).value());
    picked.push_back(inst);
    created.push_back(inst);
  }
  // Replace an existing server of this id, keeping checks the new list shares.
  Server::Checks previous;
  if (auto old = servers_.find(id); old != servers_.end()) {
    previous = std::move(old->second.checks);
    servers_.erase(old);
    for (const auto& inst : previous) inst->drop_user(id);
  }
  for (const auto& inst : created) instances_.emplace(Key{inst->real, inst->def_ptr.get()}, inst);

  std::vector<Health> initial;
  for (std::size_t i = 0; i < picked.size(); ++i) {
    initial.push_back(picked[i]->tracker.health());
    picked[i]->users.emplace_back(id, static_cast<std::uint32_t>(i));
  }
  servers_.emplace(id, Server{real, Server::Checks(picked.begin(), picked.end()), ServerHealth(std::move(initial))});
  for (const auto& inst : previous)
    if (inst->users.empty()) release(inst);

  if (started_) {
    const TimePoint now = Clock::now();
    for (const auto& inst : created) {
      // Spread late additions by a hash of their address, so a reload that
      // adds many servers does not fire them in one burst either.
      const auto h = std::hash<std::string>{}(inst->real.to_string()) ^ (inst->users.size() * 0x9e3779b9u);
      schedule(inst, now + spread_offset(h % 1024, 1024, inst->def().interval));
    }
  }
  return {};
}

void CheckRunner::remove_server(ServerId id) {
  auto it = servers_.find(id);
  if (it == servers_.end()) return;
  for (const auto& inst : it->second.checks) {
    inst->drop_user(id);
    if (inst->users.empty()) release(inst);
  }
  servers_.erase(it);
}

void CheckRunner::release(const std::shared_ptr<Instance>& c) {
  c->removed = true;
  unschedule(c);
  if (c->running) c->running->cancel();  // its completion still decrements in_flight_
  instances_.erase(Key{c->real, c->def_ptr.get()});
  // Definitions no instance holds any more are swept now and then; until then
  // a stale entry costs one CheckDefinition and is replaced on the next intern.
  if (++releases_ % 1024 == 0)
    std::erase_if(definitions_, [](const auto& entry) { return entry.second.expired(); });
}

std::shared_ptr<const CheckDefinition> CheckRunner::intern(const CheckDefinition& d) {
  auto it = definitions_.find(d);
  if (it != definitions_.end())
    if (auto shared = it->second.lock()) return shared;
  auto shared = std::make_shared<const CheckDefinition>(d);
  definitions_.insert_or_assign(d, shared);
  return shared;
}

void CheckRunner::start() {
  if (started_) return;
  started_ = true;
  const TimePoint now = Clock::now();
  // Spread per interval value: checks sharing an interval share its slots.
  std::map<Duration, std::vector<std::shared_ptr<Instance>>> by_interval;
  for (const auto& [key, inst] : instances_) by_interval[inst->def().interval].push_back(inst);
  for (const auto& [interval, list] : by_interval)
    for (std::size_t i = 0; i < list.size(); ++i) schedule(list[i], now + spread_offset(i, list.size(), interval));
}

void CheckRunner::stop() {
  started_ = false;
  queue_.clear();
  due_.clear();
  tick_.cancel();
  tick_at_ = TimePoint::max();
  for (const auto& [key, inst] : instances_) {
    inst->removed = true;
    inst->scheduled = false;
    if (inst->running) inst->running->cancel();
  }
  instances_.clear();
  servers_.clear();
  definitions_.clear();
}

void CheckRunner::schedule(const std::shared_ptr<Instance>& c, TimePoint due) {
  c->due = quantize(due, kLoopQuantum);
  c->scheduled = true;
  due_[c->due].push_back(c);
  if (c->due < tick_at_) arm(c->due);
}

void CheckRunner::unschedule(const std::shared_ptr<Instance>& c) {
  if (!c->scheduled) return;
  c->scheduled = false;
  auto slot = due_.find(c->due);
  if (slot == due_.end()) return;
  std::erase(slot->second, c);
  if (slot->second.empty()) due_.erase(slot);  // the timer may fire for nothing once
}

void CheckRunner::arm(TimePoint at) {
  tick_at_ = at;
  tick_.expires_at(at);
  std::weak_ptr<int> alive = alive_;
  tick_.async_wait([this, alive](const sys::error_code& ec) {
    if (ec || alive.expired()) return;
    on_tick();
  });
}

void CheckRunner::on_tick() {
  tick_at_ = TimePoint::max();
  const TimePoint now = Clock::now();  // one read for every check due now
  while (!due_.empty() && due_.begin()->first <= now) {
    auto batch = std::move(due_.begin()->second);
    due_.erase(due_.begin());
    for (const auto& c : batch) {
      c->scheduled = false;
      // A check launched earlier in this batch may have removed this one.
      if (!c->removed) on_due(c, now);
    }
  }
  if (!due_.empty() && due_.begin()->first < tick_at_) arm(due_.begin()->first);
}

void CheckRunner::on_due(const std::shared_ptr<Instance>& c, TimePoint now) {
  if (in_flight_ < options_.max_concurrent) return launch(c, now);
  queue_.push_back(c);
}

void CheckRunner::launch(const std::shared_ptr<Instance>& c, TimePoint now) {
  ++in_flight_;
  c->running = c->recipe.make_probe(io_, multi_, c->def_ptr, c->real);
  // A completion that arrives after the runner is gone finds `alive` expired.
  std::weak_ptr<int> alive = alive_;
  c->running->start(now, [this, alive, c, started = now](ProbeResult r) {
    if (!alive.expired()) on_done(c, std::move(r), started);
  });
}

void CheckRunner::on_done(const std::shared_ptr<Instance>& c, ProbeResult r, TimePoint started) {
  --in_flight_;
  c->running.reset();
  if (!c->removed) {
    const TimePoint now = r.at != TimePoint{} ? r.at : Clock::now();
    if (options_.on_run) {
      try {
        options_.on_run(ProbeRun{c->real, c->def(), c->due, started, now, r});
      } catch (...) {
        // An observer must not stop the checks.
      }
    }
    if (auto t = c->tracker.on_result(r, now)) {
      for (const auto& [server_id, index] : c->users) {
        auto s = servers_.find(server_id);
        if (s == servers_.end()) continue;
        const std::string label = s->second.health.size() > 1 ? describe(c->def()) : std::string();
        if (auto st = s->second.health.on_check(index, t->to, t->reason, now, label))
          notify(ServerTransition{server_id, s->second.real, st->from, st->to, st->at, st->reason});
      }
    }
    schedule(c, next_due(c->due, c->tracker.next_interval(c->def()), now));
  }
  drain_queue();
}

void CheckRunner::drain_queue() {
  if (queue_.empty()) return;
  const TimePoint now = Clock::now();
  while (in_flight_ < options_.max_concurrent && !queue_.empty()) {
    auto c = queue_.front().lock();
    queue_.pop_front();
    if (c && !c->removed) launch(c, now);
  }
}

void CheckRunner::notify(const ServerTransition& t) {
  if (!options_.on_transition) return;
  try {
    options_.on_transition(t);
  } catch (...) {
    // The director's handler failing must not stop the checks of other servers.
  }
}

std::optional<Health> CheckRunner::health(ServerId id) const {
  auto it = servers_.find(id);
  if (it == servers_.end()) return std::nullopt;
  return it->second.health.health();
}

}  // namespace tandem::checks
