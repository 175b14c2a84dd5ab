// ExecProbe with real child processes: exit status, timeout killing the whole
// process group, environment, user switch, output cap, the script-security
// refusal, and no fd or child leaks over many runs.
#include "checks/probes/exec_probe.hpp"

#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "checks/probes/program_safety.hpp"
#include "tests/checks/support.hpp"

using namespace std::chrono_literals;
using namespace tandem;
using namespace tandem::checks;
using namespace tandem::checks::test;

namespace {

// The unprivileged user the programs run as: "nobody" when the tests run as
// root (the production default), else the current user, who cannot switch.
std::string exec_user() {
  if (::geteuid() == 0) return "nobody";
  return ::getpwuid(::geteuid())->pw_name;
}

std::string write_script(const TempDir& dir, const std::string& name, const std::string& body) {
  const auto path = dir.path() / name;
  std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
  std::filesystem::permissions(path, std::filesystem::perms(0755));
  return path.string();
}

CheckDefinition exec_check(std::vector<std::string> argv) {
  CheckDefinition d;
  d.kind = CheckKind::exec;
  d.command = std::move(argv);
  d.user = exec_user();
  d.timeout = 2000ms;
  return d;
}

const Endpoint real{IpAddress::v4({127, 0, 0, 9}), 8080};

ProbeResult exec(asio::io_context& io, const CheckDefinition& d) {
  auto plan = ExecPlan::make(d, real);
  REQUIRE(plan);
  return run_probe(io, std::make_shared<ExecProbe>(io, plan.value()));
}

}  // namespace

TEST_CASE("exec: exit 0 is up, exit 2 is 'exec exited 2'", "[probe]") {
  asio::io_context io;
  auto r = exec(io, exec_check({"/bin/true"}));
  CHECK(r.ok);
  CHECK(r.reason == "exec exited 0");
  r = exec(io, exec_check({"/bin/sh", "-c", "echo failing; exit 2"}));
  CHECK_FALSE(r.ok);
  CHECK(r.reason == "exec exited 2");
  CHECK(r.detail == "failing\n");
}

TEST_CASE("exec: the real server is in the environment, argv goes without a shell", "[probe]") {
  asio::io_context io;
  auto d = exec_check({"/bin/sh", "-c", "echo \"$TANDEM_REAL_ADDRESS:$TANDEM_REAL_PORT $TANDEM_CHECK_PORT $1\"",
                       "sh", "a b;$(x)"});
  d.connect_port = 9090;
  const auto r = exec(io, d);
  CHECK(r.ok);
  CHECK(r.detail == "127.0.0.9:8080 9090 a b;$(x)\n");
}

TEST_CASE("exec: runs as the configured user", "[probe]") {
  asio::io_context io;
  const auto r = exec(io, exec_check({"/usr/bin/id", "-un"}));
  CHECK(r.ok);
  CHECK(r.detail == exec_user() + "\n");
}

namespace {

// The capabilities the packaged unit gives the director as ambient ones.
constexpr int kDirectorCaps[] = {CAP_NET_ADMIN, CAP_NET_RAW, CAP_SETUID, CAP_SETGID, CAP_KILL};

// Turns this (forked, root) process into what systemd makes of the packaged
// unit: uid/gid 1 ("daemon") holding kDirectorCaps as ambient capabilities.
bool become_capable_non_root() {
  if (::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) return false;
  if (::setgroups(0, nullptr) != 0 || ::setgid(1) != 0 || ::setuid(1) != 0) return false;
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
  for (int cap : kDirectorCaps) {
    data[0].permitted |= 1U << cap;
    data[0].effective |= 1U << cap;
    data[0].inheritable |= 1U << cap;  // raising an ambient capability needs it inheritable
  }
  if (::syscall(SYS_capset, &header, data) != 0) return false;
  for (int cap : kDirectorCaps)
    if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) != 0) return false;
  return ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_NET_ADMIN, 0, 0) == 1;
}

}  // namespace

TEST_CASE("exec: the program gets no capability, even from a director holding ambient ones", "[probe]") {
  TempDir dir;
  // The shell reads its own capability sets; any non-zero set fails the check.
  const std::string script = write_script(dir, "caps.sh",
                                          "while read -r key value; do\n"
                                          "  case $key in CapInh:|CapPrm:|CapEff:|CapAmb:)\n"
                                          "    [ \"$value\" = 0000000000000000 ] || { echo \"$key $value\"; exit 1; };;\n"
                                          "  esac\n"
                                          "done < /proc/self/status");
  {
    asio::io_context io;
    const auto r = exec(io, exec_check({script}));
    CHECK(r.ok);
    CHECK(r.detail == "");
  }
  if (::geteuid() != 0) return;  // only root can make a process with ambient capabilities
  // In a child: the capability change cannot be undone, and Catch's macros
  // stay in the parent. Exit 0: the program had none; 1: it had some (its
  // output says which); 2: the set-up failed.
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    if (!become_capable_non_root()) ::_exit(2);
    asio::io_context io;
    auto d = exec_check({script});
    d.user = "nobody";
    const auto plan = ExecPlan::make(d, real);
    if (!plan) ::_exit(2);
    const auto r = run_probe(io, std::make_shared<ExecProbe>(io, plan.value()));
    if (!r.ok) fmt::print(stderr, "{}: {}", r.reason, r.detail);
    ::_exit(r.ok ? 0 : 1);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("exec: the timeout kills the whole process group", "[probe]") {
  TempDir dir;
  asio::io_context io;
  const auto marker = dir.path() / "grandchild.pid";
  // The program starts a grandchild that would outlive it, then hangs.
  auto d = exec_check({"/bin/sh", "-c", fmt::format("sleep 30 & echo $! > {}; sleep 30", marker.string())});
  d.user = "root";  // to write the marker into the test's directory
  d.timeout = 300ms;
  const auto r = exec(io, d);
  CHECK_FALSE(r.ok);
  CHECK(r.reason == "exec killed after 300 ms");
  pid_t grandchild = 0;
  std::ifstream(marker) >> grandchild;
  REQUIRE(grandchild > 0);
  // The grandchild was reparented away from us; it must be dead (SIGKILL to the group).
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {  // bounded: 1 s for the kernel to finish it
    std::ifstream stat(fmt::format("/proc/{}/stat", grandchild));
    std::string line;
    gone = !std::getline(stat, line) || line.find(") Z ") != std::string::npos;
    if (!gone) std::this_thread::sleep_for(10ms);
  }
  CHECK(gone);
  CHECK(child_processes() == 0);
}

TEST_CASE("exec: output is captured up to the cap and the rest drained", "[probe]") {
  asio::io_context io;
  auto d = exec_check({"/bin/sh", "-c", "head -c 1000000 /dev/zero | tr '\\0' x; exit 3"});
  d.max_output_bytes = 100;
  const auto r = exec(io, d);
  CHECK(r.reason == "exec exited 3");
  CHECK(r.detail == std::string(100, 'x'));
}

TEST_CASE("exec: programs others can modify are refused, naming the path", "[probe]") {
  TempDir dir;
  asio::io_context io;
  const std::string script = write_script(dir, "check.sh", "exit 0");
  CHECK(exec(io, exec_check({script})).ok);

  std::filesystem::permissions(script, std::filesystem::perms(0757));  // world-writable
  auto r = exec(io, exec_check({script}));
  CHECK_FALSE(r.ok);
  CHECK(r.reason == fmt::format("exec refused: {} is writable by users other than root", script));

  std::filesystem::permissions(script, std::filesystem::perms(0755));
  std::filesystem::permissions(dir.path(), std::filesystem::perms(0777));  // its directory
  r = exec(io, exec_check({script}));
  CHECK(r.reason == fmt::format("exec refused: {} is writable by users other than root", dir.path().string()));
  std::filesystem::permissions(dir.path(), std::filesystem::perms(0755));

  if (::geteuid() == 0) {
    REQUIRE(::chown(script.c_str(), 65534, 65534) == 0);
    r = exec(io, exec_check({script}));
    CHECK(r.reason == fmt::format("exec refused: {} is owned by uid 65534, not root", script));
  }
  CHECK(unsafe_program("/bin/true") == std::nullopt);
  CHECK(unsafe_program("relative/x") == "relative/x is not an absolute path");
}

TEST_CASE("exec: a program that cannot start, an unknown user", "[probe]") {
  TempDir dir;
  asio::io_context io;
  const std::string script = write_script(dir, "noexec.sh", "exit 0");
  std::filesystem::permissions(script, std::filesystem::perms(0644));
  const auto r = exec(io, exec_check({script}));
  CHECK_FALSE(r.ok);
  CHECK(r.reason == fmt::format("exec cannot start {}: Permission denied", script));

  auto d = exec_check({"/bin/true"});
  d.user = "no-such-user-tandem";
  CHECK(ExecPlan::make(d, real).error() == checks::make_error_code(checks::errc::unknown_user));
  d.command = {"true"};
  CHECK(ExecPlan::make(d, real).error() == checks::make_error_code(checks::errc::relative_program));
}

TEST_CASE("exec: cancel kills, reaps and completes once", "[probe]") {
  asio::io_context io;
  auto d = exec_check({"/bin/sleep", "30"});
  auto p = std::make_shared<ExecProbe>(io, ExecPlan::make(d, real).value());
  int calls = 0;
  std::string why;
  p->start([&](ProbeResult r) {
    ++calls;
    why = r.reason;
  });
  io.run_for(50ms);
  p->cancel();
  p->cancel();
  io.restart();
  for (int i = 0; i < 50 && calls == 0; ++i) io.run_one_for(100ms);
  CHECK(calls == 1);
  CHECK(why == "cancelled");
  CHECK(child_processes() == 0);
}

TEST_CASE("exec: a thousand runs leak no fds and leave no children", "[probe]") {
  asio::io_context io;
  exec(io, exec_check({"/bin/true"}));
  const std::size_t fds = open_fds();
  int ok = 0, failed = 0, pending = 0;
  auto good = ExecPlan::make(exec_check({"/bin/true"}), real).value();
  auto bad = ExecPlan::make(exec_check({"/bin/false"}), real).value();
  for (int round = 0; round < 25; ++round) {
    std::vector<std::shared_ptr<ExecProbe>> probes;
    for (int i = 0; i < 40; ++i) {
      probes.push_back(std::make_shared<ExecProbe>(io, i % 2 ? good : bad));
      ++pending;
      probes.back()->start([&](ProbeResult r) {
        (r.ok ? ok : failed)++;
        --pending;
      });
    }
    io.restart();
    const auto limit = std::chrono::steady_clock::now() + 20s;
    while (pending > 0 && std::chrono::steady_clock::now() < limit) io.run_one_for(100ms);
  }
  CHECK(ok == 500);
  CHECK(failed == 500);
  CHECK(open_fds() == fds);
  CHECK(child_processes() == 0);
}
