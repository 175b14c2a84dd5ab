// Implementation of lab.hpp with setns(2) and iproute2's `ip`.
#include "tests/vrrp/io/lab.hpp"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include "tests/kernel/support/command.hpp"

namespace tandem::vrrp::io::test {

InNetns::InNetns(const std::string& name) {
  original_fd_ = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (original_fd_ < 0) {
    throw std::runtime_error(std::string("open own netns: ") + std::strerror(errno));
  }
  const std::string path = "/run/netns/" + name;
  const int target = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (target < 0 || setns(target, CLONE_NEWNET) != 0) {
    const std::string why = std::strerror(errno);
    if (target >= 0) {
      close(target);
    }
    close(original_fd_);
    throw std::runtime_error("entering " + path + ": " + why);
  }
  close(target);
}

InNetns::~InNetns() {
  // Staying in a test namespace would corrupt every later test: stop loudly.
  if (setns(original_fd_, CLONE_NEWNET) != 0) {
    std::perror("InNetns: setns back");
    std::abort();
  }
  close(original_fd_);
}

TwoHosts::TwoHosts() : a_("tvio-a"), b_("tvio-b") {}

void TwoHosts::link(const std::string& a_if, const std::string& b_if) {
  ip(a(), {"link", "add", a_if, "type", "veth", "peer", "name", b_if, "netns", b()});
  ip(a(), {"link", "set", a_if, "up"});
  ip(b(), {"link", "set", b_if, "up"});
}

std::string ip(const std::string& ns, const std::vector<std::string>& args) {
  std::vector<std::string> argv{"ip", "-n", ns};
  argv.insert(argv.end(), args.begin(), args.end());
  return kernel_test::run_checked(argv);
}

bool run_until(asio::io_context& io, const std::function<bool()>& done,
               std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    io.restart();
    if (io.run_for(std::chrono::milliseconds(10)) == 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));  // no work: do not spin
    }
  }
  return done();
}

void run_for(asio::io_context& io, std::chrono::milliseconds duration) {
  const auto deadline = std::chrono::steady_clock::now() + duration;
  while (std::chrono::steady_clock::now() < deadline) {
    io.restart();
    if (io.run_for(std::chrono::milliseconds(10)) == 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));  // no work: do not spin
    }
  }
}

bool wait_for(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

int count_open_fds() {
  int n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    ++n;
  }
  return n;
}

}  // namespace tandem::vrrp::io::test
