// The `tandem status` table: one line per real server, then VRRP instances.
#include <algorithm>
#include <ctime>

#include <fmt/format.h>

#include "director/status/render.hpp"

namespace tandem::director {

namespace {

std::string clock_time(WallTime t) {
  const std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);  // UTC: the same on both directors and in every test
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

std::string ago(WallTime t, WallTime now) {
  const auto s = std::chrono::duration_cast<std::chrono::seconds>(now - t).count();
  if (s < 0) return "just now";
  if (s < 120) return fmt::format("{}s ago", s);
  if (s < 7200) return fmt::format("{}m ago", s / 60);
  if (s < 172800) return fmt::format("{}h ago", s / 3600);
  return fmt::format("{}d ago", s / 86400);
}

std::string since_text(const std::optional<WallTime>& t, WallTime now) {
  return t ? ago(*t, now) : "-";
}

// A table whose columns are as wide as their widest cell.
class TextTable {
 public:
  explicit TextTable(std::vector<std::string> header) { rows_.push_back(std::move(header)); }
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  std::string render() const {
    std::vector<std::size_t> width(rows_.front().size(), 0);
    for (const auto& r : rows_)
      for (std::size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
    std::string out;
    for (const auto& r : rows_) {
      std::string line;
      for (std::size_t i = 0; i < r.size(); ++i) {
        line += r[i];
        if (i + 1 < r.size()) line += std::string(width[i] - r[i].size() + 2, ' ');
      }
      while (!line.empty() && line.back() == ' ') line.pop_back();
      out += line + "\n";
    }
    return out;
  }

 private:
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace

std::string render_status_text(const Snapshot& s, WallTime now) {
  std::string out = fmt::format("director {} (tandem {})\n", s.director.empty() ? "-" : s.director, s.version);
  out += fmt::format("config   {}{}\n", s.config_file,
                     s.config_loaded_at ? fmt::format(" (loaded {})", clock_time(*s.config_loaded_at)) : "");
  if (!s.reload_errors.empty()) {
    out += fmt::format("reload   FAILED{}, still running the config above:\n",
                       s.last_reload_attempt ? " at " + clock_time(*s.last_reload_attempt) : "");
    for (const auto& e : s.reload_errors) out += "  " + e + "\n";
  }
  if (s.reconcile.at) {
    out += fmt::format("ipvs     last reconcile {}: {} change(s), {} failure(s){}\n", ago(*s.reconcile.at, now),
                       s.reconcile.ops_applied, s.reconcile.failures,
                       s.reconcile.last_error.empty() ? "" : " - " + s.reconcile.last_error);
  } else {
    out += "ipvs     not reconciled yet\n";
  }

  if (!s.services.empty()) {
    out += "\n";
    TextTable t({"SERVICE", "REAL", "HEALTH", "SINCE", "WEIGHT", "CONFIGURED", "DRAINED", "REASON"});
    for (const auto& svc : s.services) {
      const std::string name = fmt::format("{} {}", svc.name, svc.key);
      if (svc.reals.empty()) t.add({name, "-", "-", "-", "-", "-", "-", ""});
      for (const auto& r : svc.reals) {
        std::string weight = r.kernel_weight ? std::to_string(*r.kernel_weight) : "absent";
        if (!r.kernel_weight || *r.kernel_weight != r.desired_weight)
          weight += fmt::format(" (-> {})", r.desired_weight);
        std::string drained = r.drained ? "yes" : r.removing ? "removing" : "no";
        if (r.manual_weight) drained += fmt::format(", weight set to {}", *r.manual_weight);
        t.add({name, r.address, r.health, since_text(r.since, now), weight, std::to_string(r.configured_weight),
               drained, r.reason});
      }
    }
    out += t.render();
    for (const auto& svc : s.services) {
      out += fmt::format("{}: {} of quorum {} ({}){}\n", svc.name, svc.healthy, svc.quorum, svc.quorum_by,
                         svc.quorum_met ? "" : svc.sorry_active ? " - QUORUM LOST, sorry server active"
                                                                 : " - QUORUM LOST");
    }
  }
  if (!s.vrrp.empty()) {
    out += "\n";
    TextTable t({"VRRP", "INTERFACE", "VRID", "STATE", "SINCE", "PRIORITY", "ADVERTS SENT", "RECEIVED"});
    for (const auto& v : s.vrrp) {
      const std::string prio = v.effective_priority == v.priority
                                   ? std::to_string(v.priority)
                                   : fmt::format("{} (configured {})", v.effective_priority, v.priority);
      t.add({v.name, v.interface, std::to_string(v.vrid), v.state, since_text(v.since, now), prio,
             std::to_string(v.adverts_sent), std::to_string(v.adverts_received)});
    }
    out += t.render();
  }
  return out;
}

}  // namespace tandem::director
