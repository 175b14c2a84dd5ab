// The pure IPVS folders (model, reconcile) must not include Asio, libcurl,
// libnl or socket headers (STYLE.md 1.1). libnl would already fail to compile
// there, but Boost and curl sit on the default include path, so check the text.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace fs = std::filesystem;

TEST_CASE("ipvs/model and ipvs/reconcile include no I/O headers", "[unit]") {
  const char* root = std::getenv("TANDEM_SOURCE_DIR");
  REQUIRE(root != nullptr);
  const char* banned[] = {"boost/asio", "common/asio.hpp", "curl/", "netlink/", "sys/socket.h",
                          "netinet/", "arpa/inet.h", "linux/"};
  int files = 0;
  for (const char* folder : {"ipvs/model", "ipvs/reconcile"}) {
    for (const auto& entry : fs::directory_iterator(fs::path(root) / folder)) {
      std::ifstream in(entry.path());
      std::string line;
      ++files;
      while (std::getline(in, line)) {
        if (line.rfind("#include", 0) != 0) continue;
        for (const char* b : banned) {
          INFO(entry.path().string() << ": " << line);
          CHECK(line.find(b) == std::string::npos);
        }
      }
    }
  }
  CHECK(files >= 4);
}
