// Implementation of command.hpp: fork + execvp with a pipe (or a log file) and
// a bounded wait.
#include "tests/kernel/support/command.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace tandem::kernel_test {
namespace {

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error(what + ": " + std::strerror(errno));
}

std::vector<char*> c_argv(const std::vector<std::string>& argv) {
  std::vector<char*> out;
  out.reserve(argv.size() + 1);
  for (const auto& arg : argv) {
    out.push_back(const_cast<char*>(arg.c_str()));
  }
  out.push_back(nullptr);
  return out;
}

// In the child after fork: only async-signal-safe calls until exec.
[[noreturn]] void exec_child(const std::vector<char*>& args, int out_fd) {
  const int null_fd = open("/dev/null", O_RDONLY);
  if (null_fd >= 0) {
    dup2(null_fd, STDIN_FILENO);
  }
  dup2(out_fd, STDOUT_FILENO);
  dup2(out_fd, STDERR_FILENO);
  execvp(args[0], args.data());
  _exit(127);
}

int decode_status(int raw) {
  if (WIFEXITED(raw)) {
    return WEXITSTATUS(raw);
  }
  if (WIFSIGNALED(raw)) {
    return 128 + WTERMSIG(raw);
  }
  return -1;
}

}  // namespace

std::string join_command(const std::vector<std::string>& argv) {
  std::string line;
  for (const auto& arg : argv) {
    if (!line.empty()) {
      line += ' ';
    }
    line += arg;
  }
  return line;
}

CommandResult run_command(const std::vector<std::string>& argv,
                          std::chrono::milliseconds timeout) {
  if (argv.empty()) {
    throw std::runtime_error("run_command: empty command");
  }
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    fail("pipe");
  }
  auto args = c_argv(argv);
  const pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    fail("fork");
  }
  if (pid == 0) {
    exec_child(args, fds[1]);
  }
  close(fds[1]);

  CommandResult result;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool killed = false;
  char buffer[4096];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      kill(pid, SIGKILL);
      killed = true;
      break;
    }
    pollfd pfd{fds[0], POLLIN, 0};
    const int ready = poll(&pfd, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) {
      continue;
    }
    if (ready <= 0) {
      continue;  // the deadline check above ends the loop
    }
    const ssize_t n = read(fds[0], buffer, sizeof buffer);
    if (n > 0) {
      result.output.append(buffer, static_cast<std::size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;  // end of output (or an unreadable pipe): wait for the exit status
    }
  }
  close(fds[0]);
  int raw = 0;
  while (waitpid(pid, &raw, 0) < 0 && errno == EINTR) {
  }
  result.status = killed ? 128 + SIGKILL : decode_status(raw);
  return result;
}

std::string run_checked(const std::vector<std::string>& argv,
                        std::chrono::milliseconds timeout) {
  auto result = run_command(argv, timeout);
  if (result.status != 0) {
    throw std::runtime_error("`" + join_command(argv) + "` exited with " +
                             std::to_string(result.status) + ": " + result.output);
  }
  return std::move(result.output);
}

BackgroundProcess::BackgroundProcess(const std::vector<std::string>& argv,
                                     const std::string& log_path) {
  if (argv.empty()) {
    throw std::runtime_error("BackgroundProcess: empty command");
  }
  const int log_fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    fail("open " + log_path);
  }
  auto args = c_argv(argv);
  pid_ = fork();
  if (pid_ < 0) {
    close(log_fd);
    fail("fork");
  }
  if (pid_ == 0) {
    exec_child(args, log_fd);
  }
  close(log_fd);
}

BackgroundProcess::~BackgroundProcess() {
  if (pid_ > 0 && !reaped_) {
    kill(pid_, SIGKILL);
    int raw = 0;
    while (waitpid(pid_, &raw, 0) < 0 && errno == EINTR) {
    }
  }
}

bool BackgroundProcess::running() {
  if (reaped_) {
    return false;
  }
  int raw = 0;
  const pid_t done = waitpid(pid_, &raw, WNOHANG);
  if (done == pid_) {
    reaped_ = true;
    return false;
  }
  return true;
}

}  // namespace tandem::kernel_test
