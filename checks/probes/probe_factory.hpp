// ProbeRecipe: one check definition of one real server, with everything that
// does not change between runs prepared once (URL, headers, compiled regex,
// exec user), and the one place that knows which probe class serves which
// check kind. make_probe() builds a fresh probe per run.
//
// Small on purpose: the runner keeps one per check instance, ten thousand of
// them. A tcp recipe holds nothing beyond the definition and address the
// runner keeps anyway (no std::function with a heap-allocated capture).
#pragma once

#include <memory>
#include <variant>

#include "checks/core/check_definition.hpp"
#include "checks/core/errc.hpp"
#include "checks/probes/curl_multi.hpp"
#include "checks/probes/probe.hpp"
#include "common/asio.hpp"
#include "common/result.hpp"

namespace tandem::checks {

class HttpPlan;
class PlainHttpPlan;
struct ExecPlan;

class ProbeRecipe {
 public:
  // Plain http checks (a new connection each run) go to tandem's own client
  // (PlainHttpProbe); https, and http with connection reuse, to libcurl
  // (HttpProbe). Returns the errors of the plans' make() functions.
  // The definition is shared with the recipe's probes, not copied.
  static Result<ProbeRecipe> make(const std::shared_ptr<const CheckDefinition>& d, const Endpoint& real);

  // A new probe of `d` against `real`: the same definition and real server the
  // recipe was made with. `io` and `multi` must outlive the probe.
  std::shared_ptr<Probe> make_probe(asio::io_context& io, CurlMulti& multi,
                                    const std::shared_ptr<const CheckDefinition>& d, const Endpoint& real) const;

 private:
  std::variant<std::monostate, std::shared_ptr<const PlainHttpPlan>, std::shared_ptr<const HttpPlan>,
               std::shared_ptr<const ExecPlan>>
      plan_;
};

}  // namespace tandem::checks
