// tandem_ipvs_bench: how fast tandem programs a large IPVS table, compared with
// `ipvsadm --restore` of the same table, and how cheap a no-op reconcile is,
// compared with `ipvsadm -Ln` listing the same table. Issue 3, item 7.
//
// Run it against a real IPVS through the kernel-test harness, in one boot:
//   bench/run-ipvs-bench.sh BUILD_DIR
// It is a benchmark, not a test: it prints figures and whether the targets
// were met, and fails only when something is functionally wrong (a table not
// programmed completely, a no-op reconcile that would write).
//
// Tables: (a) one service with 10,000 destinations, (b) 1,000 services with 10
// destinations each. For each: tandem's client (dump + plan + batched apply,
// as the daemon's periodic reconcile does it) from an empty table; then
// `ipvsadm --restore` of the same rules from an empty table; then, on the
// table ipvsadm made, a no-op reconcile (dump + plan, zero writes) and an
// `ipvsadm -Ln`, alternated, repeated and the median kept; then a breakdown
// run. Each step starts from a fresh IPVS instance (see measure()).
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <unistd.h>
#include <vector>

#include "ipvs/netlink/client.hpp"
#include "ipvs/reconcile/plan.hpp"
#include "tests/kernel/support/command.hpp"
#include "tests/kernel/support/ipvsadm.hpp"
#include "tests/kernel/support/netns.hpp"

namespace {

namespace ipvs = tandem::ipvs;
namespace kt = tandem::kernel_test;
using Seconds = std::chrono::duration<double>;

constexpr int kRepeats = 5;  // no-op reconciles and listings per table
constexpr auto kLongCommand = std::chrono::minutes(3);

struct Shape {
  std::string name;
  std::string slug;  // for file names
  int services;
  int destinations_per_service;
};

tandem::IpAddress v4(int a, int b, int c, int d) {
  return tandem::IpAddress::v4({static_cast<std::uint8_t>(a), static_cast<std::uint8_t>(b),
                                static_cast<std::uint8_t>(c), static_cast<std::uint8_t>(d)});
}

// Virtual services 10.200.x.y:80; destinations 10.1.x.y:8080, distinct within
// a service (real servers shared between services, as in real deployments).
ipvs::Table make_table(const Shape& shape) {
  ipvs::Table table;
  for (int s = 0; s < shape.services; ++s) {
    ipvs::Service service;
    service.key = ipvs::ServiceKey::by_address(
        tandem::Protocol::tcp, tandem::Endpoint{v4(10, 200, s / 250, s % 250 + 1), 80});
    service.config.scheduler = "wlc";
    for (int d = 0; d < shape.destinations_per_service; ++d) {
      ipvs::Destination dest;
      dest.address = tandem::Endpoint{v4(10, 1, d / 250, d % 250 + 1), 8080};
      dest.config.forwarding = ipvs::Forwarding::masq;
      dest.config.weight = 1;
      service.put(dest);
    }
    table.put(service);
  }
  return table;
}

// The same table as `ipvsadm --restore` input (the format `ipvsadm -Sn` writes).
std::string restore_text(const ipvs::Table& table) {
  std::string text;
  for (const auto& [key, service] : table.services) {
    const auto vip = fmt::format("{}:{}", key.address().to_string(), key.port());
    text += fmt::format("-A -t {} -s {}\n", vip, service.config.scheduler);
    for (const auto& [address, dest] : service.destinations) {
      text += fmt::format("-a -t {} -r {} -m -w {}\n", vip, address.to_string(),
                          dest.config.weight);
    }
  }
  return text;
}

double time_it(const std::function<void()>& work) {
  const auto start = std::chrono::steady_clock::now();
  work();
  return Seconds(std::chrono::steady_clock::now() - start).count();
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

void expect_programmed(const ipvs::Table& desired, const std::string& who) {
  const auto observed = kt::parse_ipvsadm_list(kt::run_checked({"ipvsadm", "-Ln"}, kLongCommand));
  if (observed.services.size() != desired.services.size() ||
      observed.destination_count() != desired.destination_count()) {
    throw std::runtime_error(fmt::format(
        "{} left {} services / {} destinations, expected {} / {}", who,
        observed.services.size(), observed.destination_count(), desired.services.size(),
        desired.destination_count()));
  }
}

ipvs::Client open_client() {
  auto opened = ipvs::Client::open();
  if (!opened) {
    throw std::runtime_error("cannot open the IPVS client: " + opened.error().message());
  }
  return std::move(opened.value());
}

struct Figures {
  double tandem_s = 0;
  double restore_s = 0;
  double noop_s = 0;        // median no-op reconcile (dump + plan)
  double noop_dump_s = 0;   // of which the dump (median)
  double list_s = 0;        // median `ipvsadm -Ln`
  double services_s = 0;    // breakdown run: all AddService operations
  std::vector<double> destination_quarters_s;  // breakdown run: AddDestination in 4 quarters
};

// Times no-op reconciles and listings of the table now in the kernel,
// alternating them, and keeps the medians. Throws if a reconcile would write.
void measure_noop(ipvs::Client& client, const ipvs::Table& desired, const ipvs::OwnedSet& owned,
                  Figures& f) {
  std::vector<double> noop;
  std::vector<double> dump;
  std::vector<double> list;
  for (int i = 0; i < kRepeats; ++i) {
    std::size_t planned = 0;
    const auto writes_before = client.writes_sent();
    const auto start = std::chrono::steady_clock::now();
    // As the daemon's periodic reconcile does it: counters are not compared,
    // so they are not decoded.
    auto actual = client.dump(ipvs::Client::DumpOptions{.stats = false});
    const auto dumped = std::chrono::steady_clock::now();
    if (!actual) {
      throw std::runtime_error("dump failed: " + actual.error().message());
    }
    planned = ipvs::plan(actual.value(), desired, owned).size();
    noop.push_back(Seconds(std::chrono::steady_clock::now() - start).count());
    dump.push_back(Seconds(dumped - start).count());
    if (planned != 0 || client.writes_sent() != writes_before) {
      throw std::runtime_error(fmt::format("no-op reconcile planned {} operations", planned));
    }
    list.push_back(time_it([] { kt::run_checked({"ipvsadm", "-Ln"}, kLongCommand); }));
  }
  f.noop_s = median(noop);
  f.noop_dump_s = median(dump);
  f.list_s = median(list);
}

// Each step runs in a fresh network namespace, i.e. a fresh IPVS instance.
// Flushing with `ipvsadm -C` is not enough for fair figures: the kernel keeps
// deleted destinations in a trash list for 120 s (IP_VS_DEST_TRASH_PERIOD) and
// every later add scans that list, so whoever runs second would pay for the
// first one's table.
Figures measure(const Shape& shape, const std::string& scratch) {
  const auto desired = make_table(shape);
  const auto owned = ipvs::owned_after(desired);
  Figures f;

  {  // tandem: the periodic reconcile (dump + plan + apply) from an empty table.
    kt::FreshNetns ns;
    auto client = open_client();
    std::optional<tandem::Result<ipvs::ReconcileOutcome>> outcome;
    f.tandem_s = time_it([&] { outcome = ipvs::reconcile_once(client, desired, owned); });
    if (!outcome->has_value()) {
      throw std::runtime_error("tandem dump failed: " + outcome->error().message());
    }
    if (!outcome->value().report.ok()) {
      throw std::runtime_error("tandem apply failed: " +
                               outcome->value().report.failures.front().message);
    }
    expect_programmed(desired, "tandem");
  }

  {  // ipvsadm --restore of the same rules from an empty table, then the
     // no-op reconcile of what ipvsadm made (tandem restarting on a live table).
    kt::FreshNetns ns;
    const auto rules = scratch + "/" + shape.slug + ".rules";
    std::ofstream(rules) << restore_text(desired);
    f.restore_s = time_it([&] {
      kt::run_checked({"sh", "-c", "exec ipvsadm --restore < " + rules}, kLongCommand);
    });
    expect_programmed(desired, "ipvsadm --restore");
    auto client = open_client();
    measure_noop(client, desired, owned, f);
  }

  {  // Where tandem's time goes: services, then destinations in four quarters.
    kt::FreshNetns ns;
    auto client = open_client();
    std::vector<ipvs::Op> services;
    std::vector<ipvs::Op> destinations;
    for (auto& op : ipvs::plan(ipvs::Table{}, desired, owned)) {
      (std::holds_alternative<ipvs::AddService>(op) ? services : destinations).push_back(op);
    }
    f.services_s = time_it([&] { client.apply_all(services); });
    const std::size_t quarter = destinations.size() / 4;
    for (std::size_t q = 0; q < 4; ++q) {
      const auto first = destinations.begin() + static_cast<std::ptrdiff_t>(q * quarter);
      const auto last = q == 3 ? destinations.end() : first + static_cast<std::ptrdiff_t>(quarter);
      const std::vector<ipvs::Op> part(first, last);
      f.destination_quarters_s.push_back(time_it([&] { client.apply_all(part); }));
    }
    expect_programmed(desired, "tandem (breakdown run)");
  }
  return f;
}

std::string verdict(bool met) { return met ? "met" : "MISSED"; }

}  // namespace

int main() {
  try {
    char scratch_template[] = "/tmp/tandem-bench.XXXXXX";
    const char* scratch = mkdtemp(scratch_template);
    if (scratch == nullptr) {
      throw std::runtime_error("mkdtemp failed");
    }
    const std::vector<Shape> shapes = {{"1 x 10,000", "1x10000", 1, 10000}, {"1,000 x 10", "1000x10", 1000, 10}};
    std::vector<Figures> figures;
    try {
      for (const auto& shape : shapes) {
        figures.push_back(measure(shape, scratch));
      }
    } catch (...) {
      kt::run_command({"rm", "-rf", scratch});
      throw;
    }
    kt::run_command({"rm", "-rf", scratch});

    fmt::print("kernel: {}", kt::run_checked({"uname", "-a"}));
    fmt::print("\nProgramming an empty table (services x destinations each; one run each)\n");
    fmt::print("| table | tandem | ipvsadm --restore | ratio | target >= 10x |\n");
    fmt::print("|---|---:|---:|---:|---|\n");
    for (std::size_t i = 0; i < shapes.size(); ++i) {
      const auto& f = figures[i];
      const double ratio = f.restore_s / f.tandem_s;
      fmt::print("| {} | {:.3f} s | {:.3f} s | {:.1f}x | {} |\n", shapes[i].name, f.tandem_s,
                 f.restore_s, ratio, verdict(ratio >= 10));
    }
    fmt::print("\nNo-op reconcile of the table ipvsadm made vs listing it (median of {})\n",
               kRepeats);
    fmt::print("| table | no-op reconcile (dump + plan) | of which dump | ipvsadm -Ln | share | "
               "target <= 1/3 |\n");
    fmt::print("|---|---:|---:|---:|---:|---|\n");
    for (std::size_t i = 0; i < shapes.size(); ++i) {
      const auto& f = figures[i];
      const double share = f.noop_s / f.list_s;
      fmt::print("| {} | {:.1f} ms | {:.1f} ms | {:.1f} ms | {:.2f} | {} |\n", shapes[i].name,
                 f.noop_s * 1000, f.noop_dump_s * 1000, f.list_s * 1000, share,
                 verdict(share <= 1.0 / 3.0));
    }
    fmt::print("\nWhere tandem's time goes (a third run, apply only, split)\n");
    fmt::print("| table | add services | add destinations, by quarter |\n|---|---:|---|\n");
    for (std::size_t i = 0; i < shapes.size(); ++i) {
      std::string quarters;
      for (const double q : figures[i].destination_quarters_s) {
        quarters += fmt::format("{}{:.3f} s", quarters.empty() ? "" : ", ", q);
      }
      fmt::print("| {} | {:.3f} s | {} |\n", shapes[i].name, figures[i].services_s, quarters);
    }
    return 0;
  } catch (const std::exception& e) {
    fmt::print(stderr, "tandem_ipvs_bench: {}\n", e.what());
    return 1;
  }
}
