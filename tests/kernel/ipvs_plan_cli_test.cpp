// `tandem plan -c FILE` against a live IPVS: it prints what the config implies
// against the kernel, including deletions of owned services the config
// dropped, and applies nothing (ipvsadm shows the table unchanged).
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "ipvs/netlink/client.hpp"
#include "ipvs/state/owned_state_file.hpp"
#include "tests/kernel/support/command.hpp"
#include "tests/kernel/support/ipvsadm.hpp"
#include "tests/kernel/support/netns.hpp"

namespace kt = tandem::kernel_test;
namespace fs = std::filesystem;
using namespace tandem;

namespace {

struct TempDir {
  fs::path path = fs::temp_directory_path() / ("tandem-plan-" + std::to_string(::getpid()));
  TempDir() { fs::create_directories(path); }
  ~TempDir() { fs::remove_all(path); }
};

std::string tandem_binary() {
  const char* dir = std::getenv("TANDEM_BINARY_DIR");
  REQUIRE(dir != nullptr);
  return std::string(dir) + "/tandem";
}

constexpr const char* kConfig = R"(
[director]
expire_quiescent_template = true
expire_nodest_conn = false

[[service]]
name = "web"
address = "192.0.2.100:80"
scheduler = "wrr"

[[service.real]]
address = "10.0.1.11:80"
weight = 100

[[service.real]]
address = "10.0.1.12:80"
weight = 50
)";

}  // namespace

TEST_CASE("tandem plan prints the operations and applies nothing", "[kernel]") {
  kt::FreshNetns ns;
  TempDir dir;
  const std::string config = (dir.path / "tandem.toml").string();
  const std::string state = (dir.path / "ipvs-owned").string();
  std::ofstream(config) << kConfig;

  // Someone else's service, and one tandem owned before its config dropped it.
  kt::run_checked({"ipvsadm", "-A", "-t", "10.9.9.9:80", "-s", "rr"});
  kt::run_checked({"ipvsadm", "-A", "-t", "192.0.2.200:80", "-s", "rr"});
  REQUIRE_FALSE(ipvs::save_owned_set(
      state, {ipvs::ServiceKey::by_address(Protocol::tcp, *Endpoint::parse("192.0.2.200:80"))}));

  const auto before = kt::run_checked({"ipvsadm", "-Ln"});
  const auto out = kt::run_checked({tandem_binary(), "plan", "-c", config, "--state", state});
  CHECK_THAT(out, Catch::Contains("set sysctl net.ipv4.vs.expire_quiescent_template = 1 (now 0)"));
  CHECK_THAT(out, !Catch::Contains("expire_nodest_conn"));
  CHECK_THAT(out, Catch::Contains("delete service 192.0.2.200:80/tcp\n"));
  CHECK_THAT(out, Catch::Contains("add service 192.0.2.100:80/tcp scheduler wrr\n"));
  CHECK_THAT(out, Catch::Contains("add destination 192.0.2.100:80/tcp -> 10.0.1.11:80 masq weight 100"));
  CHECK_THAT(out, Catch::Contains("add destination 192.0.2.100:80/tcp -> 10.0.1.12:80 masq weight 50"));
  CHECK_THAT(out, !Catch::Contains("10.9.9.9"));
  CHECK_THAT(out, Catch::Contains("4 operation(s), 1 sysctl write(s); nothing applied"));
  CHECK(kt::run_checked({"ipvsadm", "-Ln"}) == before);
  CHECK(kt::run_checked({"sysctl", "-n", "net.ipv4.vs.expire_quiescent_template"}) == "0\n");
}

TEST_CASE("tandem plan reports no changes once the kernel matches", "[kernel]") {
  kt::FreshNetns ns;
  TempDir dir;
  const std::string config = (dir.path / "tandem.toml").string();
  std::ofstream(config) << kConfig;
  kt::run_checked({"sysctl", "-qw", "net.ipv4.vs.expire_quiescent_template=1"});
  kt::run_checked({"ipvsadm", "-A", "-t", "192.0.2.100:80", "-s", "wrr"});
  kt::run_checked({"ipvsadm", "-a", "-t", "192.0.2.100:80", "-r", "10.0.1.11:80", "-m", "-w", "100"});
  kt::run_checked({"ipvsadm", "-a", "-t", "192.0.2.100:80", "-r", "10.0.1.12:80", "-m", "-w", "50"});
  const auto out = kt::run_checked(
      {tandem_binary(), "plan", "-c", config, "--state", (dir.path / "none").string()});
  CHECK_THAT(out, Catch::Contains("no changes: the kernel already matches"));

  // A hand edit shows up as one edit, never a delete + add.
  kt::run_checked({"ipvsadm", "-e", "-t", "192.0.2.100:80", "-r", "10.0.1.12:80", "-m", "-w", "0"});
  const auto edited = kt::run_checked(
      {tandem_binary(), "plan", "-c", config, "--state", (dir.path / "none").string()});
  CHECK_THAT(edited, Catch::Contains("edit destination 192.0.2.100:80/tcp -> 10.0.1.12:80 masq weight 50"));
  CHECK_THAT(edited, Catch::Contains("1 operation(s), 0 sysctl write(s)"));
}

TEST_CASE("tandem plan refuses an invalid config with its errors", "[kernel]") {
  kt::FreshNetns ns;
  TempDir dir;
  const std::string config = (dir.path / "bad.toml").string();
  std::ofstream(config) << "[[service]]\nname = \"x\"\naddress = \"192.0.2.1:80\"\nscheduler = \"nope\"\n";
  const auto r = kt::run_command({tandem_binary(), "plan", "-c", config});
  CHECK(r.status == 1);
  CHECK_THAT(r.output, Catch::Contains("bad.toml:4:"));
  CHECK_THAT(r.output, Catch::Contains("nothing planned"));
}
