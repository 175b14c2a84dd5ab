// TcpProbe: connect to the target within the timeout; optionally send bytes
// and require the reply to start with the expected bytes. One object per run.
// The connect goes through the io_context's ConnectPoller and the exchange,
// if any, through its SocketWatch (few system calls, no timer per probe).
#pragma once

#include <memory>
#include <string>

#include "checks/core/check_definition.hpp"
#include "checks/probes/completion.hpp"
#include "checks/probes/connect_poller.hpp"
#include "checks/probes/probe.hpp"
#include "checks/probes/socket_watch.hpp"
#include "common/asio.hpp"
#include "common/unique_fd.hpp"

namespace tandem::checks {

class TcpProbe final : public Probe, public SocketWatcher, public std::enable_shared_from_this<TcpProbe> {
 public:
  // Uses timeout, source_address, send and expect of `d`; connects to `target`.
  // The definition is shared, not copied: thousands of checks usually have one.
  TcpProbe(asio::io_context& io, std::shared_ptr<const CheckDefinition> d, const Endpoint& target);
  TcpProbe(asio::io_context& io, const CheckDefinition& d, const Endpoint& target)
      : TcpProbe(io, std::make_shared<const CheckDefinition>(d), target) {}

  // Verdicts: "connected" / "reply matched"; failures "connect refused",
  // "connect timeout after N ms", "connect failed: ...", "cannot bind source
  // address ...", "no reply within N ms", "reply ... did not start with ...",
  // "connection closed after N reply bytes", "connection reset by peer".
  void cancel() override;

 private:
  void run(TimePoint now, ProbeDone done) override;
  enum class Phase { connecting, sending, reading, finished };
  void on_connect(std::error_code ec, UniqueFd fd, TimePoint seen);
  void on_ready(std::uint32_t events, TimePoint now) override;
  void on_deadline(TimePoint now) override;
  // Writes what is left of `send`, then waits for the reply (or succeeds if
  // none is expected).
  void send_rest(TimePoint now);
  void read_reply(std::uint32_t events, TimePoint now);
  // Waits on the watch for `events` (concludes if it cannot).
  void wait_for(std::uint32_t events, TimePoint now);
  // From run() or cancel(): the verdict is posted to the loop.
  void finish(ProbeResult r);
  // From a handler: the verdict is delivered at once (no extra loop turn).
  void conclude(ProbeResult r);
  void release();

  ConnectPoller& poller_;
  ConnectPoller::Ticket connect_ticket_ = 0;  // while phase_ is connecting
  WatchedSocket socket_;                      // after the connect, for send/expect
  TimePoint deadline_at_{};
  std::size_t sent_ = 0;
  ProbeCompletion completion_;
  std::shared_ptr<const CheckDefinition> def_;
  asio::ip::tcp::endpoint target_;
  Phase phase_ = Phase::connecting;
  std::string reply_;
  std::size_t filled_ = 0;
};

// Converts an address and port to Asio's endpoint type.
asio::ip::tcp::endpoint to_asio(const Endpoint& e);
asio::ip::address to_asio(const IpAddress& a);

}  // namespace tandem::checks
