// ipvs::Client: the only code that talks to the kernel's IPVS, over the
// "IPVS" generic-netlink family with libnl-genl-3. One client is one netlink
// socket in the network namespace of the thread that opened it; it keeps no
// global state, so tests open one per fresh namespace.
//
// Every request either completes or fails within the socket timeout
// (SO_SNDTIMEO/SO_RCVTIMEO), so a stuck kernel call cannot hang the daemon.
// Kernel errors keep their errno (std::system_category: EEXIST, ESRCH,
// ENOENT...); describe_failure() in ipvs/model/errc.hpp turns them into a
// sentence naming the object. Not thread-safe: use from one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "common/result.hpp"
#include "ipvs/model/op.hpp"
#include "ipvs/model/service.hpp"
#include "ipvs/model/settings.hpp"
#include "ipvs/reconcile/plan.hpp"

namespace tandem::ipvs {

// One failed operation of a batch.
struct OpFailure {
  std::size_t index = 0;        // position in the batch
  std::error_code code;         // kernel errno (system_category) or ipvs::errc
  std::string message;          // describe_failure(op, code)
};

struct ApplyReport {
  std::size_t sent = 0;                 // requests written to the kernel
  std::vector<OpFailure> failures;      // in batch order
  bool ok() const noexcept { return failures.empty(); }
};

class Client {
 public:
  struct Options {
    std::chrono::milliseconds timeout{5000};   // send and receive timeout of the socket
    std::size_t batch_size = 512;              // requests per sendmsg in apply_all
  };

  // Opens a generic-netlink socket in the caller's current network namespace
  // and resolves the IPVS family. Fails with errc::ipvs_not_available when the
  // family is missing (ip_vs not loaded), else with libnl's or the kernel's code.
  static Result<Client> open(Options options);
  static Result<Client> open() { return open(Options{}); }

  Client(Client&&) noexcept;
  Client& operator=(Client&&) noexcept;
  ~Client();

  // IPVS version and connection table size (IPVS_CMD_GET_INFO).
  Result<Info> info();

  // The whole table with counters: one dump of the services, then one dump of
  // destinations per service. Fails with the first kernel or parse error.
  Result<Table> dump();

  struct DumpOptions {
    bool stats = true;   // false: counters stay zero, decoding is cheaper
  };
  Result<Table> dump(DumpOptions options);

  // Sends one request for `op` and waits for its ACK. Returns the kernel's
  // errno as a system_category code on refusal.
  std::error_code apply(const Op& op);

  // Applies `ops` in order, many requests per sendmsg, and reports each
  // failure with its index; a failure does not stop the later operations (a
  // destination of a service that failed to be added then fails with ESRCH).
  // A transport failure (timeout, socket error) is reported on every
  // operation whose outcome is unknown.
  ApplyReport apply_all(const std::vector<Op>& ops);

  // Named forms of apply(), for callers that build one change by hand.
  std::error_code add_service(const ServiceKey& key, const ServiceConfig& c) { return apply(AddService{key, c}); }
  std::error_code edit_service(const ServiceKey& key, const ServiceConfig& c) { return apply(EditService{key, c}); }
  std::error_code delete_service(const ServiceKey& key) { return apply(DeleteService{key}); }
  std::error_code add_destination(const ServiceKey& s, const Endpoint& a, const DestinationConfig& c) {
    return apply(AddDestination{s, a, c});
  }
  std::error_code edit_destination(const ServiceKey& s, const Endpoint& a, const DestinationConfig& c) {
    return apply(EditDestination{s, a, c});
  }
  std::error_code delete_destination(const ServiceKey& s, const Endpoint& a) {
    return apply(DeleteDestination{s, a});
  }

  // Connection sync daemon (IPVS_CMD_NEW_DAEMON / DEL_DAEMON / GET_DAEMON).
  std::error_code start_sync_daemon(const SyncDaemon& d);
  std::error_code stop_sync_daemon(SyncDaemon::Role role);
  Result<std::vector<SyncDaemon>> sync_daemons();

  // Protocol timeouts (IPVS_CMD_GET_CONFIG / SET_CONFIG); a 0 field is left unchanged.
  Result<Timeouts> timeouts();
  std::error_code set_timeouts(const Timeouts& t);

  // Write requests (service, destination, daemon, config changes) sent so far;
  // reads are not counted. "A second apply sends nothing" is checked with it.
  std::uint64_t writes_sent() const noexcept;

 private:
  struct Impl;
  explicit Client(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The periodic reconcile as one call: dump (without counters), plan against
// `desired` for the services in `owned`, apply. Returns the plan and its
// report, or the dump's error.
struct ReconcileOutcome {
  std::vector<Op> ops;
  ApplyReport report;
};
Result<ReconcileOutcome> reconcile_once(Client& client, const Table& desired, const OwnedSet& owned);

}  // namespace tandem::ipvs
