// Test support for the VRRP adapters: two network namespaces joined by veth
// pairs, a way to run code inside one of them, and small waiting helpers.
//
// Names carry the test process's PID (NamedNetns); the namespaces and every
// interface in them disappear in the destructors, also when an assertion
// fails first. Nothing is created in the host namespace. Test support only:
// failures throw std::runtime_error, which Catch2 reports with the message.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "common/asio.hpp"
#include "tests/kernel/support/netns.hpp"

namespace tandem::vrrp::io::test {

// Moves the calling thread into namespace `name` (as created by `ip netns
// add`) and back on destruction. Sockets opened meanwhile stay in `name`.
class InNetns {
 public:
  explicit InNetns(const std::string& name);
  ~InNetns();
  InNetns(const InNetns&) = delete;
  InNetns& operator=(const InNetns&) = delete;

 private:
  int original_fd_ = -1;
};

// Namespaces A and B; `link(a_if, b_if)` adds a veth pair between them, both
// ends up.
class TwoHosts {
 public:
  TwoHosts();
  const std::string& a() const { return a_.name(); }
  const std::string& b() const { return b_.name(); }
  void link(const std::string& a_if, const std::string& b_if);

 private:
  kernel_test::NamedNetns a_;
  kernel_test::NamedNetns b_;
};

// `ip -n NS args...`; throws with the output unless it exits 0.
std::string ip(const std::string& ns, const std::vector<std::string>& args);

// Runs `io` until `done()` or `timeout`, in small slices. Returns done().
bool run_until(asio::io_context& io, const std::function<bool()>& done,
               std::chrono::milliseconds timeout);

// Runs `io` for `duration` (to show that nothing arrives).
void run_for(asio::io_context& io, std::chrono::milliseconds duration);

// Polls `done()` every 20 ms until true or `timeout`. Returns done().
bool wait_for(const std::function<bool()>& done, std::chrono::milliseconds timeout);

// Open file descriptors of this process (entries of /proc/self/fd).
int count_open_fds();

}  // namespace tandem::vrrp::io::test
