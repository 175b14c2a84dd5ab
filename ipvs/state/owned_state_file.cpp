// Reading and atomically replacing the owned-set state file.
#include "ipvs/state/owned_state_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "ipvs/model/errc.hpp"

namespace tandem::ipvs {
namespace {

std::error_code sys_error(int err) { return {err, std::system_category()}; }

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

// Writes all of `text` to `fd`, retrying short writes.
std::error_code write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return sys_error(errno);
    }
    text.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
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
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) return OwnedSet{};
    return sys_error(errno != 0 ? errno : EIO);
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return sys_error(EIO);
  return parse_owned_set(text.str());
}

std::error_code save_owned_set(const std::string& path, const OwnedSet& owned) {
  const std::filesystem::path target(path);
  const std::filesystem::path dir = target.has_parent_path() ? target.parent_path() : ".";
  const std::string temp = path + fmt::format(".tmp.{}", ::getpid());
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return sys_error(errno);
  std::error_code ec = write_all(fd, format_owned_set(owned));
  if (!ec && ::fsync(fd) != 0) ec = sys_error(errno);
  if (::close(fd) != 0 && !ec) ec = sys_error(errno);
  if (!ec && ::rename(temp.c_str(), path.c_str()) != 0) ec = sys_error(errno);
  if (ec) {
    ::unlink(temp.c_str());
    return ec;
  }
  // The rename is durable only once the directory entry is on disk.
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return sys_error(errno);
  if (::fsync(dfd) != 0) ec = sys_error(errno);
  ::close(dfd);
  return ec;
}

}  // namespace tandem::ipvs
