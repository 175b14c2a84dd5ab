#include "ipvs/state/owned_state_file.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "ipvs/model/errc.hpp"

using namespace tandem;
using namespace tandem::ipvs;
namespace fs = std::filesystem;

namespace {

Endpoint ep(const char* text) { return *Endpoint::parse(text); }

OwnedSet sample() {
  return {ServiceKey::by_address(Protocol::tcp, ep("192.0.2.1:80")),
          ServiceKey::by_address(Protocol::udp, ep("[2001:db8::53]:53")),
          ServiceKey::by_address(Protocol::sctp, ep("192.0.2.2:3868")),
          ServiceKey::by_fwmark(Family::v4, 7), ServiceKey::by_fwmark(Family::v6, 4294967295u)};
}

// A real directory on the real file system, removed afterwards.
struct TempDir {
  fs::path path = fs::temp_directory_path() / ("tandem-owned-test-" + std::to_string(::getpid()));
  TempDir() { fs::create_directories(path); }
  ~TempDir() { fs::remove_all(path); }
};

}  // namespace

TEST_CASE("the owned set round-trips through its text form", "[unit]") {
  const std::string text = format_owned_set(sample());
  CHECK_THAT(text, Catch::StartsWith("# tandem owned IPVS services, format 1\n"));
  CHECK_THAT(text, Catch::Contains("tcp 192.0.2.1 80\n"));
  CHECK_THAT(text, Catch::Contains("udp 2001:db8::53 53\n"));
  CHECK_THAT(text, Catch::Contains("fwmark ipv6 4294967295\n"));
  auto parsed = parse_owned_set(text);
  REQUIRE(parsed);
  CHECK(parsed.value() == sample());
  CHECK(parse_owned_set("").value().empty());
}

TEST_CASE("a malformed state line is refused with its line number", "[unit]") {
  for (const char* bad : {"tcp 192.0.2.1\n", "icmp 192.0.2.1 80\n", "tcp 192.0.2.1 70000\n",
                          "fwmark ipv4 0\n", "fwmark ipx 7\n", "tcp 192.0.2.999 80\n"}) {
    std::size_t line = 0;
    auto r = parse_owned_set(std::string("# header\n\n") + bad, &line);
    INFO(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error() == std::error_code(errc::malformed_state));
    CHECK(line == 3);
  }
}

TEST_CASE("the state file is missing on first start, then replaced atomically", "[unit]") {
  TempDir dir;
  const std::string path = (dir.path / "owned").string();
  auto first = load_owned_set(path);
  REQUIRE(first);
  CHECK(first.value().empty());

  REQUIRE_FALSE(save_owned_set(path, sample()));
  CHECK(load_owned_set(path).value() == sample());

  const OwnedSet smaller = {ServiceKey::by_fwmark(Family::v4, 7)};
  REQUIRE_FALSE(save_owned_set(path, smaller));
  CHECK(load_owned_set(path).value() == smaller);
  // Only the state file remains: no temporary left behind.
  CHECK(std::distance(fs::directory_iterator(dir.path), fs::directory_iterator{}) == 1);
}

TEST_CASE("saving into a missing directory fails with the system error", "[unit]") {
  TempDir dir;
  const auto ec = save_owned_set((dir.path / "nope" / "owned").string(), sample());
  CHECK(ec == std::error_code(ENOENT, std::system_category()));
}

TEST_CASE("a corrupt state file is reported, not read as empty", "[unit]") {
  TempDir dir;
  const fs::path path = dir.path / "owned";
  std::ofstream(path) << "tcp 192.0.2.1 80\ngarbage\n";
  auto r = load_owned_set(path.string());
  REQUIRE_FALSE(r);
  CHECK(r.error() == std::error_code(errc::malformed_state));
}
