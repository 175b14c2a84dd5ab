// Implementation of netns.hpp with unshare/setns and the `ip` command.
#include "tests/kernel/support/netns.hpp"

#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "tests/kernel/support/command.hpp"

namespace tandem::kernel_test {
namespace {

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error(what + ": " + std::strerror(errno));
}

}  // namespace

void bring_loopback_up() {
  const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    fail("socket for SIOCSIFFLAGS");
  }
  ifreq request{};
  std::strncpy(request.ifr_name, "lo", IFNAMSIZ - 1);
  const bool ok = ioctl(fd, SIOCGIFFLAGS, &request) == 0 &&
                  (request.ifr_flags |= IFF_UP, ioctl(fd, SIOCSIFFLAGS, &request) == 0);
  const int saved = errno;
  close(fd);
  if (!ok) {
    errno = saved;
    fail("bringing lo up");
  }
}

FreshNetns::FreshNetns() {
  // thread-self: the namespace of this thread, which is what unshare changes.
  original_fd_ = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (original_fd_ < 0) {
    fail("open /proc/thread-self/ns/net");
  }
  if (unshare(CLONE_NEWNET) != 0) {
    const int saved = errno;
    close(original_fd_);
    errno = saved;
    fail("unshare(CLONE_NEWNET)");
  }
  bring_loopback_up();
}

FreshNetns::~FreshNetns() {
  // A failed setns would leave later tests in this namespace; nothing sane is
  // left to do from a destructor but to stop the run loudly.
  if (setns(original_fd_, CLONE_NEWNET) != 0) {
    std::perror("FreshNetns: setns back to the original namespace");
    std::abort();
  }
  close(original_fd_);
}

NamedNetns::NamedNetns(const std::string& base)
    : name_(base + "-" + std::to_string(getpid())) {
  run_checked({"ip", "netns", "add", name_});
  try {
    run_checked({"ip", "-n", name_, "link", "set", "lo", "up"});
  } catch (...) {
    run_command({"ip", "netns", "del", name_});
    throw;
  }
}

NamedNetns::~NamedNetns() {
  try {
    run_command({"ip", "netns", "del", name_});
  } catch (...) {
    // Destructors must not throw; a leftover namespace dies with the guest.
  }
}

}  // namespace tandem::kernel_test
