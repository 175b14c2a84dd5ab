// `tandem status`, `reload`, `drain`, `undrain`, `set-weight`: clients of the
// running daemon's control socket. The socket path comes from --socket, else
// from the config file's director.control_socket (-c), else the default.
#include <cstdio>

#include <fmt/format.h>

#include "conf/load.hpp"
#include "director/cli/commands.hpp"
#include "director/daemon/control_server.hpp"

namespace tandem::cli {

namespace {

struct ControlOptions {
  std::string socket;
  std::string config = "/etc/tandem/tandem.toml";
  std::string service;
  std::string real;
  std::string weight;
  bool json = false;
};

std::string socket_path(const ControlOptions& o) {
  if (!o.socket.empty()) return o.socket;
  if (const auto loaded = conf::load_file(o.config); loaded.config) return loaded.config->director.control_socket;
  return conf::DirectorSettings{}.control_socket;
}

int send(const ControlOptions& o, const director::control::Request& request) {
  const std::string path = socket_path(o);
  auto reply = director::send_control_request(path, request, std::chrono::seconds(30));
  if (!reply) {
    std::fprintf(stderr, "tandem: cannot talk to the daemon at %s: %s (is `tandem run` running?)\n", path.c_str(),
                 reply.error().message().c_str());
    return 1;
  }
  std::fputs(reply.value().text.c_str(), reply.value().ok ? stdout : stderr);
  if (!reply.value().text.empty() && reply.value().text.back() != '\n') std::fputc('\n', reply.value().ok ? stdout : stderr);
  return reply.value().ok ? 0 : 1;
}

CLI::App* add_common(CLI::App& app, const char* name, const char* help, const std::shared_ptr<ControlOptions>& o) {
  auto* cmd = app.add_subcommand(name, help);
  cmd->add_option("-s,--socket", o->socket, "Control socket of the daemon (default: from the config)");
  cmd->add_option("-c,--config", o->config, "Configuration file, to find the control socket")->capture_default_str();
  return cmd;
}

std::optional<Endpoint> real_of(const ControlOptions& o) {
  auto e = Endpoint::parse(o.real);
  if (!e) throw CLI::ValidationError("REAL", "must be an address:port, as in 10.0.1.11:8080 or [2001:db8::1]:80");
  return e;
}

}  // namespace

void add_control_commands(CLI::App& app, int& exit_code) {
  {
    auto o = std::make_shared<ControlOptions>();
    auto* cmd = add_common(app, "status", "Show services, real servers, health, weights and VRRP state", o);
    cmd->add_flag("--json", o->json, "Print JSON for tools");
    cmd->callback([o, &exit_code] { exit_code = send(*o, director::control::StatusRequest{o->json}); });
  }
  {
    auto o = std::make_shared<ControlOptions>();
    auto* cmd = add_common(app, "reload", "Reload the config; an invalid one is refused with its errors", o);
    cmd->callback([o, &exit_code] { exit_code = send(*o, director::control::ReloadRequest{}); });
  }
  for (const bool drain : {true, false}) {
    auto o = std::make_shared<ControlOptions>();
    auto* cmd = add_common(app, drain ? "drain" : "undrain",
                           drain ? "Give a real server weight 0 until undrained (survives restarts)"
                                 : "Undo a drain: the real server's health decides again",
                           o);
    cmd->add_option("SERVICE", o->service, "Service name")->required();
    cmd->add_option("REAL", o->real, "Real server address:port")->required();
    cmd->callback([o, drain, &exit_code] {
      exit_code = send(*o, director::control::DrainRequest{o->service, *real_of(*o), drain});
    });
  }
  {
    auto o = std::make_shared<ControlOptions>();
    auto* cmd = add_common(app, "set-weight", "Override a real server's weight (\"configured\" undoes it)", o);
    cmd->add_option("SERVICE", o->service, "Service name")->required();
    cmd->add_option("REAL", o->real, "Real server address:port")->required();
    cmd->add_option("WEIGHT", o->weight, "0..65535, or \"configured\"")->required();
    cmd->callback([o, &exit_code] {
      std::optional<std::uint32_t> weight;
      if (o->weight != "configured") {
        unsigned long v = 0;
        std::size_t used = 0;
        try {
          v = std::stoul(o->weight, &used);
        } catch (const std::exception&) {
          used = 0;
        }
        if (used != o->weight.size() || v > 65535)
          throw CLI::ValidationError("WEIGHT", "must be 0..65535 or \"configured\"");
        weight = static_cast<std::uint32_t>(v);
      }
      exit_code = send(*o, director::control::SetWeightRequest{o->service, *real_of(*o), weight});
    });
  }
}

}  // namespace tandem::cli
