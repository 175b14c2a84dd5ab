// conf::Config: the typed, validated configuration of one tandem director.
// Plain values with defaults; every field is documented in docs/config.md.
// A Config exists only if the whole file validated (see conf/load.hpp), so code
// that receives one may rely on every invariant listed here.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/duration.hpp"
#include "common/ip_address.hpp"
#include "common/protocol.hpp"

namespace tandem::conf {

// Where a value came from in its file, kept so later stages (reload, status)
// can point at the line that configured an object.
struct SourcePos {
  std::uint32_t line = 0;
  std::uint32_t column = 0;
  auto operator<=>(const SourcePos&) const = default;
};

enum class LogLevel : std::uint8_t { trace, debug, info, warn, error, critical, off };

struct DirectorSettings {
  std::string name;                                   // default: the host name
  std::string control_socket = "/run/tandem/control.sock";
  std::string control_socket_group;                   // empty: root only (mode 0600)
  std::optional<Endpoint> metrics_listen;             // unset: no metrics endpoint
  std::string state_dir = "/var/lib/tandem";
  LogLevel log_level = LogLevel::info;
  Duration reconcile_interval = std::chrono::seconds(5);
  bool expire_quiescent_template = true;              // net.ipv4.vs sysctls
  bool expire_nodest_conn = true;
  std::uint32_t max_concurrent_probes = 256;
  std::string check_user = "nobody";                  // default user of exec checks
  bool cleanup_on_shutdown = false;                   // remove owned services on SIGTERM
  auto operator<=>(const DirectorSettings&) const = default;
};

enum class VrrpChecksum : std::uint8_t {
  pseudo_header,     // RFC 5798 as keepalived and FRR read it (default)
  no_pseudo_header,  // RFC 9568 and several router vendors
  accept_either,     // send with pseudo-header, accept both
};

// An exec hook: an argument vector run without a shell, killed after timeout.
struct Hook {
  std::vector<std::string> command;                   // argv, no shell; empty: none
  Duration timeout = std::chrono::seconds(10);
  auto operator<=>(const Hook&) const = default;
};

struct VrrpInstance {
  std::string name;
  std::string interface;
  std::uint8_t vrid = 0;                     // 1..255
  std::uint8_t priority = 100;               // 1..254; 255 only with address_owner
  bool address_owner = false;
  std::uint8_t version = 3;                  // 3 (RFC 5798) or 2 (RFC 3768)
  VrrpChecksum checksum = VrrpChecksum::pseudo_header;
  Duration advert_interval = std::chrono::seconds(1);
  bool preempt = true;
  Duration preempt_delay{0};
  std::vector<Prefix> virtual_ips;
  std::vector<IpAddress> unicast_peers;      // empty: multicast 224.0.0.18
  std::vector<std::string> track_services;   // names of [[service]] entries
  std::uint8_t track_decrement = 50;         // priority lost per failed tracked service
  std::uint32_t garp_count = 5;
  Duration garp_interval = std::chrono::milliseconds(200);
  // Run on every state change with three more arguments appended: the
  // instance name, the new state and the old state ("master", "backup",
  // "fault", "init", "stopped").
  Hook notify;
  // IPVS connection sync follows the instance (sync master while master,
  // sync backup while backup) on this interface; empty: no sync.
  std::string sync_interface;
  std::uint8_t sync_id = 0;                  // 0..255; default: the vrid
  SourcePos pos;
  auto operator<=>(const VrrpInstance&) const = default;
};

enum class CheckType : std::uint8_t { tcp, http, https, exec };
enum class InitialState : std::uint8_t { down, up };

// An inclusive range of HTTP status codes; a single code has lo == hi.
struct StatusRange {
  std::uint16_t lo = 200;
  std::uint16_t hi = 200;
  auto operator<=>(const StatusRange&) const = default;
};

// One health check of one real server, with every default already applied:
// built-in defaults, then the service's [service.check], then the real
// server's override.
struct CheckSpec {
  CheckType type = CheckType::tcp;
  Duration interval = std::chrono::seconds(2);
  Duration timeout = std::chrono::seconds(1);        // <= interval
  std::uint32_t rise = 2;                             // >= 1
  std::uint32_t fall = 3;                             // >= 1
  std::optional<Duration> fast_interval;              // while changing state
  std::optional<Duration> down_interval;              // while down
  InitialState initial_state = InitialState::down;
  std::optional<IpAddress> source_address;
  std::optional<IpAddress> connect_address;           // default: the real server's
  std::optional<std::uint16_t> connect_port;          // default: the real server's

  // tcp: optional exchange after connect
  std::string send;
  std::string expect;                                 // reply must start with this

  // http / https
  std::string method = "GET";
  std::string path = "/";
  std::string host;                                   // Host header; empty: the address
  std::map<std::string, std::string> headers;
  std::vector<StatusRange> expect_status{StatusRange{200, 200}};
  std::string body_regex;                             // ECMAScript, searched in the body
  std::string body_sha256;                            // lower-case hex, 64 digits
  std::uint32_t max_body_bytes = 65536;
  bool tls_verify = true;
  std::string ca_file;
  std::string sni;
  std::string client_cert;
  std::string client_key;
  bool reuse_connection = false;

  // exec
  std::vector<std::string> command;                   // argv; command[0] absolute path
  std::string user;                                   // empty: director.check_user
  std::uint32_t max_output_bytes = 4096;

  SourcePos pos;
  auto operator<=>(const CheckSpec&) const = default;
};

enum class Forwarding : std::uint8_t { nat, dr, tunnel };
enum class OnFailure : std::uint8_t { quiesce, remove };

struct RealServer {
  Endpoint address;
  std::uint32_t weight = 1;                           // 0..65535
  OnFailure on_failure = OnFailure::quiesce;
  std::optional<Forwarding> forwarding;               // default: the service's
  std::uint32_t upper_threshold = 0;                  // 0: no limit
  std::uint32_t lower_threshold = 0;
  std::vector<CheckSpec> checks;                      // all must pass (AND); empty: always up
  SourcePos pos;
  auto operator<=>(const RealServer&) const = default;
};

// The quorum of a service: the minimum healthy real servers, counted either
// as a number of servers or as a sum of their weights.
enum class QuorumBy : std::uint8_t { count, weight };

struct Service {
  std::string name;
  std::optional<Endpoint> address;                    // exactly one of address / fwmark
  std::optional<std::uint32_t> fwmark;
  Family fwmark_family = Family::v4;                  // family of a fwmark service
  Protocol protocol = Protocol::tcp;
  std::string scheduler = "wlc";
  Forwarding forwarding = Forwarding::nat;
  Duration persistence{0};                            // 0: no persistence
  std::optional<std::uint8_t> persistence_netmask;    // prefix length
  bool one_packet = false;                            // IP_VS_SVC_F_ONEPACKET (udp)
  std::uint32_t quorum = 1;
  QuorumBy quorum_by = QuorumBy::count;
  std::optional<Endpoint> sorry_server;
  std::uint32_t sorry_weight = 1;
  Hook on_quorum_lost;
  Hook on_quorum_restored;
  Duration slow_start{0};                             // 0: full weight at once
  Duration drain_timeout = std::chrono::seconds(60);
  std::vector<RealServer> reals;
  SourcePos pos;
  auto operator<=>(const Service&) const = default;
};

struct Config {
  std::string source_file;
  DirectorSettings director;
  std::vector<VrrpInstance> vrrp;
  std::vector<Service> services;
  auto operator<=>(const Config&) const = default;
};

// The schedulers the Linux 6.1 IPVS code base provides (ip_vs_<name>.ko).
const std::vector<std::string>& known_schedulers();

}  // namespace tandem::conf
