// The reconciler: desired table + kernel table + owned set -> the minimal list
// of operations. Pure: no sockets, no clock; the caller dumps, plans, applies.
//
// Rules (each one is a unit test in tests/ipvs/plan_test.cpp):
//  - A service in `desired` is created if missing, edited if its configuration
//    differs, and its destinations are made to match: missing ones added,
//    changed ones edited (never deleted and re-added, so established
//    connections survive a weight or threshold change), extra ones deleted.
//  - A service in `owned` but not in `desired` is deleted if present (it left
//    the config, perhaps while tandem was stopped).
//  - Every other service in `actual` is not touched: someone else made it.
//  - A service that is in `desired` but was made by someone else is adopted:
//    the config names it, so the config wins.
//  - If actual already matches desired the result is empty, so a second apply
//    sends no netlink write.
//  - A new service with many destinations (kDarkBuildMin or more) is built
//    dark: created with the "none" scheduler, filled, then edited to its real
//    configuration. Two reasons. Schedulers such as wrr, sh and mh redo O(n)
//    work (gcd/max weight, lookup tables) in the kernel on every destination
//    added, which makes filling a large service quadratic; with no scheduler
//    there is none, and the final edit initialises the scheduler once. And
//    no client is scheduled onto a half-filled service (the first real
//    server added would otherwise take every new connection).
// Order: service deletions, then per service (in key order) its add/edit, its
// destination deletions, edits and additions (then the switch-on edit of a
// dark-built service).
#pragma once

#include <set>
#include <vector>

#include "ipvs/model/op.hpp"
#include "ipvs/model/service.hpp"

namespace tandem::ipvs {

// The services tandem created or adopted, remembered across restarts (see
// ipvs/state/owned_state_file.hpp). Only these may ever be deleted.
using OwnedSet = std::set<ServiceKey>;

// New services with at least this many destinations are built dark (above).
// Below it the extra edit costs more than the scheduler work it saves.
inline constexpr std::size_t kDarkBuildMin = 16;

// Returns the operations that turn `actual` into `desired` for the services
// tandem owns, following the rules above. Never fails.
std::vector<Op> plan(const Table& actual, const Table& desired, const OwnedSet& owned);

// The owned set once `desired` is applied: exactly the desired services.
// Before applying, persist owned ∪ desired (see with_desired) so a crash
// mid-apply still remembers what tandem may have created.
OwnedSet owned_after(const Table& desired);

// owned ∪ keys(desired): what to persist before applying a plan.
OwnedSet with_desired(const OwnedSet& owned, const Table& desired);

// `table` as the kernel holds it once it has accepted `op`, so a caller can
// keep its last reading current without reading the kernel again. Counters
// of what the operation only edits are kept; what it adds starts at zero.
void apply_to(Table& table, const Op& op);

}  // namespace tandem::ipvs
