// tandem_guest_cpu: a CPU gauge for a user-mode-linux guest that does not depend
// on where the guest's timer tick falls.
//
// Why: Debian's UML 6.1 has CONFIG_HZ=100, tick-based CPU accounting and no
// sched_clock of its own, so a task's run time (/proc/PID/stat, schedstat,
// getrusage) advances in whole 10 ms jiffies, charged to whoever is running
// when the jiffy changes. A task that works in short bursts is under-charged,
// and one whose bursts start right after a tick (tandem's checker wakes on a
// 5 ms grid) is charged almost nothing. `bursts` shows this with work of known
// length; `spin` measures the whole guest instead.
//
// Usage:
//   tandem_guest_cpu spin FILE
//     An idle-priority (SCHED_IDLE, else nice 19) loop that counts fixed units of
//     work and every 100 ms writes "MONOTONIC_SECONDS UNITS" to FILE (atomically,
//     by rename). It only runs when nothing else in the guest wants the CPU, so
//     its rate against its rate alone gives the fraction of the guest's CPU that
//     everything else used: busy = 1 - rate / rate_alone. Runs until SIGTERM.
//   tandem_guest_cpu bursts SECONDS PERIOD_US BURST_US grid|random
//     Known work for checking a gauge: one busy burst of BURST_US every PERIOD_US,
//     woken at multiples of PERIOD_US of CLOCK_MONOTONIC (grid, as tandem's
//     timers) or at a random point of each period (random). Prints the true busy
//     time (the bursts' own clock) and what getrusage charged for it.
#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

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

// One unit of pure integer work (no memory traffic, no system call): about
// 30 us on a current x86 core. The result is returned so it is not optimised away.
std::uint64_t work_unit(std::uint64_t x) {
  for (int i = 0; i < 20000; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
  }
  return x;
}

volatile sig_atomic_t report_due = 0;
volatile sig_atomic_t stop = 0;

void write_sample(const std::string& file, std::uint64_t units) {
  const std::string tmp = file + ".tmp";
  if (FILE* f = std::fopen(tmp.c_str(), "w")) {
    std::fprintf(f, "%.6f %llu\n", static_cast<double>(now_ns()) / 1e9, static_cast<unsigned long long>(units));
    std::fclose(f);
    std::rename(tmp.c_str(), file.c_str());
  }
}

int spin(const std::string& file) {
  sched_param p{};
  const char* policy = "SCHED_IDLE";
  if (sched_setscheduler(0, SCHED_IDLE, &p) != 0) {
    policy = "nice 19";
    if (setpriority(PRIO_PROCESS, 0, 19) != 0) {
      std::perror("tandem_guest_cpu spin: neither SCHED_IDLE nor nice 19");
      return 1;
    }
  }
  std::fprintf(stderr, "tandem_guest_cpu spin: %s\n", policy);
  struct sigaction sa {};
  sa.sa_handler = [](int) { report_due = 1; };
  sigaction(SIGALRM, &sa, nullptr);
  sa.sa_handler = [](int) { stop = 1; };
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  // The report timer, not a clock read per unit: in UML every clock_gettime is
  // a system call, and the loop should touch the kernel as little as possible.
  itimerval every{{0, 100'000}, {0, 100'000}};
  setitimer(ITIMER_REAL, &every, nullptr);
  std::uint64_t units = 0, x = 88172645463325252ULL;
  write_sample(file, units);
  while (!stop) {
    x = work_unit(x);
    ++units;
    if (report_due) {
      report_due = 0;
      write_sample(file, units);
    }
  }
  return x == 0 ? 1 : 0;  // x is never 0 (xorshift); the test keeps it live
}

int bursts(int seconds, std::int64_t period_ns, std::int64_t burst_ns, bool random_phase) {
  std::mt19937_64 rng(1);
  const double cpu0 = cpu_seconds();
  std::int64_t busy = 0, n = 0;
  std::int64_t start = now_ns() / period_ns * period_ns;
  const std::int64_t end = start + static_cast<std::int64_t>(seconds) * 1'000'000'000;
  for (std::int64_t t = start + period_ns; t < end; t += period_ns, ++n) {
    const std::int64_t at =
        t + (random_phase ? static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(period_ns - burst_ns)) : 0);
    timespec ts{static_cast<time_t>(at / 1'000'000'000), static_cast<long>(at % 1'000'000'000)};
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr);
    const std::int64_t b0 = now_ns();
    while (now_ns() - b0 < burst_ns) {
    }
    busy += now_ns() - b0;
  }
  std::printf("%lld bursts of %lld us every %lld us (%s): true busy %.3f s, getrusage charged %.3f s\n",
              static_cast<long long>(n), static_cast<long long>(burst_ns / 1000),
              static_cast<long long>(period_ns / 1000), random_phase ? "random phase" : "on the grid",
              static_cast<double>(busy) / 1e9, cpu_seconds() - cpu0);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "spin" && argc == 3) return spin(argv[2]);
  if (mode == "bursts" && argc == 6) {
    const int seconds = std::atoi(argv[2]);
    const std::int64_t period = std::atoll(argv[3]) * 1000, burst = std::atoll(argv[4]) * 1000;
    const std::string phase = argv[5];
    if (seconds < 1 || seconds > 600 || burst <= 0 || period <= burst || (phase != "grid" && phase != "random")) {
      std::fprintf(stderr, "bursts: SECONDS 1..600, 0 < BURST_US < PERIOD_US, grid|random\n");
      return 2;
    }
    return bursts(seconds, period, burst, phase == "random");
  }
  std::fprintf(stderr,
               "usage: %s spin FILE\n"
               "       %s bursts SECONDS PERIOD_US BURST_US grid|random\n",
               argv[0], argv[0]);
  return 2;
}
