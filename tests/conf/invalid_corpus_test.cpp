// Every file in tests/conf/invalid/ must fail to load with exactly the errors
// its "# expect:" lines list, in order, and yield no Config.
#include "conf/load.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;

namespace {

fs::path corpus_dir() { return fs::path(TANDEM_SOURCE_DIR_PATH) / "tests" / "conf" / "invalid"; }

std::vector<std::string> expected_errors(const fs::path& file) {
  std::ifstream in(file);
  std::vector<std::string> out;
  const std::string marker = "# expect: ";
  for (std::string line; std::getline(in, line);)
    if (line.rfind(marker, 0) == 0) out.push_back(line.substr(marker.size()));
  return out;
}

// The diagnostic without its file name, as the corpus writes it.
std::string without_file(const tandem::conf::Diagnostic& d) {
  tandem::conf::Diagnostic copy = d;
  copy.file.clear();
  std::string s = copy.to_string();
  return s.substr(s.front() == ':' ? 1 : 0);
}

}  // namespace

TEST_CASE("every invalid config fails with exactly its expected errors", "[unit]") {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(corpus_dir()))
    if (entry.path().extension() == ".toml") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() >= 40);

  for (const auto& file : files) {
    INFO("config: " << file.filename().string());
    const auto expected = expected_errors(file);
    REQUIRE_FALSE(expected.empty());
    const auto result = tandem::conf::load_file(file.string());
    CHECK_FALSE(result.config.has_value());
    std::vector<std::string> actual;
    for (const auto& d : result.errors) {
      CHECK(d.file == file.string());
      actual.push_back(without_file(d));
    }
    CHECK(actual == expected);
  }
}
