// Prometheus text exposition (format 0.0.4) of a Snapshot.
#include <fmt/format.h>

#include "director/status/render.hpp"

namespace tandem::director {

namespace {

// Label values escape backslash, double quote and newline (exposition format).
std::string escape(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

class Exposition {
 public:
  void family(std::string_view name, std::string_view type, std::string_view help) {
    out_ += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
  }
  void sample(std::string_view name, const std::vector<std::pair<std::string_view, std::string>>& labels,
              double value) {
    out_ += name;
    if (!labels.empty()) {
      out_ += '{';
      for (std::size_t i = 0; i < labels.size(); ++i) {
        if (i) out_ += ',';
        out_ += fmt::format("{}=\"{}\"", labels[i].first, escape(labels[i].second));
      }
      out_ += '}';
    }
    out_ += fmt::format(" {}\n", value);
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

}  // namespace

std::string render_metrics(const Snapshot& s) {
  Exposition e;
  e.family("tandem_build_info", "gauge", "Build information; the value is always 1.");
  e.sample("tandem_build_info", {{"version", s.version}, {"director", s.director}}, 1);

  e.family("tandem_config_reload_failed", "gauge", "1 while the last reload failed and the previous config runs.");
  e.sample("tandem_config_reload_failed", {}, s.reload_errors.empty() ? 0 : 1);

  e.family("tandem_event_loop_lag_max_seconds", "gauge",
           "The longest the event loop ran a timer late since start: how long something held it.");
  e.sample("tandem_event_loop_lag_max_seconds", {}, std::chrono::duration<double>(s.loop.max_lag).count());
  e.family("tandem_event_loop_stalls_total", "counter", "Times the event loop was held for 200 ms or more.");
  e.sample("tandem_event_loop_stalls_total", {}, static_cast<double>(s.loop.stalls));

  e.family("tandem_ipvs_writes_total", "counter", "Netlink write requests sent to IPVS since start.");
  e.sample("tandem_ipvs_writes_total", {}, static_cast<double>(s.reconcile.total_writes));
  e.family("tandem_ipvs_reconcile_failures", "gauge", "Operations that failed in the last reconcile.");
  e.sample("tandem_ipvs_reconcile_failures", {}, static_cast<double>(s.reconcile.failures));

  e.family("tandem_service_healthy", "gauge", "Healthy real servers (count or weight, per quorum_by).");
  for (const auto& svc : s.services)
    e.sample("tandem_service_healthy", {{"service", svc.name}}, static_cast<double>(svc.healthy));
  e.family("tandem_service_quorum_met", "gauge", "1 while the service has its quorum.");
  for (const auto& svc : s.services) e.sample("tandem_service_quorum_met", {{"service", svc.name}}, svc.quorum_met);
  e.family("tandem_service_sorry_active", "gauge", "1 while the sorry server is in the service.");
  for (const auto& svc : s.services)
    e.sample("tandem_service_sorry_active", {{"service", svc.name}}, svc.sorry_active);

  e.family("tandem_real_up", "gauge", "1 while the real server passes its checks.");
  for (const auto& svc : s.services)
    for (const auto& r : svc.reals)
      e.sample("tandem_real_up", {{"service", svc.name}, {"real", r.address}}, r.health == "up");
  e.family("tandem_real_weight", "gauge", "Weight of the real server in the kernel's IPVS table (-1: absent).");
  for (const auto& svc : s.services)
    for (const auto& r : svc.reals)
      e.sample("tandem_real_weight", {{"service", svc.name}, {"real", r.address}},
               r.kernel_weight ? static_cast<double>(*r.kernel_weight) : -1.0);
  e.family("tandem_real_configured_weight", "gauge", "Configured weight of the real server.");
  for (const auto& svc : s.services)
    for (const auto& r : svc.reals)
      e.sample("tandem_real_configured_weight", {{"service", svc.name}, {"real", r.address}}, r.configured_weight);
  e.family("tandem_real_transitions_total", "counter", "Health transitions of the real server, by reason class.");
  for (const auto& svc : s.services)
    for (const auto& r : svc.reals)
      for (const auto& t : r.transitions)
        e.sample("tandem_real_transitions_total",
                 {{"service", svc.name}, {"real", r.address}, {"to", t.to}, {"reason", t.reason_class}},
                 static_cast<double>(t.count));

  e.family("tandem_check_duration_seconds", "histogram", "Duration of health-check probes.");
  for (const auto& svc : s.services) {
    for (const auto& r : svc.reals) {
      for (const auto& c : r.checks) {
        for (std::size_t i = 0; i < kProbeBuckets.size(); ++i) {
          e.sample("tandem_check_duration_seconds_bucket",
                   {{"service", svc.name}, {"real", r.address}, {"check", c.label}, {"le", fmt::format("{}", kProbeBuckets[i])}},
                   static_cast<double>(c.durations.buckets[i]));
        }
        const std::vector<std::pair<std::string_view, std::string>> labels{
            {"service", svc.name}, {"real", r.address}, {"check", c.label}};
        auto with_inf = labels;
        with_inf.emplace_back("le", "+Inf");
        e.sample("tandem_check_duration_seconds_bucket", with_inf, static_cast<double>(c.durations.count));
        e.sample("tandem_check_duration_seconds_sum", labels, c.durations.sum_seconds);
        e.sample("tandem_check_duration_seconds_count", labels, static_cast<double>(c.durations.count));
      }
    }
  }

  e.family("tandem_vrrp_state", "gauge", "1 for the instance's current state.");
  for (const auto& v : s.vrrp)
    for (const char* state : {"init", "backup", "master", "fault"})
      e.sample("tandem_vrrp_state", {{"instance", v.name}, {"state", state}}, v.state == state);
  e.family("tandem_vrrp_priority", "gauge", "Effective VRRP priority (after tracking).");
  for (const auto& v : s.vrrp) e.sample("tandem_vrrp_priority", {{"instance", v.name}}, v.effective_priority);
  e.family("tandem_vrrp_adverts_sent_total", "counter", "VRRP advertisements sent.");
  for (const auto& v : s.vrrp)
    e.sample("tandem_vrrp_adverts_sent_total", {{"instance", v.name}}, static_cast<double>(v.adverts_sent));
  e.family("tandem_vrrp_adverts_received_total", "counter", "Valid VRRP advertisements received.");
  for (const auto& v : s.vrrp)
    e.sample("tandem_vrrp_adverts_received_total", {{"instance", v.name}}, static_cast<double>(v.adverts_received));
  e.family("tandem_vrrp_invalid_packets_total", "counter", "VRRP packets dropped, by reason.");
  for (const auto& v : s.vrrp)
    for (const auto& [reason, n] : v.invalid_by_reason)
      e.sample("tandem_vrrp_invalid_packets_total", {{"instance", v.name}, {"reason", reason}}, static_cast<double>(n));
  return e.take();
}

}  // namespace tandem::director
