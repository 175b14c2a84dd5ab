// vrrp::Machine: one VRRP instance's state machine, RFC 5798 section 6.4
// (and RFC 3768 6.4 for VRRPv2 timing), sans I/O.
// Pure: no sockets, no clock reads. Every event carries `now`; every call
// returns the Actions the caller must perform (send, add/remove the virtual
// IPs, announce them with gratuitous ARP, report a transition). After every
// call the caller arms its one timer to deadline() and calls on_timer() when
// it fires; an early or late call is harmless.
//
//            start (priority 255)             Master_Down_Timer fires
//   Init ------------------------> Master <----------------------- Backup
//    |  start (priority < 255)       |  higher-priority advert,         ^
//    +-------------------------------|--- or equal priority and --------+
//                                    |    higher primary address
//   any state --link down--> Fault --link up--> Init (then as start)
//   Master --shutdown--> releasing (priority 0 sent, VIPs kept until the
//                        new master is heard, bounded) --> stopped
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "common/clock.hpp"
#include "common/duration.hpp"
#include "common/ip_address.hpp"
#include "vrrp/codec/advert.hpp"

namespace tandem::vrrp {

// Fault is tandem's addition to the RFC's three states: the interface is down,
// so the instance sends nothing and holds no VIPs until it comes back.
enum class State : std::uint8_t { initialize, backup, master, fault };

const char* state_name(State s) noexcept;   // "init", "backup", "master", "fault"

struct MachineSettings {
  Version version = Version::v3;
  std::uint8_t vrid = 1;
  std::uint8_t priority = 100;        // configured; 255 only for the address owner
  Duration advert_interval{1000};
  bool preempt = true;
  // A backup with preempt does not take over from a lower-priority master
  // until it has been a backup for at least this long (keepalived's
  // preempt_delay, counted from entering Backup).
  Duration preempt_delay{0};
  IpAddress primary_address;          // ours: the tie-breaker (RFC 5798 6.4.3)
  std::vector<IpAddress> virtual_ips; // carried in our adverts
};

struct Transition {
  State from;
  State to;
  TimePoint at;
};

// What the caller must do, in this order: vips, announce, send, notify.
struct Actions {
  enum class Vips : std::uint8_t { keep, add, remove };
  Vips vips = Vips::keep;
  bool announce = false;               // a burst of gratuitous ARPs for every VIP
  std::optional<Advert> send;          // one advert to send now
  std::optional<Transition> transition;
  bool stopped = false;                // on_shutdown has finished: nothing more to do
};

class Machine {
 public:
  explicit Machine(MachineSettings settings);

  // RFC 5798 6.4.1: leave Initialize for Master (address owner) or Backup.
  Actions on_start(TimePoint now);

  // An advert for our VRID that passed the codec's checks (TTL, version,
  // checksum, VRID, length), from `source` (the sender's primary address).
  Actions on_advert(const Advert& advert, const IpAddress& source, TimePoint now);

  // Fires whichever of Adver_Timer, Master_Down_Timer, the preempt delay or
  // the release bound is due at `now`.
  Actions on_timer(TimePoint now);

  // Tracking: the priority we advertise and compare with, 1..255. A master
  // sends an advert at once so the peer sees the new priority.
  Actions set_effective_priority(std::uint8_t priority, TimePoint now);

  // The interface went down (-> Fault: VIPs removed, nothing sent) or came
  // back (-> Initialize, then as on_start).
  Actions on_link(bool up, TimePoint now);

  // Graceful stop. A master sends priority 0 (RFC 5798 6.4.3) but keeps its
  // VIPs until it hears another router's advert with priority > 0, or the
  // master-down interval passes, then removes them and reports stopped. Any
  // other state stops at once.
  Actions on_shutdown(TimePoint now);

  State state() const noexcept { return state_; }
  bool releasing() const noexcept { return releasing_; }
  std::uint8_t effective_priority() const noexcept { return priority_; }
  // Master_Adver_Interval: learned from the master's adverts (v3), else ours.
  Duration master_advert_interval() const noexcept { return master_adver_interval_; }
  // RFC 5798 6.1: Skew_Time and Master_Down_Interval, from the current
  // priority and Master_Adver_Interval (RFC 3768 6.1 for v2).
  std::chrono::microseconds skew_time() const noexcept;
  std::chrono::microseconds master_down_interval() const noexcept;
  // The earliest pending timer; TimePoint::max() when none is pending.
  TimePoint deadline() const noexcept;

 private:
  MachineSettings settings_;
  State state_ = State::initialize;
  std::uint8_t priority_;
  Duration master_adver_interval_;
  bool releasing_ = false;

  Advert advert(std::uint8_t priority) const;
  std::chrono::microseconds skew_for(std::uint8_t priority) const noexcept;
  Actions become_master(TimePoint now, State from);
  Actions become_backup(TimePoint now, State from);
  Actions stop(Actions a);
  void clear_timers() noexcept;
  bool may_announce_again(TimePoint now);  // at most one re-announcement per advert interval

  std::optional<TimePoint> adver_timer_;        // Master: next advert
  std::optional<TimePoint> master_down_timer_;  // Backup: take over when it fires
  std::optional<TimePoint> release_deadline_;   // releasing: let go of the VIPs by then
  TimePoint backup_since_{};                    // for preempt_delay
  std::optional<TimePoint> last_lower_answer_;  // Master: last answer to a lower advert
};

}  // namespace tandem::vrrp
