// `tandem status --json`: the snapshot as one JSON object (nlohmann-json).
// Times are RFC 3339 UTC strings; absent values are null.
#include <ctime>

#include <nlohmann/json.hpp>

#include "director/status/render.hpp"

namespace tandem::director {

namespace {

using nlohmann::json;

json time_json(const std::optional<WallTime>& t) {
  if (!t) return nullptr;
  const std::time_t tt = std::chrono::system_clock::to_time_t(*t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

template <class T>
json optional_json(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

json check_json(const CheckStatus& c) {
  return {{"label", c.label},
          {"type", c.kind},
          {"up", c.up},
          {"last_reason", c.last_reason},
          {"probes", c.durations.count},
          {"mean_duration_ms", c.durations.count ? 1000.0 * c.durations.sum_seconds / double(c.durations.count) : 0.0}};
}

json real_json(const RealStatus& r) {
  json checks = json::array();
  for (const auto& c : r.checks) checks.push_back(check_json(c));
  json transitions = json::array();
  for (const auto& t : r.transitions)
    transitions.push_back({{"reason_class", t.reason_class}, {"to", t.to}, {"count", t.count}});
  return {{"address", r.address},
          {"health", r.health},
          {"reason", r.reason},
          {"since", time_json(r.since)},
          {"configured_weight", r.configured_weight},
          {"desired_weight", r.desired_weight},
          {"kernel_weight", optional_json(r.kernel_weight)},
          {"drained", r.drained},
          {"manual_weight", optional_json(r.manual_weight)},
          {"removing", r.removing},
          {"active_connections", r.active_connections},
          {"inactive_connections", r.inactive_connections},
          {"checks", checks},
          {"transitions", transitions}};
}

}  // namespace

std::string render_status_json(const Snapshot& s) {
  json services = json::array();
  for (const auto& svc : s.services) {
    json reals = json::array();
    for (const auto& r : svc.reals) reals.push_back(real_json(r));
    services.push_back({{"name", svc.name},
                        {"key", svc.key},
                        {"scheduler", svc.scheduler},
                        {"healthy", svc.healthy},
                        {"quorum", svc.quorum},
                        {"quorum_by", svc.quorum_by},
                        {"quorum_met", svc.quorum_met},
                        {"sorry_active", svc.sorry_active},
                        {"reals", reals}});
  }
  json vrrp = json::array();
  for (const auto& v : s.vrrp) {
    json invalid = json::object();
    for (const auto& [reason, n] : v.invalid_by_reason) invalid[reason] = n;
    vrrp.push_back({{"name", v.name},
                    {"interface", v.interface},
                    {"vrid", v.vrid},
                    {"state", v.state},
                    {"priority", v.priority},
                    {"effective_priority", v.effective_priority},
                    {"since", time_json(v.since)},
                    {"adverts_sent", v.adverts_sent},
                    {"adverts_received", v.adverts_received},
                    {"invalid_packets", invalid}});
  }
  const json doc{{"director", s.director},
                 {"version", s.version},
                 {"config",
                  {{"file", s.config_file},
                   {"loaded_at", time_json(s.config_loaded_at)},
                   {"last_reload_attempt", time_json(s.last_reload_attempt)},
                   {"reload_errors", s.reload_errors}}},
                 {"ipvs",
                  {{"last_reconcile", time_json(s.reconcile.at)},
                   {"ops_applied", s.reconcile.ops_applied},
                   {"failures", s.reconcile.failures},
                   {"total_writes", s.reconcile.total_writes},
                   {"last_error", s.reconcile.last_error}}},
                 {"services", services},
                 {"vrrp", vrrp}};
  return doc.dump(2) + "\n";
}

}  // namespace tandem::director
