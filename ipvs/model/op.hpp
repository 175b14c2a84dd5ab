// The operations that change an IPVS table, one per kernel request. The
// reconciler returns them, the netlink client applies them one by one, and
// `tandem plan` prints them. Pure values.
#pragma once

#include <string>
#include <variant>

#include "ipvs/model/service.hpp"

namespace tandem::ipvs {

// New service with its full configuration; destinations follow as AddDestination.
struct AddService {
  ServiceKey key;
  ServiceConfig config;
  bool operator==(const AddService&) const = default;
};

// Scheduler, persistence or flag change of an existing service: an edit, so
// its destinations and their connections stay.
struct EditService {
  ServiceKey key;
  ServiceConfig config;
  bool operator==(const EditService&) const = default;
};

struct DeleteService {
  ServiceKey key;
  bool operator==(const DeleteService&) const = default;
};

struct AddDestination {
  ServiceKey service;
  Endpoint address;
  DestinationConfig config;
  bool operator==(const AddDestination&) const = default;
};

// Weight, threshold or forwarding change: an edit, never delete + add, so
// established connections through this destination survive.
struct EditDestination {
  ServiceKey service;
  Endpoint address;
  DestinationConfig config;
  bool operator==(const EditDestination&) const = default;
};

struct DeleteDestination {
  ServiceKey service;
  Endpoint address;
  bool operator==(const DeleteDestination&) const = default;
};

using Op = std::variant<AddService, EditService, DeleteService, AddDestination, EditDestination,
                        DeleteDestination>;

// The service an operation acts on.
const ServiceKey& service_of(const Op& op);

// One line for humans and logs, e.g.
// "edit destination 192.0.2.1:80/tcp -> 10.0.0.1:80 masq weight 0 thresholds 0/0".
std::string to_string(const Op& op);

}  // namespace tandem::ipvs

template <>
struct fmt::formatter<tandem::ipvs::Op> : fmt::formatter<std::string_view> {
  auto format(const tandem::ipvs::Op& op, fmt::format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(tandem::ipvs::to_string(op), ctx);
  }
};
