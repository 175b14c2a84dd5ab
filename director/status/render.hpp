// Renderers of a Snapshot: the `tandem status` table, its JSON form and the
// Prometheus text exposition. Pure functions: `now` is an argument.
#pragma once

#include <string>

#include "director/status/snapshot.hpp"

namespace tandem::director {

// The human table of `tandem status`.
std::string render_status_text(const Snapshot& s, WallTime now);

// `tandem status --json`: the same facts for tools, one JSON object.
std::string render_status_json(const Snapshot& s);

// Prometheus text format 0.0.4, every metric with HELP and TYPE.
std::string render_metrics(const Snapshot& s);

}  // namespace tandem::director
