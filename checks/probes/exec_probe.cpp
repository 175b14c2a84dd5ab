// ExecProbe: fork, drop privileges, exec; pidfd for exit; process-group kill.
#include "checks/probes/exec_probe.hpp"

#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "checks/core/reasons.hpp"
#include "checks/probes/program_safety.hpp"

namespace tandem::checks {

namespace sys = boost::system;

namespace {

// What the child reports through the close-on-exec error pipe when it fails
// before execve: the stage and errno.
enum class Stage : int { setup = 1, user = 2, exec = 3 };
struct ChildError {
  Stage stage;
  int error;
};

int pidfd_open(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

// In the child, after the user switch: leave the program no capability.
// A director run as a non-root user with ambient capabilities (the packaged
// systemd unit) keeps them across a setuid between two non-zero uids, and
// ambient ones would even survive execve; only a switch away from uid 0
// clears them by itself. Raw syscalls: async-signal-safe, no libcap.
bool drop_capabilities() {
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) return false;
  if (::geteuid() == 0) return true;  // execve recomputes root's sets from the bounding set anyway
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct none[_LINUX_CAPABILITY_U32S_3] = {};
  return ::syscall(SYS_capset, &header, none) == 0;
}

// In the child, between fork and execve: only async-signal-safe calls.
[[noreturn]] void child_fail(int fd, Stage stage) {
  const ChildError e{stage, errno};
  [[maybe_unused]] auto n = ::write(fd, &e, sizeof e);
  ::_exit(127);
}

}  // namespace

Result<std::shared_ptr<const ExecPlan>> ExecPlan::make(const CheckDefinition& d, const Endpoint& real) {
  if (d.command.empty() || d.command.front().empty()) return make_error_code(errc::empty_command);
  if (d.command.front().front() != '/') return make_error_code(errc::relative_program);
  auto p = std::make_shared<ExecPlan>();
  p->argv = d.command;
  const Endpoint target = probe_target(d, real);
  p->env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            fmt::format("TANDEM_REAL_ADDRESS={}", real.address),
            fmt::format("TANDEM_REAL_PORT={}", real.port),
            fmt::format("TANDEM_CHECK_ADDRESS={}", target.address),
            fmt::format("TANDEM_CHECK_PORT={}", target.port)};
  p->user = d.user;
  p->timeout = d.timeout;
  p->max_output_bytes = d.max_output_bytes;
  // Resolved here, not in the child: getpwnam and getgrouplist are not
  // async-signal-safe.
  std::vector<char> buf(16384);
  passwd pw{};
  passwd* found = nullptr;
  if (::getpwnam_r(d.user.c_str(), &pw, buf.data(), buf.size(), &found) != 0 || found == nullptr)
    return make_error_code(errc::unknown_user);
  p->uid = pw.pw_uid;
  p->gid = pw.pw_gid;
  int n = 64;
  p->groups.resize(static_cast<std::size_t>(n));
  if (::getgrouplist(pw.pw_name, pw.pw_gid, p->groups.data(), &n) < 0) {
    p->groups.resize(static_cast<std::size_t>(n));
    ::getgrouplist(pw.pw_name, pw.pw_gid, p->groups.data(), &n);
  }
  p->groups.resize(static_cast<std::size_t>(n));
  return std::shared_ptr<const ExecPlan>(std::move(p));
}

ExecProbe::ExecProbe(asio::io_context& io, std::shared_ptr<const ExecPlan> plan)
    : plan_(std::move(plan)), io_(io), completion_(io), output_(io), exited_(io), deadline_(io) {}

ExecProbe::~ExecProbe() {
  if (pid_ > 0) {
    kill_group();
    reap_blocking();  // SIGKILLed: returns at once; never leave a zombie
  }
  if (error_fd_ >= 0) ::close(error_fd_);
}

void ExecProbe::run(TimePoint /*now: the timer counts from the fork*/, ProbeDone done) {
  completion_.arm(std::move(done));
  const std::string& program = plan_->argv.front();
  if (auto why = unsafe_program(program))
    return void(completion_.finish(ProbeResult::failure(fmt::format("exec refused: {}", *why))));

  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return void(completion_.finish(ProbeResult::failure(
                                         fmt::format("exec cannot start {}: {}", program, std::strerror(errno)))));
  if (::pipe2(err, O_CLOEXEC) != 0) {
    ::close(out[0]);
    ::close(out[1]);
    return void(completion_.finish(
        ProbeResult::failure(fmt::format("exec cannot start {}: {}", program, std::strerror(errno)))));
  }
  const int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  // Everything the child needs, built before fork.
  std::vector<char*> argv, envp;
  for (const auto& a : plan_->argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (const auto& e : plan_->env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  const bool switch_user = plan_->uid != ::geteuid();

  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setpgid(0, 0);  // its own group, so the timeout kills its children too
    sigset_t none;
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGPIPE, SIG_DFL);  // an ignored SIGPIPE would survive execve
    if (devnull < 0 || ::dup2(devnull, 0) < 0 || ::dup2(out[1], 1) < 0 || ::dup2(out[1], 2) < 0)
      child_fail(err[1], Stage::setup);
    // Keep 0-2 and the error pipe (moved to fd 3); close whatever else the
    // director had open, so no socket or pipe leaks into the program.
    int report = err[1];
    if (report != 3) {
      if (::dup2(report, 3) < 0) child_fail(report, Stage::setup);
      report = 3;
      ::fcntl(report, F_SETFD, FD_CLOEXEC);
    }
    if (::syscall(SYS_close_range, 4U, ~0U, 0U) != 0)
      for (int fd = 4; fd < 65536; ++fd) ::close(fd);
    if (switch_user) {
      if (::setgroups(plan_->groups.size(), plan_->groups.data()) != 0 || ::setgid(plan_->gid) != 0 ||
          ::setuid(plan_->uid) != 0)
        child_fail(report, Stage::user);
    }
    if (!drop_capabilities()) child_fail(report, Stage::user);
    ::execve(argv[0], argv.data(), envp.data());
    child_fail(report, Stage::exec);
  }
  ::close(out[1]);
  ::close(err[1]);
  if (devnull >= 0) ::close(devnull);
  if (pid < 0) {
    ::close(out[0]);
    ::close(err[0]);
    return void(completion_.finish(
        ProbeResult::failure(fmt::format("exec cannot start {}: {}", program, std::strerror(errno)))));
  }
  pid_ = pid;
  ::setpgid(pid, pid);  // also from the parent: no window where a kill misses the group
  error_fd_ = err[0];
  output_.assign(out[0]);
  const int pidfd = pidfd_open(pid);
  if (pidfd < 0) {
    kill_group();
    reap_blocking();
    return void(completion_.finish(ProbeResult::failure(
        fmt::format("exec cannot watch {}: pidfd_open: {}", program, std::strerror(errno)))));
  }
  exited_.assign(pidfd);
  auto self = shared_from_this();
  exited_.async_wait(asio::posix::descriptor_base::wait_read, [self](const sys::error_code& ec) {
    if (ec != asio::error::operation_aborted) self->on_exit();
  });
  deadline_.expires_after(plan_->timeout);
  deadline_.async_wait([self](const sys::error_code& ec) {
    if (ec || self->pid_ <= 0) return;
    self->timed_out_ = true;
    self->kill_group();  // the pidfd wakes us when it is dead
  });
  read_output();
}

void ExecProbe::read_output() {
  auto self = shared_from_this();
  output_.async_read_some(asio::buffer(buffer_), [self](const sys::error_code& ec, std::size_t n) {
    const std::size_t cap = self->plan_->max_output_bytes;
    if (self->output_text_.size() < cap)
      self->output_text_.append(self->buffer_.data(), std::min(n, cap - self->output_text_.size()));
    // Keep draining past the cap so the child never blocks on a full pipe.
    if (!ec) self->read_output();
  });
}

void ExecProbe::cancel() {
  if (completion_.finished() || cancelled_) return;
  cancelled_ = true;
  if (pid_ > 0) {
    kill_group();  // on_exit reaps and completes
  } else {
    completion_.finish(ProbeResult::failure("cancelled"));
  }
}

void ExecProbe::kill_group() noexcept {
  if (pid_ > 0) ::kill(-pid_, SIGKILL);
}

void ExecProbe::reap_blocking() noexcept {
  if (pid_ <= 0) return;
  while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
}

std::string ExecProbe::child_error() {
  ChildError e{};
  const auto n = ::read(error_fd_, &e, sizeof e);
  if (n != static_cast<ssize_t>(sizeof e)) return {};
  const std::string& program = plan_->argv.front();
  switch (e.stage) {
    case Stage::user:
      return fmt::format("exec cannot switch to user {}: {}", plan_->user, std::strerror(e.error));
    case Stage::exec: return fmt::format("exec cannot start {}: {}", program, std::strerror(e.error));
    case Stage::setup: break;
  }
  return fmt::format("exec cannot set up {}: {}", program, std::strerror(e.error));
}

void ExecProbe::on_exit() {
  if (pid_ <= 0) return;
  // Kill what the program left behind in its group before reaping the leader:
  // while the leader is a zombie its pid (the group id) cannot be reused.
  kill_group();
  int status = 0;
  pid_t r;
  while ((r = ::waitpid(pid_, &status, WNOHANG)) < 0 && errno == EINTR) {
  }
  if (r == 0) {
    // Not reaped yet (spurious wake-up): wait again.
    auto self = shared_from_this();
    exited_.async_wait(asio::posix::descriptor_base::wait_read,
                       [self](const sys::error_code&) { self->on_exit(); });
    return;
  }
  pid_ = -1;
  sys::error_code ignored;
  deadline_.cancel();
  exited_.close(ignored);
  // Take what is already in the pipe, then stop reading.
  for (int i = 0; i < 64 && output_text_.size() < plan_->max_output_bytes; ++i) {
    output_.non_blocking(true, ignored);
    const std::size_t n = output_.read_some(asio::buffer(buffer_), ignored);
    if (ignored || n == 0) break;
    output_text_.append(buffer_.data(), std::min(n, plan_->max_output_bytes - output_text_.size()));
  }
  output_.close(ignored);

  ProbeResult result;
  if (std::string why = child_error(); !why.empty()) {
    result = ProbeResult::failure(std::move(why));
  } else if (cancelled_) {
    result = ProbeResult::failure("cancelled");
  } else if (timed_out_) {
    result = ProbeResult::failure(reason::exec_killed(plan_->timeout));
  } else if (WIFEXITED(status)) {
    const int code = WEXITSTATUS(status);
    result = code == 0 ? ProbeResult::success(reason::exec_exited(0)) : ProbeResult::failure(reason::exec_exited(code));
  } else {
    result = ProbeResult::failure(reason::exec_signalled(WIFSIGNALED(status) ? WTERMSIG(status) : 0));
  }
  result.detail = std::move(output_text_);
  completion_.finish(std::move(result));
}

}  // namespace tandem::checks
