// conf::Config -> ipvs::Table: the one place where load-balancer words
// (virtual service, real server, nat/dr/tunnel, persistence) become kernel
// words (service, destination, masq/route/tunnel, persistent flag + timeout +
// netmask). Pure: no I/O, no clock.
//
// The weights come from the config unless `states` says otherwise: the
// director's health and weight policy decide each real server's effective
// weight (0 when quiesced) or its absence (removed), and pass that in here.
// `tandem plan` passes nothing, so it shows the table with every real server
// healthy at its configured weight.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "conf/config.hpp"
#include "ipvs/model/service.hpp"

namespace tandem::desired {

// The effective state of one real server of one service.
struct RealState {
  bool present = true;                      // false: not in the kernel table at all
  std::optional<std::uint32_t> weight;      // unset: the configured weight
};

// Keyed by (service name, real server address).
using RealStates = std::map<std::pair<std::string, Endpoint>, RealState>;

// The kernel key of a configured service: its fwmark and family, or its
// protocol and address.
ipvs::ServiceKey service_key(const conf::Service& service);

// Names of the services whose sorry server is in (below quorum).
using SorryActive = std::set<std::string>;

// The IPVS table the config asks for, with `states` applied and the sorry
// server of each service in `sorry` added (with the service's forwarding
// method and sorry_weight). Never fails: a Config is already validated.
ipvs::Table desired_table(const conf::Config& config, const RealStates& states = {}, const SorryActive& sorry = {});

}  // namespace tandem::desired
