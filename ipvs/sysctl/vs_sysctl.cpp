// Writing and reading net.ipv4.vs sysctls through /proc/sys.
#include "ipvs/sysctl/vs_sysctl.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

namespace tandem::ipvs {
namespace {

std::error_code write_value(const std::string& path, const char* value) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return {errno, std::system_category()};
  std::error_code ec;
  const std::string_view v(value);
  if (::write(fd, v.data(), v.size()) != static_cast<ssize_t>(v.size())) {
    ec = {errno != 0 ? errno : EIO, std::system_category()};
  }
  if (::close(fd) != 0 && !ec) ec = {errno, std::system_category()};
  return ec;
}

}  // namespace

std::optional<SysctlError> apply_quiesce_sysctls(const QuiesceSysctls& wanted, const std::string& dir) {
  const std::pair<bool, const char*> settings[] = {
      {wanted.expire_quiescent_template, "expire_quiescent_template"},
      {wanted.expire_nodest_conn, "expire_nodest_conn"},
  };
  for (const auto& [on, name] : settings) {
    if (!on) continue;
    const std::string path = dir + "/" + name;
    if (auto ec = write_value(path, "1\n")) return SysctlError{ec, path};
  }
  return std::nullopt;
}

Result<long> read_vs_sysctl(const std::string& name, const std::string& dir) {
  const std::string path = dir + "/" + name;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::error_code(errno, std::system_category());
  char buf[32] = {};
  const ssize_t n = ::read(fd, buf, sizeof buf - 1);
  const int err = errno;
  ::close(fd);
  if (n < 0) return std::error_code(err, std::system_category());
  char* end = nullptr;
  const long v = std::strtol(buf, &end, 10);
  if (end == buf) return std::error_code(EINVAL, std::system_category());
  return v;
}

}  // namespace tandem::ipvs
