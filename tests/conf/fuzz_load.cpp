// libFuzzer target for the configuration loader: any text goes through
// load_string (TOML syntax, every key's reader, cross-checks). Properties
// (std::abort() on a breach): it returns, never throws; a Config comes back
// exactly when there is no error; every error has a message; loading the same
// text twice gives the same result. Built and run by tests/fuzz.sh
// (tests/conf/CMakeLists.txt).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "conf/load.hpp"

using namespace tandem;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  conf::LoadResult first;
  try {
    first = conf::load_string(text, "fuzz.toml");
  } catch (...) {
    std::abort();  // load_string promises never to throw
  }
  if (first.config.has_value() == !first.errors.empty()) std::abort();
  for (const auto& d : first.errors)
    if (d.message.empty() || d.to_string().empty()) std::abort();
  const conf::LoadResult again = conf::load_string(text, "fuzz.toml");
  if (again.errors != first.errors || again.config != first.config) std::abort();
  return 0;
}
