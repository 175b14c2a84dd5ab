// The reconciler's diff. See plan.hpp for the rules; this file only walks the
// two sorted maps.
#include "ipvs/reconcile/plan.hpp"

namespace tandem::ipvs {
namespace {

void plan_destinations(const Service* actual, const Service& desired, std::vector<Op>& ops) {
  const ServiceKey& key = desired.key;
  if (actual != nullptr) {
    for (const auto& [address, dest] : actual->destinations) {
      if (!desired.destinations.contains(address)) ops.push_back(DeleteDestination{key, address});
    }
  }
  for (const auto& [address, dest] : desired.destinations) {
    const Destination* present = nullptr;
    if (actual != nullptr) {
      auto it = actual->destinations.find(address);
      if (it != actual->destinations.end()) present = &it->second;
    }
    if (present == nullptr) {
      ops.push_back(AddDestination{key, address, dest.config});
    } else if (present->config != dest.config) {
      ops.push_back(EditDestination{key, address, dest.config});
    }
  }
}

}  // namespace

std::vector<Op> plan(const Table& actual, const Table& desired, const OwnedSet& owned) {
  std::vector<Op> ops;
  for (const ServiceKey& key : owned) {
    if (!desired.services.contains(key) && actual.services.contains(key)) {
      ops.push_back(DeleteService{key});
    }
  }
  for (const auto& [key, want] : desired.services) {
    auto it = actual.services.find(key);
    const Service* have = it == actual.services.end() ? nullptr : &it->second;
    if (have == nullptr && want.destinations.size() >= kDarkBuildMin && want.config.scheduler != "none") {
      ServiceConfig dark = want.config;
      dark.scheduler = "none";
      ops.push_back(AddService{key, dark});
      plan_destinations(nullptr, want, ops);
      ops.push_back(EditService{key, want.config});
      continue;
    }
    if (have == nullptr) {
      ops.push_back(AddService{key, want.config});
    } else if (have->config != want.config) {
      ops.push_back(EditService{key, want.config});
    }
    plan_destinations(have, want, ops);
  }
  return ops;
}

OwnedSet owned_after(const Table& desired) {
  OwnedSet out;
  for (const auto& [key, service] : desired.services) out.insert(key);
  return out;
}

OwnedSet with_desired(const OwnedSet& owned, const Table& desired) {
  OwnedSet out = owned;
  for (const auto& [key, service] : desired.services) out.insert(key);
  return out;
}

}  // namespace tandem::ipvs
