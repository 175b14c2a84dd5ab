// Runs programs for kernel tests: one-shot commands whose output is captured
// (ipvsadm, ip) and background processes (servers inside namespaces) that are
// killed by PID and reaped when the owning object goes away, even when a test
// assertion fails first.
//
// Test support only: errors are thrown as std::runtime_error, which Catch2
// reports as a failed test with the message.
#pragma once

#include <chrono>
#include <string>
#include <sys/types.h>
#include <vector>

namespace tandem::kernel_test {

struct CommandResult {
  int status = -1;       // exit status, or 128 + signal when killed
  std::string output;    // stdout and stderr, interleaved
};

// Runs argv[0] (looked up on PATH) with the given arguments, stdin from
// /dev/null, and waits at most `timeout`; on expiry the child is killed and
// status is 128 + SIGKILL. Throws std::runtime_error when it cannot start.
CommandResult run_command(const std::vector<std::string>& argv,
                          std::chrono::milliseconds timeout = std::chrono::seconds(20));

// Like run_command, but throws std::runtime_error (with the command line and
// its output) unless the exit status is 0. Returns the output.
std::string run_checked(const std::vector<std::string>& argv,
                        std::chrono::milliseconds timeout = std::chrono::seconds(20));

// A child process running in the background, its output sent to a file.
// The destructor kills it (SIGKILL, by PID) and reaps it.
class BackgroundProcess {
 public:
  // Throws std::runtime_error when fork or exec preparation fails.
  BackgroundProcess(const std::vector<std::string>& argv, const std::string& log_path);
  ~BackgroundProcess();
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;

  pid_t pid() const noexcept { return pid_; }
  // True while the child has not exited (reaps it if it has).
  bool running();

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
};

// Joins argv into one line for messages.
std::string join_command(const std::vector<std::string>& argv);

}  // namespace tandem::kernel_test
