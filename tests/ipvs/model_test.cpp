#include "ipvs/model/service.hpp"

#include <catch2/catch.hpp>
#include <cerrno>

#include "ipvs/model/errc.hpp"
#include "ipvs/model/op.hpp"

using namespace tandem;
using namespace tandem::ipvs;

namespace {
Endpoint ep(const char* text) { return *Endpoint::parse(text); }
}  // namespace

TEST_CASE("service keys name the service the way errors and logs do", "[unit]") {
  CHECK(ServiceKey::by_address(Protocol::tcp, ep("192.0.2.1:80")).to_string() == "192.0.2.1:80/tcp");
  CHECK(ServiceKey::by_address(Protocol::udp, ep("[2001:db8::1]:53")).to_string() ==
        "[2001:db8::1]:53/udp");
  CHECK(ServiceKey::by_fwmark(Family::v6, 7).to_string() == "fwmark 7/ipv6");
}

TEST_CASE("service keys compare on family, mark, protocol, address and port", "[unit]") {
  CHECK(ServiceKey::by_fwmark(Family::v4, 7) == ServiceKey::by_fwmark(Family::v4, 7));
  CHECK(ServiceKey::by_fwmark(Family::v4, 7) != ServiceKey::by_fwmark(Family::v6, 7));
  CHECK(ServiceKey::by_address(Protocol::tcp, ep("192.0.2.1:80")) !=
        ServiceKey::by_address(Protocol::udp, ep("192.0.2.1:80")));
  CHECK(ServiceKey::by_address(Protocol::tcp, ep("192.0.2.1:80")) !=
        ServiceKey::by_address(Protocol::tcp, ep("192.0.2.1:81")));
}

TEST_CASE("tables compare on configuration, never on counters", "[unit]") {
  Service s;
  s.key = ServiceKey::by_address(Protocol::tcp, ep("192.0.2.1:80"));
  Destination d;
  d.address = ep("10.0.0.1:80");
  d.config.weight = 5;
  s.put(d);
  Table a;
  a.put(s);
  Table b = a;
  b.services.begin()->second.stats.connections = 99;
  b.services.begin()->second.destinations.begin()->second.active_connections = 3;
  CHECK(a == b);
  b.services.begin()->second.destinations.begin()->second.config.weight = 0;
  CHECK(a != b);
  CHECK(a.destination_count() == 1);
}

TEST_CASE("operations print as one line naming the object", "[unit]") {
  const auto key = ServiceKey::by_address(Protocol::tcp, ep("192.0.2.1:80"));
  DestinationConfig c;
  c.weight = 0;
  CHECK(to_string(Op{EditDestination{key, ep("10.0.0.1:80"), c}}) ==
        "edit destination 192.0.2.1:80/tcp -> 10.0.0.1:80 masq weight 0 thresholds 0/0");
  ServiceConfig sc;
  sc.scheduler = "wrr";
  sc.persistent = true;
  sc.persistence_timeout_s = 300;
  sc.netmask_prefix = 24;
  CHECK(to_string(Op{AddService{key, sc}}) ==
        "add service 192.0.2.1:80/tcp scheduler wrr persistent 300s netmask /24");
  CHECK(to_string(Op{DeleteService{key}}) == "delete service 192.0.2.1:80/tcp");
  CHECK(service_of(Op{DeleteDestination{key, ep("10.0.0.1:80")}}) == key);
}

TEST_CASE("kernel errnos become sentences that name the object", "[unit]") {
  const auto key = ServiceKey::by_address(Protocol::tcp, ep("192.0.2.1:80"));
  ServiceConfig sc;
  sc.scheduler = "foo";
  const std::error_code enoent(ENOENT, std::system_category());
  CHECK_THAT(describe_failure(AddService{key, sc}, enoent),
             Catch::StartsWith("service 192.0.2.1:80/tcp: scheduler 'foo' not available in this kernel"));
  CHECK_THAT(describe_failure(AddService{key, sc}, std::error_code(EEXIST, std::system_category())),
             Catch::StartsWith("service 192.0.2.1:80/tcp: service already exists"));
  CHECK_THAT(describe_failure(DeleteService{key}, std::error_code(ESRCH, std::system_category())),
             Catch::StartsWith("service 192.0.2.1:80/tcp: no such service"));
  CHECK_THAT(describe_failure(DeleteDestination{key, ep("10.0.0.1:80")}, enoent),
             Catch::StartsWith("service 192.0.2.1:80/tcp destination 10.0.0.1:80: no such destination"));
  CHECK(std::error_code(errc::ipvs_not_available).message() ==
        "IPVS is not available: load the ip_vs module");
}
