// tandem_checks_bench: the checks module alone on the host kernel (no IPVS).
//
// A child process serves N backends (one listener per 127.20.x.y address,
// port 8080; tcp: accept and close, http: a 200 response), so the checker's
// CPU figures are its own. The parent runs one CheckRunner on one thread with
// interval 1 s (rise 1, fall 3) against all of them, then closes the listeners of
// 1% of the backends and times their detection. It prints: checks per second
// completed, CPU seconds per 1,000 checks, peak RSS and RSS growth per real
// server, the spread of start times over the interval, verdict latency
// (due -> verdict) and failure-detection time. Timing is reported, not asserted.
//
// Usage: tandem_checks_bench tcp|http N [seconds [max_concurrent [external]]]
//        tandem_checks_bench serve tcp|http N COUNT_FILE
// `serve` runs only the backends, in the foreground until SIGTERM, writing the
// number of connections accepted so far to COUNT_FILE every 200 ms; with
// `external` the checker uses such backends (started separately, e.g. shared
// with keepalived in bench/checks/run-uml-compare.sh) and skips the failure-
// detection phase; it prints "window open" (flushed) when the measured window
// starts, so a caller can measure inside that window too.
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "checks/probes/tcp_probe.hpp"
#include "checks/runner/runner.hpp"
#include "common/asio.hpp"

using namespace std::chrono_literals;
using namespace tandem;
using namespace tandem::checks;
using asio::ip::tcp;

namespace {

IpAddress backend_address(std::size_t i) {
  const std::size_t n = i + 1;
  return IpAddress::v4({127, 20, static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n & 255)});
}

void raise_fd_limit() {
  rlimit r{};
  getrlimit(RLIMIT_NOFILE, &r);
  r.rlim_cur = r.rlim_max;
  setrlimit(RLIMIT_NOFILE, &r);
}

// ---- backends (child process, or `serve`) ------------------------------------

// How the backends are driven: `serve` writes the number of connections
// accepted so far to count_file every 200 ms and runs until SIGTERM/SIGINT;
// the bench's own child says it is ready on ready_fd and reads control_fd,
// where "c" closes the listeners of the first 1% (the failure-detection phase)
// and EOF ends it. Unused descriptors are -1, an unused file empty.
struct BackendDriver {
  std::string count_file;
  int ready_fd = -1;
  int control_fd = -1;
};

void write_count(const std::string& count_file, std::size_t accepted) {
  {
    std::ofstream(count_file + ".tmp") << accepted << "\n";
  }
  std::rename((count_file + ".tmp").c_str(), count_file.c_str());
}

void say_ready(const BackendDriver& d) {
  if (d.ready_fd < 0) return;
  [[maybe_unused]] auto w = ::write(d.ready_fd, "r", 1);
  ::close(d.ready_fd);
}

volatile sig_atomic_t g_stop = 0;

void stop_on_signals() {
  struct sigaction sa{};
  sa.sa_handler = [](int) { g_stop = 1; };
  ::sigaction(SIGTERM, &sa, nullptr);
  ::sigaction(SIGINT, &sa, nullptr);
}

// tcp: accept and close, as lean as it gets, because in UML the backends
// share the guest's one CPU with the checker being measured (and each system
// call costs ~26 us there). One level-triggered epoll set over all listeners,
// one accept4 per ready listener per wake-up (a listener with more waiting is
// reported again), the count written on a timerfd: an accepted connection
// costs accept4 and close plus a share of one epoll_wait, against four calls
// and clock reads through Asio.
int run_tcp_backends(std::size_t n, const BackendDriver& driver) {
  const int ep = ::epoll_create1(EPOLL_CLOEXEC);
  auto watch = [ep](int fd) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    ::epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  };
  std::vector<int> listeners;
  for (std::size_t i = 0; i < n; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    const int on = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    const auto a = to_asio(Endpoint{backend_address(i), 8080});
    if (::bind(fd, a.data(), static_cast<socklen_t>(a.size())) != 0 || ::listen(fd, 512) != 0) {
      std::perror("backend listener");
      return 1;
    }
    watch(fd);
    listeners.push_back(fd);
  }
  int report = -1;
  if (!driver.count_file.empty()) {
    report = ::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    const itimerspec every{{0, 200'000'000}, {0, 1}};
    ::timerfd_settime(report, 0, &every, nullptr);
    watch(report);
  }
  if (driver.control_fd >= 0) watch(driver.control_fd);
  say_ready(driver);
  std::size_t accepted = 0;
  epoll_event events[256];
  while (g_stop == 0) {
    const int k = ::epoll_wait(ep, events, 256, -1);
    for (int i = 0; i < k; ++i) {
      const int fd = events[i].data.fd;
      if (fd == report) {
        std::uint64_t expirations = 0;
        [[maybe_unused]] auto r = ::read(report, &expirations, sizeof expirations);
        write_count(driver.count_file, accepted);
      } else if (fd == driver.control_fd) {
        char cmd[16];
        const ssize_t len = ::read(fd, cmd, sizeof cmd);
        if (len <= 0) return 0;
        if (cmd[0] == 'c')
          for (std::size_t j = 0; j < n / 100; ++j) ::close(listeners[j]);  // closing leaves the set
      } else {
        const int c = ::accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
        if (c < 0) continue;
        ++accepted;
        ::close(c);
      }
    }
  }
  return 0;
}

// http: read the request, answer 200 with a 2-byte body, close.
struct HttpBackend {
  HttpBackend(asio::io_context& io, const Endpoint& e, std::size_t& accepted) : acceptor(io), accepted_(accepted) {
    const tcp::endpoint ep = to_asio(e);
    acceptor.open(ep.protocol());
    acceptor.set_option(asio::socket_base::reuse_address(true));
    acceptor.bind(ep);
    acceptor.listen(512);
    accept();
  }
  void accept() {
    acceptor.async_accept([this](const boost::system::error_code& ec, tcp::socket s) {
      if (ec) return;
      ++accepted_;
      serve(std::make_shared<tcp::socket>(std::move(s)));
      accept();
    });
  }
  static void serve(std::shared_ptr<tcp::socket> s) {
    auto buf = std::make_shared<std::string>();
    asio::async_read_until(*s, asio::dynamic_buffer(*buf, 8192), "\r\n\r\n",
                           [s, buf](const boost::system::error_code& ec, std::size_t) {
                             if (ec) return;
                             static const std::string reply =
                                 "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
                             asio::async_write(*s, asio::buffer(reply),
                                               [s](const boost::system::error_code&, std::size_t) {});
                           });
  }
  tcp::acceptor acceptor;
  std::size_t& accepted_;
};

int run_http_backends(std::size_t n, const BackendDriver& driver) {
  asio::io_context io;
  std::size_t accepted = 0;
  std::vector<std::unique_ptr<HttpBackend>> backends;
  for (std::size_t i = 0; i < n; ++i)
    backends.push_back(std::make_unique<HttpBackend>(io, Endpoint{backend_address(i), 8080}, accepted));
  // g_stop is looked at between bursts of the loop (at most 200 ms apart).
  asio::steady_timer tick(io);
  std::function<void()> every_200ms = [&] {
    if (g_stop != 0) return io.stop();
    if (!driver.count_file.empty()) write_count(driver.count_file, accepted);
    tick.expires_after(200ms);
    tick.async_wait([&](const boost::system::error_code& ec) {
      if (!ec) every_200ms();
    });
  };
  every_200ms();
  std::optional<asio::posix::stream_descriptor> control;
  std::array<char, 16> cmd{};
  std::function<void()> read_cmd = [&] {
    control->async_read_some(asio::buffer(cmd), [&](const boost::system::error_code& ec, std::size_t len) {
      if (ec) return io.stop();
      if (len > 0 && cmd[0] == 'c')
        for (std::size_t i = 0; i < n / 100; ++i) backends[i]->acceptor.close();
      read_cmd();
    });
  };
  if (driver.control_fd >= 0) {
    control.emplace(io, driver.control_fd);
    read_cmd();
  }
  say_ready(driver);
  io.run();
  return 0;
}

int run_backends(std::size_t n, bool http, const BackendDriver& driver) {
  raise_fd_limit();
  stop_on_signals();
  return http ? run_http_backends(n, driver) : run_tcp_backends(n, driver);
}

// ---- measurement ---------------------------------------------------------------

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

long rss_kib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  return 0;
}

long peak_rss_kib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  return 0;
}

// Runs the loop for `d` the way the daemon does (io.run()), stopped by a timer.
// io_context::run_for would read the clock around every handler, which in UML
// (where clock_gettime is a real system call) is billed to the checker.
void run_for(asio::io_context& io, Clock::duration d) {
  asio::steady_timer stop(io, d);
  stop.async_wait([&io](const boost::system::error_code& ec) {
    if (!ec) io.stop();  // not when cancelled: that completion runs in the next round
  });
  io.restart();
  io.run();
}

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s tcp|http N [seconds [max_concurrent [external]]]\n"
                         "       %s serve tcp|http N COUNT_FILE\n", argv[0], argv[0]);
    return 2;
  }
  if (std::string(argv[1]) == "serve") {
    if (argc < 5) return 2;
    return run_backends(std::strtoul(argv[3], nullptr, 10), std::string(argv[2]) == "http",
                        BackendDriver{argv[4]});
  }
  const std::string kind = argv[1];
  if (kind != "tcp" && kind != "http") {
    std::fprintf(stderr, "kind must be tcp or http\n");
    return 2;
  }
  const bool http = kind == "http";
  const std::size_t n = std::strtoul(argv[2], nullptr, 10);
  const int seconds = argc > 3 ? std::atoi(argv[3]) : 10;
  const std::size_t cap = argc > 4 ? std::strtoul(argv[4], nullptr, 10) : 256;
  if (n == 0 || n > 60000 || seconds <= 0 || seconds > 600) {
    std::fprintf(stderr, "N must be 1..60000 and seconds 1..600\n");
    return 2;
  }
  const bool external = argc > 5 && std::string(argv[5]) == "external";
  ::signal(SIGPIPE, SIG_IGN);
  raise_fd_limit();

  int ready[2], control[2];
  if (::pipe(ready) != 0 || ::pipe(control) != 0) return 1;
  pid_t child = -1;
  if (!external) {
    child = ::fork();
    if (child == 0) {
      ::close(ready[0]);
      ::close(control[1]);
      std::_Exit(run_backends(n, http, BackendDriver{"", ready[1], control[0]}));
    }
    char c = 0;
    ::close(ready[1]);
    if (::read(ready[0], &c, 1) != 1) {
      std::fprintf(stderr, "backends failed to start\n");
      return 1;
    }
  }
  ::close(control[0]);

  asio::io_context io;
  CurlMulti multi(io);

  struct Stats {
    std::size_t runs = 0, failures = 0;
    std::vector<double> latency_ms;              // due -> verdict
    std::vector<double> probe_ms;                // start -> verdict
    // A TCP verdict is timed at the grid point of the look that found it (no
    // clock read); how much later the loop really ran it, sampled 1 in 16.
    std::vector<double> lag_ms;
    std::vector<std::size_t> starts_per_10ms = std::vector<std::size_t>(100, 0);  // offset within the second
  } st;
  // Measurement buffers are made resident before the RSS baseline, so the
  // per-server figure counts only the checker.
  st.latency_ms.assign(n * static_cast<std::size_t>(seconds + 2), 0.0);
  st.latency_ms.clear();
  st.probe_ms.assign(st.latency_ms.capacity(), 0.0);
  st.probe_ms.clear();
  st.lag_ms.assign(st.latency_ms.capacity() / 16 + 1, 0.0);
  st.lag_ms.clear();
  bool measuring = false;
  TimePoint epoch = Clock::now();
  std::vector<TimePoint> down_at(n / 100);
  TimePoint closed_at{};
  std::size_t detected = 0;
  const long rss_before = rss_kib();

  CheckRunner::Options opts;
  opts.max_concurrent = cap;
  opts.on_transition = [&](const ServerTransition& t) {
    if (t.to == Health::down && t.server < down_at.size() && closed_at != TimePoint{}) {
      down_at[t.server] = t.at;
      ++detected;
    }
  };
  opts.on_run = [&](const ProbeRun& r) {
    if (!measuring) return;
    ++st.runs;
    if (!r.result.ok) ++st.failures;
    st.latency_ms.push_back(ms(r.finished - r.due));
    st.probe_ms.push_back(ms(r.finished - r.started));
    if (st.runs % 16 == 0) st.lag_ms.push_back(ms(Clock::now() - r.finished));
    // Runs that started before the window (in flight when it opened) wrap around.
    const auto since = std::chrono::duration_cast<std::chrono::milliseconds>(r.started - epoch).count();
    const auto off = ((since % 1000) + 1000) % 1000;
    ++st.starts_per_10ms[static_cast<std::size_t>(off / 10)];
  };
  CheckRunner runner(io, multi, opts);
  CheckDefinition d;
  d.kind = http ? CheckKind::http : CheckKind::tcp;
  d.interval = 1s;
  d.timeout = 1s;
  d.rise = 1;
  d.fall = 3;
  d.path = "/health";
  const auto add = [&](std::size_t i) {
    if (auto ec = runner.add_server(i, Endpoint{backend_address(i), 8080}, {d})) {
      std::fprintf(stderr, "add_server: %s\n", ec.message().c_str());
      std::exit(1);
    }
  };
  // The per-server figure is measured as for keepalived in run-uml-compare.sh:
  // RSS while checking N servers minus RSS while checking one, over N - 1, so
  // what a running checker costs with any number of servers is not counted.
  add(0);
  runner.start();
  run_for(io, 1500ms);
  const long rss_one = rss_kib();
  for (std::size_t i = 1; i < n; ++i) add(i);
  const long rss_added = rss_kib();

  // 2 s warm-up (every server comes up), then the measured window.
  run_for(io, 2s);
  measuring = true;
  epoch = Clock::now();
  if (external) {
    fmt::print("window open\n");
    std::fflush(stdout);
  }
  const double cpu0 = cpu_seconds();
  const auto wall0 = Clock::now();
  run_for(io, std::chrono::seconds(seconds));
  const double cpu = cpu_seconds() - cpu0;
  const double wall = std::chrono::duration<double>(Clock::now() - wall0).count();
  measuring = false;
  const long rss_running = rss_kib();

  // Failure detection: close 1% of the listeners, time each down transition.
  closed_at = Clock::now();
  if (!external) {
    [[maybe_unused]] auto w = ::write(control[1], "c", 1);
    for (int i = 0; i < 100 && detected < down_at.size(); ++i) run_for(io, 100ms);
  }
  std::vector<double> detect_ms;
  for (const auto& t : down_at)
    if (t != TimePoint{}) detect_ms.push_back(ms(t - closed_at));

  runner.stop();
  ::close(control[1]);
  rusage backend{};
  if (child > 0) ::wait4(child, nullptr, 0, &backend);
  const double backend_cpu = static_cast<double>(backend.ru_utime.tv_sec + backend.ru_stime.tv_sec) +
                             static_cast<double>(backend.ru_utime.tv_usec + backend.ru_stime.tv_usec) / 1e6;

  std::size_t lo = SIZE_MAX, hi = 0;
  for (auto v : st.starts_per_10ms) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  const double expected = static_cast<double>(n) / 1.0;  // per second
  fmt::print("kind={} servers={} interval=1s window={}s\n", kind, n, seconds);
  fmt::print("checks/s completed: {:.0f} (scheduled {:.0f}), failures {}\n", static_cast<double>(st.runs) / wall,
             expected, st.failures);
  fmt::print("CPU: {:.3f} s in {:.1f} s ({:.1f}% of one core); {:.4f} CPU s per 1,000 checks ({:.1f} us/check)\n",
             cpu, wall, 100.0 * cpu / wall, 1000.0 * cpu / static_cast<double>(std::max<std::size_t>(st.runs, 1)),
             1e6 * cpu / static_cast<double>(std::max<std::size_t>(st.runs, 1)));
  fmt::print("backends (child process, whole run incl. warm-up): {:.3f} CPU s\n", backend_cpu);
  fmt::print("RSS: {} KiB before servers, {} KiB running with 1, {} KiB after adding all, {} KiB running, peak {} KiB; "
             "{:.2f} KiB per real server (running N minus running 1, over N - 1)\n",
             rss_before, rss_one, rss_added, rss_running, peak_rss_kib(),
             static_cast<double>(rss_running - rss_one) / static_cast<double>(std::max<std::size_t>(n - 1, 1)));
  fmt::print("start spread: per 10 ms slot of the second, min {} max {} mean {:.1f}\n", lo, hi,
             static_cast<double>(st.runs) / 100.0);
  fmt::print("verdict latency (due -> verdict): p50 {:.2f} ms, p99 {:.2f} ms, max {:.2f} ms\n",
             percentile(st.latency_ms, 0.5), percentile(st.latency_ms, 0.99), percentile(st.latency_ms, 1.0));
  fmt::print("probe duration (start -> verdict): p50 {:.2f} ms, p99 {:.2f} ms; cap {} concurrent\n",
             percentile(st.probe_ms, 0.5), percentile(st.probe_ms, 0.99), cap);
  fmt::print("verdict time -> when the loop ran it (sampled 1/16): p50 {:.2f} ms, p99 {:.2f} ms, max {:.2f} ms\n",
             percentile(st.lag_ms, 0.5), percentile(st.lag_ms, 0.99), percentile(st.lag_ms, 1.0));
  fmt::print("failure detection ({} of {} closed detected; bound fall x interval + timeout = 4000 ms): "
             "p50 {:.0f} ms, max {:.0f} ms\n",
             detect_ms.size(), down_at.size(), percentile(detect_ms, 0.5), percentile(detect_ms, 1.0));
  return 0;
}
