// Restarts against a real IPVS: the owned set survives in the state file, so a
// service removed from the config while tandem was stopped is deleted at the
// next start, a foreign one is not, and an unchanged config changes nothing.
#include "ipvs/state/owned_state_file.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>

#include "ipvs/netlink/client.hpp"
#include "tests/kernel/support/command.hpp"
#include "tests/kernel/support/ipvsadm.hpp"
#include "tests/kernel/support/netns.hpp"

namespace kt = tandem::kernel_test;
namespace fs = std::filesystem;
using namespace tandem;
using namespace tandem::ipvs;

namespace {

Service service(const char* address, const char* real) {
  Service s;
  s.key = ServiceKey::by_address(Protocol::tcp, *Endpoint::parse(address));
  s.config.scheduler = "rr";
  Destination d;
  d.address = *Endpoint::parse(real);
  s.put(d);
  return s;
}

// One start of tandem as far as IPVS goes: load the owned set, persist
// owned ∪ desired, reconcile, persist the desired keys.
ReconcileOutcome start(const std::string& state, const Table& desired) {
  auto client = Client::open();
  REQUIRE(client);
  auto owned = load_owned_set(state);
  REQUIRE(owned);
  REQUIRE_FALSE(save_owned_set(state, with_desired(owned.value(), desired)));
  auto outcome = reconcile_once(client.value(), desired, owned.value());
  REQUIRE(outcome);
  REQUIRE(outcome.value().report.ok());
  REQUIRE_FALSE(save_owned_set(state, owned_after(desired)));
  return outcome.value();
}

}  // namespace

TEST_CASE("a service dropped from the config while stopped is removed at the next start", "[kernel]") {
  kt::FreshNetns ns;
  const fs::path dir = fs::temp_directory_path() / ("tandem-restart-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string state = (dir / "owned").string();
  kt::run_checked({"ipvsadm", "-A", "-t", "10.9.9.9:80", "-s", "lc"});

  Table config;
  config.put(service("10.0.0.1:80", "10.0.1.1:80"));
  config.put(service("10.0.0.2:80", "10.0.1.2:80"));
  CHECK(start(state, config).ops.size() == 4);

  // Restart with the same config: nothing to do.
  CHECK(start(state, config).ops.empty());

  // Stopped, config edited to drop 10.0.0.2:80, started again.
  Table smaller;
  smaller.put(service("10.0.0.1:80", "10.0.1.1:80"));
  const auto outcome = start(state, smaller);
  REQUIRE(outcome.ops.size() == 1);
  CHECK(std::holds_alternative<DeleteService>(outcome.ops[0]));

  const auto seen = kt::observe_ipvs();
  CHECK(seen.find("TCP", "10.0.0.1:80") != nullptr);
  CHECK(seen.find("TCP", "10.0.0.2:80") == nullptr);
  CHECK(seen.find("TCP", "10.9.9.9:80") != nullptr);   // never tandem's: untouched
  CHECK(load_owned_set(state).value() == owned_after(smaller));
  fs::remove_all(dir);
}
