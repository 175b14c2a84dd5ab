// Control protocol encoding with nlohmann-json; see protocol.hpp.
#include "director/control/protocol.hpp"

#include <nlohmann/json.hpp>

namespace tandem::director::control {

namespace {

using nlohmann::json;

struct Target {
  std::string service;
  Endpoint real;
};

std::variant<Target, std::string> target_of(const json& j) {
  const auto s = j.find("service");
  const auto r = j.find("real");
  if (s == j.end() || !s->is_string() || s->get<std::string>().empty())
    return std::string("\"service\" must be a service name");
  if (r == j.end() || !r->is_string()) return std::string("\"real\" must be an address:port");
  auto e = Endpoint::parse(r->get<std::string>());
  if (!e) return "\"real\" must be an address:port, got \"" + r->get<std::string>() + "\"";
  return Target{s->get<std::string>(), *e};
}

}  // namespace

std::variant<Request, std::string> parse_request(std::string_view line) {
  if (line.size() > kMaxRequestBytes) return std::string("request too long");
  const json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return std::string("request is not a JSON object");
  const auto cmd = j.find("command");
  if (cmd == j.end() || !cmd->is_string()) return std::string("request has no \"command\"");
  const std::string name = cmd->get<std::string>();
  if (name == "status") {
    const auto js = j.find("json");
    if (js != j.end() && !js->is_boolean()) return std::string("\"json\" must be true or false");
    return Request{StatusRequest{js != j.end() && js->get<bool>()}};
  }
  if (name == "reload") return Request{ReloadRequest{}};
  if (name == "drain" || name == "undrain" || name == "set-weight") {
    auto t = target_of(j);
    if (auto* err = std::get_if<std::string>(&t)) return *err;
    auto& target = std::get<Target>(t);
    if (name != "set-weight") return Request{DrainRequest{target.service, target.real, name == "drain"}};
    const auto w = j.find("weight");
    if (w == j.end()) return std::string("\"weight\" is missing (a number 0..65535, or null for the configured one)");
    if (w->is_null()) return Request{SetWeightRequest{target.service, target.real, std::nullopt}};
    if (!w->is_number_integer() || w->get<std::int64_t>() < 0 || w->get<std::int64_t>() > 65535)
      return std::string("\"weight\" must be a number 0..65535, or null for the configured one");
    return Request{SetWeightRequest{target.service, target.real, static_cast<std::uint32_t>(w->get<std::int64_t>())}};
  }
  return "unknown command \"" + name + "\"";
}

std::string encode_request(const Request& r) {
  json j;
  std::visit(
      [&](const auto& req) {
        using T = std::decay_t<decltype(req)>;
        if constexpr (std::is_same_v<T, StatusRequest>) {
          j = {{"command", "status"}, {"json", req.json}};
        } else if constexpr (std::is_same_v<T, ReloadRequest>) {
          j = {{"command", "reload"}};
        } else if constexpr (std::is_same_v<T, DrainRequest>) {
          j = {{"command", req.drain ? "drain" : "undrain"}, {"service", req.service}, {"real", req.real.to_string()}};
        } else {
          j = {{"command", "set-weight"}, {"service", req.service}, {"real", req.real.to_string()}};
          j["weight"] = req.weight ? json(*req.weight) : json(nullptr);
        }
      },
      r);
  return j.dump() + "\n";
}

std::string encode_reply(const Reply& r) {
  const json j = r.ok ? json{{"ok", true}, {"output", r.text}} : json{{"ok", false}, {"error", r.text}};
  // Replace invalid UTF-8 (a reason may quote a backend's bytes) rather than throw.
  return j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

std::optional<Reply> decode_reply(std::string_view line) {
  const json j = json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  const auto ok = j.find("ok");
  if (ok == j.end() || !ok->is_boolean()) return std::nullopt;
  const auto text = j.find(ok->get<bool>() ? "output" : "error");
  if (text == j.end() || !text->is_string()) return std::nullopt;
  return Reply{ok->get<bool>(), text->get<std::string>()};
}

}  // namespace tandem::director::control
