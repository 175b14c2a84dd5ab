// sd_notify through libsystemd; see systemd_notifier.hpp.
#include "director/daemon/systemd_notifier.hpp"

#include <systemd/sd-daemon.h>
#include <time.h>

#include <fmt/format.h>

namespace tandem::director {

SystemdNotifier::SystemdNotifier(asio::io_context& io) : watchdog_(io) {
  std::uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
    // Ping at half the period, as sd_watchdog_enabled(3) recommends.
    watchdog_period_ = std::chrono::microseconds(usec / 2);
    arm_watchdog();
  }
}

void SystemdNotifier::arm_watchdog() {
  watchdog_.expires_after(watchdog_period_);
  watchdog_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    // The loop is alive if this handler runs: that is what the watchdog checks.
    sd_notify(0, "WATCHDOG=1");
    arm_watchdog();
  });
}

void SystemdNotifier::ready(const std::string& s) {
  last_status_ = s;
  sd_notify(0, fmt::format("READY=1\nSTATUS={}", s).c_str());
}

void SystemdNotifier::reloading() {
  // systemd 253+ wants MONOTONIC_USEC with RELOADING=1 for Type=notify-reload;
  // older versions ignore it.
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  const auto usec = static_cast<unsigned long long>(ts.tv_sec) * 1000000ULL + static_cast<unsigned long long>(ts.tv_nsec) / 1000;
  sd_notify(0, fmt::format("RELOADING=1\nMONOTONIC_USEC={}\nSTATUS=reloading", usec).c_str());
}

void SystemdNotifier::status(const std::string& s) {
  if (s == last_status_) return;
  last_status_ = s;
  sd_notify(0, fmt::format("STATUS={}", s).c_str());
}

void SystemdNotifier::stopping() { sd_notify(0, "STOPPING=1\nSTATUS=stopping"); }

void SystemdNotifier::stop() { watchdog_.cancel(); }

}  // namespace tandem::director
