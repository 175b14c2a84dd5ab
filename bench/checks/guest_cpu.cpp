// tandem_guest_cpu: CPU of a user-mode-linux guest, measured by the host.
//
// Why: Debian's UML 6.1 has CONFIG_HZ=100, tick-based CPU accounting and no
// sched_clock of its own (the generic one counts jiffies), so inside the guest
// a task's run time (/proc/PID/stat, schedstat, getrusage) advances in whole
// 10 ms jiffies. A task that works in short bursts is under-charged, and one
// whose bursts start on a timer grid (tandem's checker wakes on a 5 ms grid) is
// charged almost nothing. `bursts` shows this with work of known length.
//
// The host accounts the guest precisely: the guest's kernel and each of its
// address spaces are host processes in one process group (the UML kernel's),
// and the host's run time (schedstat, nanoseconds) is not tick-sampled. The
// guest is idle when the host processes sleep, so their CPU over a window is
// everything the guest did in it, and other load on the host changes it only
// through caches and clock speed (a spinner inside the guest, tried first,
// measured wall time it got and so depended on that load).
//
// Usage:
//   tandem_guest_cpu watch PGID MARKS OUT        (on the host)
//     Follows the file MARKS (inotify); for each line the guest appends, writes
//     "CPU_NS MONOTONIC_NS LINE" to OUT, CPU_NS being the run time so far of the
//     process group PGID (live threads' schedstat plus the children the group's
//     leader reaped), and then "# PID:NS ..." with each process's share (the
//     leader, first, is the guest's kernel; each other process runs the user
//     mode of one guest address space). Ends when the group is gone.
//   tandem_guest_cpu bursts SECONDS PERIOD_US BURST_US grid|random [MARKS LABEL]
//     (in the guest) Known work for checking a gauge: one burst of BURST_US
//     of pure user-mode work (a fixed number of units, a unit timed alone
//     first) every PERIOD_US, woken at multiples of PERIOD_US of
//     CLOCK_MONOTONIC (grid, as tandem's timers) or at a random point of each
//     period (random). Prints its true busy time (units done x a unit's time)
//     and what getrusage charged; with MARKS, appends "begin LABEL" before the
//     first burst and "end LABEL TRUE_S WALL_S GETRUSAGE_S" after the last.
#include <dirent.h>
#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace {

std::int64_t now_ns() {
  timespec t{};
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<std::int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
}

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// ---- watch (host) ----------------------------------------------------------------

bool is_pid(const char* name) { return *name != '\0' && std::strspn(name, "0123456789") == std::strlen(name); }

// Run time of one process's threads so far, in ns (schedstat's first field).
std::int64_t threads_ns(const std::string& proc) {
  std::int64_t sum = 0;
  DIR* tasks = opendir((proc + "/task").c_str());
  if (tasks == nullptr) return 0;
  while (dirent* t = readdir(tasks)) {
    if (!is_pid(t->d_name)) continue;
    std::ifstream in(proc + "/task/" + t->d_name + "/schedstat");
    long long ns = 0;
    if (in >> ns) sum += ns;
  }
  closedir(tasks);
  return sum;
}

// Run time so far of every process in group `pgid`, in ns: each live one's
// threads; the leader's figure adds what its reaped children used (cutime +
// cstime, which the host adds up from precise run time; only the leader forks
// in UML). Empty when the group has no process left.
std::vector<std::pair<long long, std::int64_t>> group_cpu_ns(pid_t pgid) {
  static const long hz = sysconf(_SC_CLK_TCK);
  std::vector<std::pair<long long, std::int64_t>> procs;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return procs;
  while (dirent* e = readdir(proc)) {
    if (!is_pid(e->d_name)) continue;
    const std::string dir = std::string("/proc/") + e->d_name;
    std::ifstream in(dir + "/stat");
    std::string stat;
    if (!std::getline(in, stat)) continue;
    const auto paren = stat.rfind(')');
    if (paren == std::string::npos) continue;
    std::istringstream fields(stat.substr(paren + 2));  // from field 3, state
    std::string state;
    long long ppid = 0, pgrp = 0, skip = 0, cutime = 0, cstime = 0;
    fields >> state >> ppid >> pgrp;
    if (pgrp != pgid) continue;
    const long long pid = std::atoll(e->d_name);
    std::int64_t ns = threads_ns(dir);
    if (pid == pgid) {
      for (int f = 6; f <= 15; ++f) fields >> skip;  // session .. stime
      fields >> cutime >> cstime;
      ns += (cutime + cstime) * 1'000'000'000 / hz;
    }
    if (pid == pgid)
      procs.emplace(procs.begin(), pid, ns);  // the leader first
    else
      procs.emplace_back(pid, ns);
  }
  closedir(proc);
  return procs;
}

int watch(pid_t pgid, const std::string& marks, const std::string& out_path) {
  const int fd = inotify_init1(IN_CLOEXEC);
  if (fd < 0 || inotify_add_watch(fd, marks.c_str(), IN_MODIFY) < 0) {
    std::fprintf(stderr, "tandem_guest_cpu watch: inotify on %s: %s\n", marks.c_str(), std::strerror(errno));
    return 1;
  }
  FILE* out = std::fopen(out_path.c_str(), "a");
  std::ifstream in(marks);
  if (out == nullptr || !in) {
    std::fprintf(stderr, "tandem_guest_cpu watch: cannot open %s or %s\n", marks.c_str(), out_path.c_str());
    return 1;
  }
  std::string pending;
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 1000) > 0) {
      char events[4096];
      [[maybe_unused]] auto n = read(fd, events, sizeof events);
      // Sample first: the guest goes on working while we read the file.
      const auto procs = group_cpu_ns(pgid);
      const std::int64_t at = now_ns();
      std::int64_t cpu = 0;
      std::string each = "#";
      for (const auto& [pid, ns] : procs) {
        cpu += ns;
        each += " " + std::to_string(pid) + ":" + std::to_string(ns);
      }
      in.clear();
      for (char c; in.get(c);) {
        if (c != '\n') {
          pending += c;
          continue;
        }
        std::fprintf(out, "%lld %lld %s\n%s\n", static_cast<long long>(cpu), static_cast<long long>(at),
                     pending.c_str(), each.c_str());
        pending.clear();
      }
      std::fflush(out);
    } else if (kill(-pgid, 0) != 0 && errno == ESRCH) {
      return 0;
    }
  }
}

// ---- bursts (guest) -------------------------------------------------------------

void mark(const std::string& marks, const std::string& line) {
  if (marks.empty()) return;
  std::ofstream(marks, std::ios::app) << line << "\n";
}

// One unit of pure user-mode work (no memory traffic, no system call), about
// 1.5 us on a current x86 core; returns its input's successor so it stays live.
std::uint64_t work_unit(std::uint64_t x) {
  for (int i = 0; i < 1000; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
  }
  return x;
}

// The CPU time of one work unit: the least of 20 timings of 2,000 units
// (about 3 ms, so the two clock reads, system calls in UML, weigh under 1%).
// A timing the host or an interrupt cut into is longer, never shorter, so the
// least is the work alone, whatever else the host is running.
double unit_ns(std::uint64_t& x) {
  double best = 1e18;
  for (int t = 0; t < 20; ++t) {
    const std::int64_t t0 = now_ns();
    for (int i = 0; i < 2000; ++i) x = work_unit(x);
    best = std::min(best, static_cast<double>(now_ns() - t0) / 2000);
  }
  return best;
}

int bursts(int seconds, std::int64_t period_ns, std::int64_t burst_ns, bool random_phase, const std::string& marks,
           const std::string& label) {
  std::mt19937_64 rng(1);
  std::uint64_t x = 88172645463325252ULL;
  const double unit = unit_ns(x);
  const auto units = std::max<std::int64_t>(1, std::llround(static_cast<double>(burst_ns) / unit));
  std::int64_t n = 0;
  const std::int64_t start = now_ns() / period_ns * period_ns + period_ns;
  const std::int64_t end = start + static_cast<std::int64_t>(seconds) * 1'000'000'000;
  mark(marks, "begin " + label);
  const double cpu0 = cpu_seconds();
  const std::int64_t wall0 = now_ns();
  for (std::int64_t t = start; t < end; t += period_ns, ++n) {
    const std::int64_t at =
        t + (random_phase ? static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(period_ns - burst_ns)) : 0);
    timespec ts{static_cast<time_t>(at / 1'000'000'000), static_cast<long>(at % 1'000'000'000)};
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr);
    for (std::int64_t i = 0; i < units; ++i) x = work_unit(x);
  }
  const double wall = static_cast<double>(now_ns() - wall0) / 1e9, charged = cpu_seconds() - cpu0;
  const double true_busy = static_cast<double>(n * units) * unit / 1e9;
  char line[200];
  std::snprintf(line, sizeof line, "end %s %.6f %.6f %.6f", label.c_str(), true_busy, wall, charged);
  mark(marks, line);
  std::printf("%lld bursts of %lld us every %lld us (%s): true busy %.3f s in %.3f s, getrusage charged %.3f s%s\n",
              static_cast<long long>(n), static_cast<long long>(burst_ns / 1000),
              static_cast<long long>(period_ns / 1000), random_phase ? "random phase" : "on the grid", true_busy, wall,
              charged, x == 0 ? " (x 0)" : "");  // x is never 0 (xorshift); printing it keeps the work
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "watch" && argc == 5) return watch(static_cast<pid_t>(std::atol(argv[2])), argv[3], argv[4]);
  if (mode == "bursts" && (argc == 6 || argc == 8)) {
    const int seconds = std::atoi(argv[2]);
    const std::int64_t period = std::atoll(argv[3]) * 1000, burst = std::atoll(argv[4]) * 1000;
    const std::string phase = argv[5];
    if (seconds < 1 || seconds > 600 || burst <= 0 || period <= burst || (phase != "grid" && phase != "random")) {
      std::fprintf(stderr, "bursts: SECONDS 1..600, 0 < BURST_US < PERIOD_US, grid|random\n");
      return 2;
    }
    return bursts(seconds, period, burst, phase == "random", argc == 8 ? argv[6] : "", argc == 8 ? argv[7] : "");
  }
  std::fprintf(stderr,
               "usage: %s watch PGID MARKS OUT\n"
               "       %s bursts SECONDS PERIOD_US BURST_US grid|random [MARKS LABEL]\n",
               argv[0], argv[0]);
  return 2;
}
