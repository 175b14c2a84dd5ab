// checks/core must stay pure: no Asio, libcurl, libnl or socket headers
// (STYLE.md 1, rule 1). Reads the sources, so a stray include fails here.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>

TEST_CASE("checks/core includes no I/O headers", "[unit]") {
  const char* src = std::getenv("TANDEM_SOURCE_DIR");
  REQUIRE(src != nullptr);
  const std::filesystem::path core = std::filesystem::path(src) / "checks" / "core";
  REQUIRE(std::filesystem::is_directory(core));
  const char* forbidden[] = {"boost/asio", "common/asio.hpp", "curl/", "netlink/",
                             "sys/socket.h", "netinet/", "unistd.h", "openssl/"};
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(core)) {
    std::ifstream in(e.path());
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string text = ss.str();
    ++files;
    for (const char* f : forbidden) {
      INFO(e.path().string() << " includes " << f);
      std::string angle = "#include <";
      angle.append(f);
      std::string quoted = "#include \"";
      quoted.append(f);
      CHECK(text.find(angle) == std::string::npos);
      CHECK(text.find(quoted) == std::string::npos);
    }
  }
  CHECK(files > 0);
}
