// The reconciler's diff. See plan.hpp for the rules; this file only walks the
// two sorted maps.
#include "ipvs/reconcile/plan.hpp"

#include <type_traits>
#include <variant>

namespace tandem::ipvs {
namespace {

// Walks both destination maps in key order at once (they share the order of
// Endpoint), so a service with n destinations costs O(n), not O(n log n).
void plan_destinations(const Service* actual, const Service& desired, std::vector<Op>& ops) {
  const ServiceKey& key = desired.key;
  static const std::map<Endpoint, Destination> kNone;
  const auto& have = actual != nullptr ? actual->destinations : kNone;
  const auto& want = desired.destinations;
  std::vector<Op> additions;
  auto h = have.begin();
  auto w = want.begin();
  while (h != have.end() || w != want.end()) {
    if (w == want.end() || (h != have.end() && h->first < w->first)) {
      ops.push_back(DeleteDestination{key, h->first});
      ++h;
    } else if (h == have.end() || w->first < h->first) {
      additions.push_back(AddDestination{key, w->first, w->second.config});
      ++w;
    } else {
      if (h->second.config != w->second.config) ops.push_back(EditDestination{key, w->first, w->second.config});
      ++h;
      ++w;
    }
  }
  // Deletions and edits first, then additions: an upper threshold or a
  // removed server is dealt with before new ones take traffic.
  ops.insert(ops.end(), std::make_move_iterator(additions.begin()), std::make_move_iterator(additions.end()));
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

void apply_to(Table& table, const Op& op) {
  std::visit(
      [&table](const auto& o) {
        using T = std::decay_t<decltype(o)>;
        if constexpr (std::is_same_v<T, AddService> || std::is_same_v<T, EditService>) {
          Service& s = table.services[o.key];
          s.key = o.key;
          s.config = o.config;
        } else if constexpr (std::is_same_v<T, DeleteService>) {
          table.services.erase(o.key);
        } else if constexpr (std::is_same_v<T, DeleteDestination>) {
          if (const auto s = table.services.find(o.service); s != table.services.end())
            s->second.destinations.erase(o.address);
        } else {
          Service& s = table.services[o.service];
          s.key = o.service;
          auto [d, added] = s.destinations.try_emplace(o.address);
          d->second.address = o.address;
          d->second.config = o.config;
        }
      },
      op);
}

}  // namespace tandem::ipvs
