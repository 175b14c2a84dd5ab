// Atomic replacement of small files; see atomic_file.hpp.
#include "common/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "common/unique_fd.hpp"

namespace tandem {

namespace {

std::error_code last_error() { return {errno, std::system_category()}; }

}  // namespace

std::error_code write_file_atomically(const std::string& path, std::string_view content, mode_t mode) {
  const std::string temp = path + ".tmp";
  {
    UniqueFd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
    if (fd.get() < 0) return last_error();
    std::string_view rest = content;
    while (!rest.empty()) {
      const ssize_t n = ::write(fd.get(), rest.data(), rest.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        const auto ec = last_error();
        ::unlink(temp.c_str());
        return ec;
      }
      rest.remove_prefix(static_cast<std::size_t>(n));
    }
    if (::fchmod(fd.get(), mode) != 0 || ::fsync(fd.get()) != 0) {
      const auto ec = last_error();
      ::unlink(temp.c_str());
      return ec;
    }
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const auto ec = last_error();
    ::unlink(temp.c_str());
    return ec;
  }
  // The rename is durable only once the directory entry is on disk.
  const auto slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  UniqueFd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dfd.get() < 0 || ::fsync(dfd.get()) != 0) return last_error();
  return {};
}

Result<std::optional<std::string>> read_file_if_exists(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) return std::optional<std::string>{};
    return last_error();
  }
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return last_error();
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return std::optional<std::string>{std::move(out)};
}

}  // namespace tandem
