// The quiesce sysctls written through the real /proc of a kernel with IPVS,
// in a fresh network namespace (they are per namespace), read back with
// sysctl(8) as the independent observer.
#include "ipvs/sysctl/vs_sysctl.hpp"

#include <catch2/catch.hpp>

#include "tests/kernel/support/command.hpp"
#include "tests/kernel/support/netns.hpp"

namespace kt = tandem::kernel_test;
using namespace tandem::ipvs;

TEST_CASE("tandem turns both quiesce sysctls on in its namespace", "[kernel]") {
  kt::FreshNetns ns;
  // Kernel defaults are 0 in a new namespace.
  CHECK(read_vs_sysctl("expire_quiescent_template").value() == 0);
  CHECK(read_vs_sysctl("expire_nodest_conn").value() == 0);
  REQUIRE_FALSE(apply_quiesce_sysctls({}));
  CHECK(kt::run_checked({"sysctl", "-n", "net.ipv4.vs.expire_quiescent_template"}) == "1\n");
  CHECK(kt::run_checked({"sysctl", "-n", "net.ipv4.vs.expire_nodest_conn"}) == "1\n");
}

TEST_CASE("a sysctl the config turns off is left as the operator set it", "[kernel]") {
  kt::FreshNetns ns;
  kt::run_checked({"sysctl", "-qw", "net.ipv4.vs.expire_nodest_conn=1"});
  REQUIRE_FALSE(apply_quiesce_sysctls({true, false}));
  CHECK(read_vs_sysctl("expire_quiescent_template").value() == 1);
  CHECK(read_vs_sysctl("expire_nodest_conn").value() == 1);
}
