// The VRRP state machine of RFC 5798 section 6 (timing of RFC 3768 6.1 for
// VRRPv2); see machine.hpp for the contract.
//
// Choices where the RFC leaves room, all documented in docs/vrrp.md:
// - preempt_delay: for that long after entering Backup, a backup treats a
//   lower-priority master as it would with preempt off (it resets its
//   Master_Down_Timer); afterwards it discards such adverts, so its timer
//   runs out and it takes over. A backup that hears no master takes over
//   after Master_Down_Interval whatever the delay, as 6.4.2 requires.
// - A master hearing a lower-priority advert (or an equal one from a lower
//   address) discards it as 6.4.3 says, but first re-announces its VIPs and
//   sends an advert, at most once per advert interval: after a split brain
//   heals, the other router's gratuitous ARPs may have won the caches.
// - Which side of a healed split brain hears the other first is a race: the
//   lower one usually yields on the higher one's advert before its own
//   crosses, and then the master above never hears a lower advert. So a
//   master that yields to a higher-priority advert sends one advert with
//   priority 0 (what 6.4.3 has a master send when it stops being one), and a
//   master hearing priority 0 answers with its advert, as 6.4.3 says, and
//   also re-announces its VIPs (same limit as above). Without this, clients
//   that learned the yielding router's MAC during the split kept sending to
//   it until their ARP entries aged out (found by `tandem-drill`'s
//   split-brain scenario).
// - Graceful shutdown: priority 0 is sent at once (6.4.3) and again every
//   advert interval while the VIPs are held, in case one is lost. The hold
//   ends when another router's advert with priority > 0 arrives, or after the
//   Master_Down_Interval of the lowest possible backup priority (1), the
//   longest any RFC backup waits.
#include "vrrp/machine/machine.hpp"

#include <algorithm>

namespace tandem::vrrp {

const char* state_name(State s) noexcept {
  switch (s) {
    case State::initialize: return "init";
    case State::backup: return "backup";
    case State::master: return "master";
    case State::fault: return "fault";
  }
  return "unknown";
}

Machine::Machine(MachineSettings settings)
    : settings_(std::move(settings)),
      priority_(settings_.priority),
      master_adver_interval_(settings_.advert_interval) {}

// ---------------------------------------------------------------------------
// Timing, RFC 5798 6.1 / RFC 3768 6.1

std::chrono::microseconds Machine::skew_for(std::uint8_t priority) const noexcept {
  const auto factor = 256 - static_cast<long long>(priority);
  if (settings_.version == Version::v2) {
    // RFC 3768: Skew_Time = (256 - Priority) / 256 seconds.
    return std::chrono::microseconds{factor * 1'000'000 / 256};
  }
  // RFC 5798: Skew_Time = ((256 - Priority) * Master_Adver_Interval) / 256.
  const auto mai = std::chrono::duration_cast<std::chrono::microseconds>(master_adver_interval_);
  return std::chrono::microseconds{factor * mai.count() / 256};
}

std::chrono::microseconds Machine::skew_time() const noexcept { return skew_for(priority_); }

std::chrono::microseconds Machine::master_down_interval() const noexcept {
  return 3 * std::chrono::duration_cast<std::chrono::microseconds>(master_adver_interval_) + skew_time();
}

TimePoint Machine::deadline() const noexcept {
  TimePoint d = TimePoint::max();
  for (const auto& t : {adver_timer_, master_down_timer_, release_deadline_})
    if (t) d = std::min(d, *t);
  return d;
}

Advert Machine::advert(std::uint8_t priority) const {
  Advert a;
  a.version = settings_.version;
  a.vrid = settings_.vrid;
  a.priority = priority;
  a.interval = settings_.advert_interval;
  a.addresses = settings_.virtual_ips;
  return a;
}

void Machine::clear_timers() noexcept {
  adver_timer_.reset();
  master_down_timer_.reset();
  release_deadline_.reset();
}

// ---------------------------------------------------------------------------
// Transitions

Actions Machine::become_master(TimePoint now, State from) {
  // RFC 5798 6.4.1 / 6.4.2: send an ADVERTISEMENT, broadcast gratuitous ARP
  // for each VIP, set Adver_Timer, transition to Master. The VIPs go on
  // first so the ARP replies they trigger are answered.
  Actions a;
  clear_timers();
  state_ = State::master;
  master_adver_interval_ = settings_.advert_interval;  // ours, while we are master
  a.vips = Actions::Vips::add;
  a.announce = true;
  a.send = advert(priority_);
  adver_timer_ = now + settings_.advert_interval;
  last_lower_answer_.reset();
  a.transition = Transition{from, State::master, now};
  return a;
}

Actions Machine::become_backup(TimePoint now, State from) {
  Actions a;
  clear_timers();
  state_ = State::backup;
  backup_since_ = now;
  master_down_timer_ = now + master_down_interval();
  if (from == State::master) a.vips = Actions::Vips::remove;
  a.transition = Transition{from, State::backup, now};
  return a;
}

Actions Machine::stop(Actions a) {
  clear_timers();
  state_ = State::initialize;
  releasing_ = false;
  a.stopped = true;
  return a;
}

// ---------------------------------------------------------------------------
// Events

Actions Machine::on_start(TimePoint now) {
  if (state_ != State::initialize) return {};
  master_adver_interval_ = settings_.advert_interval;
  // RFC 5798 6.4.1: the address owner (priority 255) becomes Master at once.
  if (priority_ == 255) return become_master(now, State::initialize);
  return become_backup(now, State::initialize);
}

Actions Machine::on_advert(const Advert& in, const IpAddress& source, TimePoint now) {
  if (state_ == State::backup) {
    // RFC 5798 6.4.2.
    if (in.priority == 0) {
      master_down_timer_ = now + skew_time();
      return {};
    }
    const bool preempt_now = settings_.preempt && now - backup_since_ >= settings_.preempt_delay;
    if (!preempt_now || in.priority >= priority_) {
      if (settings_.version == Version::v3) master_adver_interval_ = in.interval;
      master_down_timer_ = now + master_down_interval();
    }
    // else: discard; the timer runs out and we preempt.
    return {};
  }
  if (state_ != State::master) return {};

  if (releasing_) {
    // The new master is heard: it serves the VIPs now, so we let go.
    if (in.priority == 0) return {};
    Actions a;
    a.vips = Actions::Vips::remove;
    return stop(std::move(a));
  }
  // RFC 5798 6.4.3; the announcement is ours (see the top of this file).
  if (in.priority == 0) {
    Actions a;
    a.send = advert(priority_);
    adver_timer_ = now + settings_.advert_interval;
    a.announce = may_announce_again(now);
    return a;
  }
  const bool higher = in.priority > priority_ ||
                      (in.priority == priority_ && source.v4_value() > settings_.primary_address.v4_value());
  if (higher) {
    if (settings_.version == Version::v3) master_adver_interval_ = in.interval;
    Actions a = become_backup(now, State::master);
    a.send = advert(0);  // we stop being master: see the top of this file
    return a;
  }
  // Lower: discard, but announce again (see the top of this file).
  if (!may_announce_again(now)) return {};
  Actions a;
  a.announce = true;
  a.send = advert(priority_);
  return a;
}

bool Machine::may_announce_again(TimePoint now) {
  if (last_lower_answer_ && now - *last_lower_answer_ < settings_.advert_interval) return false;
  last_lower_answer_ = now;
  return true;
}

Actions Machine::on_timer(TimePoint now) {
  if (state_ == State::backup && master_down_timer_ && now >= *master_down_timer_) {
    return become_master(now, State::backup);
  }
  if (state_ != State::master) return {};
  if (releasing_ && release_deadline_ && now >= *release_deadline_) {
    Actions a;
    a.vips = Actions::Vips::remove;
    return stop(std::move(a));
  }
  if (adver_timer_ && now >= *adver_timer_) {
    Actions a;
    a.send = advert(releasing_ ? 0 : priority_);
    adver_timer_ = now + settings_.advert_interval;
    return a;
  }
  return {};
}

Actions Machine::set_effective_priority(std::uint8_t priority, TimePoint now) {
  // Only the address owner may advertise 255 (RFC 5798 5.2.4); 0 means
  // "stopping" on the wire, so tracking never goes below 1.
  const std::uint8_t top = settings_.priority == 255 ? 255 : 254;
  const std::uint8_t p = std::clamp<std::uint8_t>(priority, 1, top);
  if (p == priority_) return {};
  priority_ = p;
  Actions a;
  if (state_ == State::master && !releasing_) {
    a.send = advert(priority_);
    adver_timer_ = now + settings_.advert_interval;
  }
  return a;
}

Actions Machine::on_link(bool up, TimePoint now) {
  if (!up) {
    if (state_ == State::fault) return {};
    Actions a;
    const State from = state_;
    if (state_ == State::master) a.vips = Actions::Vips::remove;
    if (releasing_) return stop(std::move(a));
    clear_timers();
    state_ = State::fault;
    a.transition = Transition{from, State::fault, now};
    return a;
  }
  if (state_ != State::fault) return {};
  state_ = State::initialize;
  Actions a = on_start(now);
  if (a.transition) a.transition->from = State::fault;
  return a;
}

Actions Machine::on_shutdown(TimePoint now) {
  if (state_ != State::master) return stop({});
  if (releasing_) return {};
  // RFC 5798 6.4.3: send an ADVERTISEMENT with Priority = 0. The VIPs stay
  // until the backup that takes over is heard.
  releasing_ = true;
  Actions a;
  a.send = advert(0);
  adver_timer_ = now + settings_.advert_interval;
  master_down_timer_.reset();
  release_deadline_ = now + 3 * std::chrono::duration_cast<std::chrono::microseconds>(master_adver_interval_) +
                      skew_for(1);
  return a;
}

}  // namespace tandem::vrrp
