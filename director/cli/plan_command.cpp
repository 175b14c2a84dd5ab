// `tandem plan -c FILE`: print the IPVS operations (and sysctl writes) that the
// config implies against the running kernel of this network namespace, and
// apply nothing. Reads the owned-set state file so it shows exactly what
// `tandem run` would do at start-up, deletions of services removed from the
// config included. Real servers are assumed healthy at their configured weight.
#include <cstdio>
#include <memory>

#include <fmt/format.h>

#include "conf/load.hpp"
#include "director/cli/commands.hpp"
#include "director/desired/desired_table.hpp"
#include "ipvs/model/errc.hpp"
#include "ipvs/netlink/client.hpp"
#include "ipvs/reconcile/plan.hpp"
#include "ipvs/state/owned_state_file.hpp"
#include "ipvs/sysctl/vs_sysctl.hpp"

namespace tandem::cli {

namespace {

struct PlanOptions {
  std::string config_file;
  std::optional<std::string> state_file;   // default: <state_dir>/ipvs-owned
};

// The sysctl writes start-up would make: configured on and not already 1.
std::vector<std::string> sysctl_changes(const conf::DirectorSettings& d) {
  std::vector<std::string> out;
  const std::pair<bool, const char*> wanted[] = {{d.expire_quiescent_template, "expire_quiescent_template"},
                                                 {d.expire_nodest_conn, "expire_nodest_conn"}};
  for (const auto& [on, name] : wanted) {
    if (!on) continue;
    auto now = ipvs::read_vs_sysctl(name);
    if (!now) {
      out.push_back(fmt::format("set sysctl net.ipv4.vs.{} = 1 (cannot read it now: {})", name,
                                now.error().message()));
    } else if (now.value() != 1) {
      out.push_back(fmt::format("set sysctl net.ipv4.vs.{} = 1 (now {})", name, now.value()));
    }
  }
  return out;
}

int run_plan(const PlanOptions& opts, const GlobalOptions& global) {
  const conf::LoadResult loaded = conf::load_file(opts.config_file);
  if (!loaded.config) {
    for (const auto& e : loaded.errors) std::fprintf(stderr, "%s\n", e.to_string().c_str());
    std::fprintf(stderr, "%s: %zu error(s); nothing planned\n", opts.config_file.c_str(), loaded.errors.size());
    return 1;
  }
  const conf::Config& config = *loaded.config;
  setup_logging(global, config.director.log_level);

  const std::string state =
      opts.state_file.value_or(config.director.state_dir + "/" + ipvs::kOwnedStateFileName);
  auto owned = ipvs::load_owned_set(state);
  if (!owned) {
    std::fprintf(stderr, "%s: cannot read the owned-services state: %s\n", state.c_str(),
                 owned.error().message().c_str());
    return 1;
  }
  auto client = ipvs::Client::open();
  if (!client) {
    std::fprintf(stderr, "cannot read the IPVS table: %s\n", client.error().message().c_str());
    return 1;
  }
  auto actual = client.value().dump(ipvs::Client::DumpOptions{.stats = false});
  if (!actual) {
    std::fprintf(stderr, "cannot read the IPVS table: %s\n", actual.error().message().c_str());
    return 1;
  }

  const auto ops = ipvs::plan(actual.value(), desired::desired_table(config), owned.value());
  const auto sysctls = sysctl_changes(config.director);
  for (const auto& line : sysctls) std::printf("%s\n", line.c_str());
  for (const auto& op : ops) std::printf("%s\n", ipvs::to_string(op).c_str());
  if (ops.empty() && sysctls.empty()) {
    std::printf("no changes: the kernel already matches %s\n", opts.config_file.c_str());
  } else {
    std::printf("%zu operation(s), %zu sysctl write(s); nothing applied\n", ops.size(), sysctls.size());
  }
  return 0;
}

}  // namespace

void add_plan_command(CLI::App& app, const GlobalOptions& global, int& exit_code) {
  auto opts = std::make_shared<PlanOptions>();
  auto* cmd = app.add_subcommand("plan", "Print the IPVS changes a config implies against the running kernel; apply nothing");
  cmd->add_option("-c,--config", opts->config_file, "Configuration file")->required();
  cmd->add_option("--state", opts->state_file,
                  "Owned-services state file (default: <director.state_dir>/ipvs-owned)");
  cmd->footer("Exit status: 0 plan printed, 1 invalid config or IPVS unreadable, 2 usage error.");
  cmd->callback([opts, &global, &exit_code] { exit_code = run_plan(*opts, global); });
}

}  // namespace tandem::cli
