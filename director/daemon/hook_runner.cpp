// Hooks through the exec probe; see hook_runner.hpp.
#include "director/daemon/hook_runner.hpp"

#include <spdlog/spdlog.h>

#include "checks/probes/probe_factory.hpp"

namespace tandem::director {

HookRunner::HookRunner(asio::io_context& io, checks::CurlMulti& multi, std::string user)
    : io_(io), multi_(multi), user_(std::move(user)) {}

void HookRunner::run(const std::string& name, const conf::Hook& hook) {
  if (hook.command.empty()) return;
  auto d = std::make_shared<checks::CheckDefinition>();
  d->kind = checks::CheckKind::exec;
  d->command = hook.command;
  d->timeout = hook.timeout;
  d->interval = hook.timeout;
  d->user = user_;
  auto recipe = checks::ProbeRecipe::make(d, Endpoint{});
  if (!recipe) {
    spdlog::error("hook {}: cannot run {}: {}", name, hook.command.front(), recipe.error().message());
    return;
  }
  auto probe = recipe.value().make_probe(io_, multi_, d, Endpoint{});
  const auto id = next_++;
  running_[id] = probe;
  spdlog::info("hook {}: running {}", name, hook.command.front());
  probe->start([this, id, name](checks::ProbeResult r) {
    // The program's output (capped by the probe) says why it failed.
    const std::string output = r.detail.empty() ? "" : ": " + r.detail;
    if (r.ok) spdlog::info("hook {}: {}", name, r.reason);
    else spdlog::warn("hook {}: {}{}", name, r.reason, output);
    running_.erase(id);
  });
}

void HookRunner::stop() {
  auto running = std::move(running_);
  for (auto& [id, probe] : running) probe->cancel();
}

}  // namespace tandem::director
