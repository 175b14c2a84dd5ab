// Reading and atomically replacing the owned-set state file.
#include "ipvs/state/owned_state_file.hpp"

#include <sstream>
#include <vector>

#include "common/atomic_file.hpp"
#include "ipvs/model/errc.hpp"

namespace tandem::ipvs {
namespace {


std::vector<std::string> words_of(std::string_view line) {
  std::vector<std::string> out;
  std::istringstream in{std::string(line)};
  std::string w;
  while (in >> w) out.push_back(w);
  return out;
}

std::optional<std::uint32_t> number(const std::string& s, std::uint32_t max) {
  if (s.empty() || s.size() > 10) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (v > max) return std::nullopt;
  return static_cast<std::uint32_t>(v);
}

std::optional<ServiceKey> parse_line(const std::vector<std::string>& w) {
  if (w.size() != 3) return std::nullopt;
  if (w[0] == "fwmark") {
    const auto mark = number(w[2], 0xffffffffu);
    if (!mark || *mark == 0 || (w[1] != "ipv4" && w[1] != "ipv6")) return std::nullopt;
    return ServiceKey::by_fwmark(w[1] == "ipv4" ? Family::v4 : Family::v6, *mark);
  }
  const auto protocol = parse_protocol(w[0]);
  const auto address = IpAddress::parse(w[1]);
  const auto port = number(w[2], 65535);
  if (!protocol || !address || !port) return std::nullopt;
  return ServiceKey::by_address(*protocol, Endpoint{*address, static_cast<std::uint16_t>(*port)});
}

}  // namespace

std::string format_owned_set(const OwnedSet& owned) {
  std::string out = "# tandem owned IPVS services, format 1\n";
  for (const ServiceKey& k : owned) {
    if (k.is_fwmark()) {
      out += fmt::format("fwmark {} {}\n", k.family() == Family::v4 ? "ipv4" : "ipv6", k.fwmark());
    } else {
      out += fmt::format("{} {} {}\n", to_string(k.protocol()), k.address(), k.port());
    }
  }
  return out;
}

Result<OwnedSet> parse_owned_set(std::string_view text, std::size_t* bad_line) {
  OwnedSet out;
  std::size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const auto end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    if (const auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    const auto w = words_of(line);
    if (w.empty()) continue;
    const auto key = parse_line(w);
    if (!key) {
      if (bad_line != nullptr) *bad_line = line_no;
      return make_error_code(errc::malformed_state);
    }
    out.insert(*key);
  }
  return out;
}

Result<OwnedSet> load_owned_set(const std::string& path) {
  auto text = read_file_if_exists(path);
  if (!text) return text.error();
  if (!text.value()) return OwnedSet{};  // first start
  return parse_owned_set(*text.value());
}

std::error_code save_owned_set(const std::string& path, const OwnedSet& owned) {
  return write_file_atomically(path, format_owned_set(owned), 0644);
}

}  // namespace tandem::ipvs
