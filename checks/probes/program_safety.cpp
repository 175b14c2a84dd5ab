// Ownership and permission walk of an exec program's path; see program_safety.hpp.
#include "checks/probes/program_safety.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

namespace tandem::checks {

namespace {

std::optional<std::string> unsafe_entry(const std::string& path, bool is_leaf) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return fmt::format("{}: {}", path, std::strerror(errno));
  if (st.st_uid != 0) return fmt::format("{} is owned by uid {}, not root", path, st.st_uid);
  if ((st.st_mode & S_IWGRP) != 0 && st.st_gid != 0)
    return fmt::format("{} is writable by users other than root (group {})", path, st.st_gid);
  if ((st.st_mode & S_IWOTH) != 0 && (is_leaf || (st.st_mode & S_ISVTX) == 0))
    return fmt::format("{} is writable by users other than root", path);
  if (is_leaf && !S_ISREG(st.st_mode)) return fmt::format("{} is not a regular file", path);
  return std::nullopt;
}

}  // namespace

std::optional<std::string> unsafe_program(const std::string& program) {
  if (program.empty() || program.front() != '/') return fmt::format("{} is not an absolute path", program);
  char resolved[PATH_MAX];
  if (::realpath(program.c_str(), resolved) == nullptr)
    return fmt::format("{}: {}", program, std::strerror(errno));
  const std::string path(resolved);
  if (auto why = unsafe_entry(path, true)) return why;
  // Each directory from the program's up to "/".
  for (auto slash = path.rfind('/'); slash != std::string::npos; slash = path.rfind('/', slash - 1)) {
    const std::string dir = slash == 0 ? "/" : path.substr(0, slash);
    if (auto why = unsafe_entry(dir, false)) return why;
    if (slash == 0) break;
  }
  return std::nullopt;
}

}  // namespace tandem::checks
