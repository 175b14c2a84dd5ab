// Network namespaces for kernel tests.
//
// FreshNetns moves the calling thread into a new, empty network namespace (so
// an empty IPVS table, only a `lo` that it brings up) and moves it back on
// destruction; put one at the top of each TEST_CASE, as moby/ipvs's tests do
// with unshare(CLONE_NEWNET). Children the thread starts (ipvsadm, ip) inherit
// the namespace, and so do netlink sockets it opens.
//
// NamedNetns is a namespace created with `ip netns add` (so `ip netns exec`
// and `ip link ... netns NAME` can use it), deleted on destruction. Names carry
// the test process's PID, so two test binaries never collide.
//
// Test support only: failures throw std::runtime_error.
#pragma once

#include <string>

namespace tandem::kernel_test {

class FreshNetns {
 public:
  // Throws std::runtime_error when unshare(CLONE_NEWNET) fails (needs root).
  FreshNetns();
  // Returns the thread to the namespace it was in before; the new namespace
  // disappears with its last user (its IPVS table with it).
  ~FreshNetns();
  FreshNetns(const FreshNetns&) = delete;
  FreshNetns& operator=(const FreshNetns&) = delete;

 private:
  int original_fd_ = -1;
};

class NamedNetns {
 public:
  // Creates `ip netns add <base>-<pid>` with its `lo` up. Throws on failure.
  explicit NamedNetns(const std::string& base);
  ~NamedNetns();  // `ip netns del`, errors ignored
  NamedNetns(const NamedNetns&) = delete;
  NamedNetns& operator=(const NamedNetns&) = delete;

  const std::string& name() const noexcept { return name_; }

 private:
  std::string name_;
};

// Brings the loopback interface of the calling thread's namespace up.
// Throws std::runtime_error on failure.
void bring_loopback_up();

}  // namespace tandem::kernel_test
