// The sysctl adapter against a plain directory standing in for
// /proc/sys/net/ipv4/vs: a double, because the host kernel of CI has no IPVS
// (so no such directory). The real /proc is exercised by
// tests/kernel/ipvs_sysctl_test.cpp inside user-mode-linux.
#include "ipvs/sysctl/vs_sysctl.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>

using namespace tandem::ipvs;
namespace fs = std::filesystem;

namespace {
struct TempDir {
  fs::path path = fs::temp_directory_path() / ("tandem-sysctl-test-" + std::to_string(::getpid()));
  TempDir() { fs::create_directories(path); }
  ~TempDir() { fs::remove_all(path); }
};
std::string content(const fs::path& p) {
  std::ifstream in(p);
  std::string s;
  std::getline(in, s);
  return s;
}
}  // namespace

TEST_CASE("configured sysctls are written as 1, unconfigured ones left alone", "[unit]") {
  TempDir dir;
  std::ofstream(dir.path / "expire_quiescent_template") << "0\n";
  std::ofstream(dir.path / "expire_nodest_conn") << "0\n";
  CHECK_FALSE(apply_quiesce_sysctls({true, false}, dir.path.string()));
  CHECK(content(dir.path / "expire_quiescent_template") == "1");
  CHECK(content(dir.path / "expire_nodest_conn") == "0");
  CHECK(read_vs_sysctl("expire_quiescent_template", dir.path.string()).value() == 1);
}

TEST_CASE("a missing sysctl (ip_vs not loaded) is an error naming the file", "[unit]") {
  TempDir dir;
  const auto err = apply_quiesce_sysctls({true, true}, (dir.path / "absent").string());
  REQUIRE(err);
  CHECK(err->code == std::error_code(ENOENT, std::system_category()));
  CHECK_THAT(err->path, Catch::EndsWith("absent/expire_quiescent_template"));
  CHECK_FALSE(read_vs_sysctl("nope", dir.path.string()));
}
