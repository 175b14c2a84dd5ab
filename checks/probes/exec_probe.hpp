// ExecProbe: run a program (argument vector, no shell) as an unprivileged
// user in its own process group; exit status 0 means up. The timeout kills the
// whole group; the child is always reaped (pidfd, no SIGCHLD handler); output
// is kept up to a cap for the log. One object per run.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "checks/core/check_definition.hpp"
#include "checks/core/errc.hpp"
#include "checks/probes/completion.hpp"
#include "checks/probes/probe.hpp"
#include "common/result.hpp"

namespace tandem::checks {

// What does not change between runs: argv, environment, the user's ids.
struct ExecPlan {
  std::vector<std::string> argv;
  std::vector<std::string> env;   // PATH, TANDEM_REAL_ADDRESS/PORT, TANDEM_CHECK_ADDRESS/PORT
  std::string user;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;      // supplementary groups, resolved before fork
  Duration timeout{1000};
  std::uint32_t max_output_bytes = 4096;

  // Resolves the user and builds argv and env for real server `real`.
  // Returns errc::empty_command, errc::relative_program or errc::unknown_user.
  static Result<std::shared_ptr<const ExecPlan>> make(const CheckDefinition& d, const Endpoint& real);
};

class ExecProbe final : public Probe, public std::enable_shared_from_this<ExecProbe> {
 public:
  ExecProbe(asio::io_context& io, std::shared_ptr<const ExecPlan> plan);
  ~ExecProbe() override;  // kills and reaps a child still running

  // Verdicts: "exec exited 0"; failures "exec exited N", "exec killed after N
  // ms", "exec killed by signal N", "exec refused: <path> is writable by users
  // other than root", "exec cannot start <path>: <errno text>", "exec cannot
  // switch to user <name>: <errno text>". The output goes to ProbeResult::detail.
  void cancel() override;

 private:
  void run(TimePoint now, ProbeDone done) override;
  void read_output();
  void on_exit();
  void kill_group() noexcept;
  void reap_blocking() noexcept;
  std::string child_error();

  std::shared_ptr<const ExecPlan> plan_;
  asio::io_context& io_;
  ProbeCompletion completion_;
  asio::posix::stream_descriptor output_;
  asio::posix::stream_descriptor exited_;  // the pidfd: readable once the child has exited
  asio::steady_timer deadline_;
  int error_fd_ = -1;  // read end of the child's exec-failure report
  pid_t pid_ = -1;
  bool timed_out_ = false;
  bool cancelled_ = false;
  std::string output_text_;
  std::array<char, 1024> buffer_{};
};

}  // namespace tandem::checks
