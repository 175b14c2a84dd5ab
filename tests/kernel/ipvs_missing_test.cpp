// IPVS missing from the kernel. Opening the client asks generic netlink for
// the "IPVS" family; the kernel then tries to load ip_vs by itself (the module
// carries the alias net-pf-16-proto-16-family-IPVS). So the "not available"
// path is the one where that load fails, as on a host without the module:
// this test unloads ip_vs and points the kernel's module helper at /bin/false,
// then restores the helper and checks that opening loads ip_vs again.
// It owns its kernel boot (nothing else uses ip_vs there), and it must never
// run against a host kernel, whose module helper and ip_vs it would change:
// CMake forces user-mode-linux for it (TANDEM_KERNEL_MODE=uml) and the test
// refuses to go on anywhere else.
#include "ipvs/netlink/client.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "ipvs/model/errc.hpp"
#include "tests/kernel/support/command.hpp"

namespace kt = tandem::kernel_test;
using namespace tandem::ipvs;

namespace {

constexpr const char* kHelperPath = "/proc/sys/kernel/modprobe";

// Puts the kernel's module helper back whatever happens in the test.
struct HelperRestore {
  std::string saved;
  HelperRestore() { std::getline(std::ifstream(kHelperPath), saved); }
  ~HelperRestore() { std::ofstream(kHelperPath) << saved << "\n"; }
};

}  // namespace

TEST_CASE("without a loadable ip_vs the client says to load it; with one, it loads", "[kernel]") {
  const char* kernel = std::getenv("TANDEM_KERNEL");
  REQUIRE(kernel != nullptr);
  REQUIRE(std::string(kernel) == "uml");
  HelperRestore helper;
  REQUIRE_FALSE(helper.saved.empty());
  kt::run_checked({helper.saved, "-r", "ip_vs"});
  REQUIRE_FALSE(std::filesystem::exists("/sys/module/ip_vs"));

  std::ofstream(kHelperPath) << "/bin/false\n";
  auto missing = Client::open();
  REQUIRE_FALSE(missing);
  CHECK(missing.error() == std::error_code(errc::ipvs_not_available));
  CHECK(missing.error().message() == "IPVS is not available: load the ip_vs module");

  std::ofstream(kHelperPath) << helper.saved << "\n";
  auto loaded = Client::open();
  REQUIRE(loaded);
  CHECK(std::filesystem::exists("/sys/module/ip_vs"));
  CHECK(loaded.value().dump());
}
