// SystemdNotifier: sd_notify(3) messages when run as a Type=notify service,
// and WATCHDOG=1 keep-alives when the unit sets WatchdogSec. Without
// NOTIFY_SOCKET (not under systemd) every call does nothing.
#pragma once

#include <string>

#include "common/asio.hpp"

namespace tandem::director {

class SystemdNotifier {
 public:
  // Starts the watchdog timer if systemd asked for one.
  explicit SystemdNotifier(asio::io_context& io);

  void ready(const std::string& status);     // READY=1 + STATUS=
  void reloading();                          // RELOADING=1 (+ MONOTONIC_USEC)
  void status(const std::string& status);    // STATUS=
  void stopping();                           // STOPPING=1
  void stop();                               // cancels the watchdog timer

 private:
  void arm_watchdog();

  asio::steady_timer watchdog_;
  std::chrono::microseconds watchdog_period_{0};
  std::string last_status_;
};

}  // namespace tandem::director
