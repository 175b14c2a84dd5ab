// NetlinkMonitor: watches the kernel's link and IPv4 address notifications
// (RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR) on its own rtnetlink socket, read on the
// Asio loop, and reports them as callbacks: a link's up-ness changing, an
// IPv4 address added or removed. The director uses it to enter or leave
// VRRP's Fault state and to restore a virtual IP someone deleted.
//
// Netlink multicast is lossy: when the socket's receive buffer overruns the
// kernel drops notifications and reports ENOBUFS. The monitor then calls
// on_overrun() (the director resyncs with lookup_interface() and
// AddressEditor::present()), forgets what it knew about links (the next
// notification of each known link is reported whatever it says) and keeps
// reading. A link created after open() starts as down: its first report is
// its first "up".
//
// The socket lives in the network namespace of the thread that opened it.
// Messages not sent by the kernel (nl_pid != 0) are ignored. Not thread-safe:
// use from the loop's thread.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <system_error>

#include "common/asio.hpp"
#include "common/ip_address.hpp"
#include "common/result.hpp"

namespace tandem::vrrp::io {

class NetlinkMonitor {
 public:
  struct Callbacks {
    // A link's up-ness (IFF_UP and IFF_RUNNING) changed; a deleted link that
    // was up (or unknown) is reported down.
    std::function<void(int ifindex, bool up)> on_link;
    std::function<void(int ifindex, const Prefix& address)> on_address_added;
    std::function<void(int ifindex, const Prefix& address)> on_address_removed;
    // Notifications were lost (ENOBUFS, or one too large for the buffer).
    std::function<void()> on_overrun;
  };

  struct Options {
    int receive_buffer_bytes = 0;                    // SO_RCVBUF; 0 keeps the kernel default
    std::chrono::milliseconds initial_dump_timeout{2000};
  };

  // Opens the socket, joins the two groups, then reads one link dump so that
  // only later changes of up-ness are reported. Callbacks may be empty.
  // Fails with the errno of the failing socket call or errc::netlink_timeout
  // when the dump did not finish in time.
  static Result<NetlinkMonitor> open(asio::io_context& io, Callbacks callbacks, Options options);
  static Result<NetlinkMonitor> open(asio::io_context& io, Callbacks callbacks) {
    return open(io, std::move(callbacks), Options{});
  }

  NetlinkMonitor(NetlinkMonitor&&) noexcept;
  NetlinkMonitor& operator=(NetlinkMonitor&&) noexcept;
  ~NetlinkMonitor();  // stop()

  // Starts reading on the loop; callbacks run from io.run(). Idempotent.
  void start();
  // Closes the socket; no callback runs afterwards, even one already due.
  // Idempotent.
  void stop();
  bool is_open() const noexcept;

  // The last up-ness seen for `ifindex`; nullopt when unknown (no
  // notification yet, or forgotten after an overrun).
  std::optional<bool> link_up(int ifindex) const;

  struct State;

 private:
  explicit NetlinkMonitor(std::shared_ptr<State> state);
  std::shared_ptr<State> state_;
};

}  // namespace tandem::vrrp::io
