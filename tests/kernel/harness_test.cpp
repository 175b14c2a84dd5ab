// Checks the kernel-test support against a real IPVS: a fresh namespace has an
// empty table of its own, and the ipvsadm observer reads back every field of
// services and destinations created with ipvsadm itself (so the observer is
// trustworthy before other tests rely on it to judge tandem's client).
#include "tests/kernel/support/ipvsadm.hpp"

#include <catch2/catch.hpp>

#include "tests/kernel/support/command.hpp"
#include "tests/kernel/support/netns.hpp"

namespace kt = tandem::kernel_test;

TEST_CASE("a fresh namespace has its own empty IPVS table", "[kernel]") {
  {
    kt::FreshNetns ns;
    kt::run_checked({"ipvsadm", "-A", "-t", "192.0.2.1:80", "-s", "rr"});
    REQUIRE(kt::observe_ipvs().services.size() == 1);
  }
  kt::FreshNetns next;
  CHECK(kt::observe_ipvs().services.empty());
}

TEST_CASE("the ipvsadm observer reads back services and destinations", "[kernel]") {
  kt::FreshNetns ns;
  const std::vector<std::vector<std::string>> setup = {
      {"ipvsadm", "-A", "-t", "10.0.0.1:80", "-s", "wrr", "-p", "300", "-M", "255.255.255.0"},
      {"ipvsadm", "-a", "-t", "10.0.0.1:80", "-r", "10.0.1.2:8080", "-m", "-w", "3", "-x", "100",
       "-y", "10"},
      {"ipvsadm", "-a", "-t", "10.0.0.1:80", "-r", "10.0.1.3", "-g", "-w", "0"},
      {"ipvsadm", "-A", "-u", "10.0.0.1:53", "-s", "sh", "-b", "sh-fallback,sh-port", "-o"},
      {"ipvsadm", "-a", "-u", "10.0.0.1:53", "-r", "10.0.1.4", "-i"},
      {"ipvsadm", "-A", "-f", "7", "-s", "rr"},
      {"ipvsadm", "-A", "-t", "[2001:db8::1]:443", "-s", "lc", "-p", "60", "-M", "64"},
      {"ipvsadm", "-a", "-t", "[2001:db8::1]:443", "-r", "[2001:db8::2]:443", "-m", "-w", "5"},
  };
  for (const auto& command : setup) {
    kt::run_checked(command);
  }

  const auto table = kt::observe_ipvs();
  REQUIRE(table.services.size() == 4);
  CHECK(table.destination_count() == 4);

  const auto* web = table.find("TCP", "10.0.0.1:80");
  REQUIRE(web != nullptr);
  CHECK(web->scheduler == "wrr");
  CHECK(web->persistent == 300u);
  CHECK(web->mask == "255.255.255.0");
  CHECK(web->flags.empty());
  REQUIRE(web->destinations.size() == 2);
  const auto* masq = web->find("10.0.1.2:8080");
  REQUIRE(masq != nullptr);
  CHECK(masq->forward == "Masq");
  CHECK(masq->weight == 3);
  CHECK(masq->upper_threshold == 100);
  CHECK(masq->lower_threshold == 10);
  CHECK(masq->active == 0);
  const auto* routed = web->find("10.0.1.3:80");  // DR takes the service's port
  REQUIRE(routed != nullptr);
  CHECK(routed->forward == "Route");
  CHECK(routed->weight == 0);

  const auto* dns = table.find("UDP", "10.0.0.1:53");
  REQUIRE(dns != nullptr);
  CHECK(dns->scheduler == "sh");
  CHECK_FALSE(dns->persistent.has_value());
  CHECK(dns->flags == std::vector<std::string>{"sh-fallback", "sh-port", "ops"});
  REQUIRE(dns->find("10.0.1.4:53") != nullptr);
  CHECK(dns->find("10.0.1.4:53")->forward == "Tunnel");
  CHECK(dns->find("10.0.1.4:53")->weight == 1);

  const auto* mark = table.find("FWM", "7");
  REQUIRE(mark != nullptr);
  CHECK(mark->scheduler == "rr");
  CHECK(mark->destinations.empty());

  const auto* v6 = table.find("TCP", "[2001:db8::1]:443");
  REQUIRE(v6 != nullptr);
  CHECK(v6->persistent == 60u);
  CHECK(v6->mask == "64");
  REQUIRE(v6->find("[2001:db8::2]:443") != nullptr);
  CHECK(v6->find("[2001:db8::2]:443")->weight == 5);
}

TEST_CASE("the ipvsadm observer sees an edit and a deletion", "[kernel]") {
  kt::FreshNetns ns;
  kt::run_checked({"ipvsadm", "-A", "-t", "10.0.0.1:80", "-s", "rr"});
  kt::run_checked({"ipvsadm", "-a", "-t", "10.0.0.1:80", "-r", "10.0.1.2:80", "-m", "-w", "2"});
  kt::run_checked({"ipvsadm", "-a", "-t", "10.0.0.1:80", "-r", "10.0.1.3:80", "-m", "-w", "2"});
  kt::run_checked({"ipvsadm", "-e", "-t", "10.0.0.1:80", "-r", "10.0.1.2:80", "-m", "-w", "0"});
  kt::run_checked({"ipvsadm", "-d", "-t", "10.0.0.1:80", "-r", "10.0.1.3:80"});
  const auto table = kt::observe_ipvs();
  REQUIRE(table.find("TCP", "10.0.0.1:80") != nullptr);
  const auto& service = *table.find("TCP", "10.0.0.1:80");
  REQUIRE(service.destinations.size() == 1);
  CHECK(service.destinations[0].address == "10.0.1.2:80");
  CHECK(service.destinations[0].weight == 0);
}

TEST_CASE("the parser rejects a listing it does not understand", "[kernel]") {
  CHECK_THROWS_WITH(kt::parse_ipvsadm_list("  -> 10.0.1.2:80 Masq 1 0 0\n"),
                    Catch::Contains("destination before any service"));
  CHECK_THROWS_WITH(kt::parse_ipvsadm_list("TCP  10.0.0.1:80 rr\n  -> 10.0.1.2:80 Masq x 0 0\n"),
                    Catch::Contains("'x' is not a number"));
  CHECK_THROWS_WITH(kt::parse_ipvsadm_list("bogus line\n"),
                    Catch::Contains("unexpected first word"));
}

TEST_CASE("the stats listing is merged per service and destination", "[kernel]") {
  auto table = kt::parse_ipvsadm_list(
      "IP Virtual Server version 1.2.1 (size=4096)\n"
      "Prot LocalAddress:Port Scheduler Flags\n"
      "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n"
      "TCP  10.0.0.1:80 rr\n"
      "  -> 10.0.1.2:80                  Masq    1      2          3\n");
  kt::merge_ipvsadm_stats(table,
                          "Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes "
                          "OutBytes\n"
                          "  -> RemoteAddress:Port\n"
                          "TCP  10.0.0.1:80                         4        5        6        7 8\n"
                          "  -> 10.0.1.2:80                         9       10       11       12 13\n");
  REQUIRE(table.services.size() == 1);
  CHECK(table.services[0].stats.conns == 4);
  CHECK(table.services[0].stats.out_bytes == 8);
  CHECK(table.services[0].destinations[0].active == 2);
  CHECK(table.services[0].destinations[0].inactive == 3);
  CHECK(table.services[0].destinations[0].stats.in_packets == 10);
  CHECK(table.services[0].destinations[0].stats.out_bytes == 13);
}
