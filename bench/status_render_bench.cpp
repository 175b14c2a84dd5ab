// How long rendering status and metrics takes for a large config, on the host:
// `tandem status`, `status --json` and a metrics scrape render on the event
// loop, where VRRP adverts wait for them. A synthetic Snapshot of N services
// with R real servers each and one check per real server, rendered several
// times; prints the median per rendering. Not a test: it asserts nothing.
//
//   build/bench/tandem_status_render_bench [SERVICES [REALS]]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "director/status/render.hpp"

using namespace tandem::director;

namespace {

Snapshot make_snapshot(int services, int reals) {
  Snapshot s;
  s.director = "bench";
  s.version = "0";
  s.config_file = "/etc/tandem/tandem.toml";
  const auto now = std::chrono::system_clock::now();
  for (int i = 0; i < services; ++i) {
    ServiceStatus ss;
    ss.name = "service-" + std::to_string(i);
    ss.key = "192.0.2.1:" + std::to_string(10000 + i) + "/tcp";
    ss.scheduler = "wrr";
    ss.quorum = 1;
    ss.quorum_by = "count";
    ss.healthy = static_cast<std::uint64_t>(reals);
    for (int r = 0; r < reals; ++r) {
      RealStatus rs;
      rs.address = "10.0." + std::to_string(r) + ".2:" + std::to_string(10000 + i);
      rs.health = "up";
      rs.reason = "connected";
      rs.since = now;
      rs.configured_weight = rs.desired_weight = 100;
      rs.kernel_weight = 100;
      CheckStatus cs;
      cs.label = "tcp";
      cs.kind = "tcp";
      cs.up = true;
      cs.last_reason = "connected";
      for (int k = 0; k < 50; ++k) cs.durations.observe(0.0005 * k);
      rs.checks.push_back(cs);
      rs.transitions.push_back({"connected", "up", 1});
      ss.reals.push_back(std::move(rs));
    }
    s.services.push_back(std::move(ss));
  }
  return s;
}

template <class F>
double median_ms(F&& render, std::size_t& bytes) {
  std::vector<double> ms;
  for (int i = 0; i < 9; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    bytes = render().size();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const int services = argc > 1 ? std::atoi(argv[1]) : 1000;
  const int reals = argc > 2 ? std::atoi(argv[2]) : 1;
  const Snapshot s = make_snapshot(services, reals);
  const auto now = std::chrono::system_clock::now();
  std::size_t bytes = 0;
  const double text = median_ms([&] { return render_status_text(s, now); }, bytes);
  std::printf("%d services x %d reals: status text   %7.2f ms (%zu bytes)\n", services, reals, text, bytes);
  const double json = median_ms([&] { return render_status_json(s); }, bytes);
  std::printf("%d services x %d reals: status --json %7.2f ms (%zu bytes)\n", services, reals, json, bytes);
  const double metrics = median_ms([&] { return render_metrics(s); }, bytes);
  std::printf("%d services x %d reals: metrics       %7.2f ms (%zu bytes)\n", services, reals, metrics, bytes);
  return 0;
}
