// ProbeRecipe: which probe class serves which check kind; see probe_factory.hpp.
#include "checks/probes/probe_factory.hpp"

#include "checks/probes/exec_probe.hpp"
#include "checks/probes/http_probe.hpp"
#include "checks/probes/plain_http_probe.hpp"
#include "checks/probes/tcp_probe.hpp"

namespace tandem::checks {

Result<ProbeRecipe> ProbeRecipe::make(const std::shared_ptr<const CheckDefinition>& d, const Endpoint& real) {
  ProbeRecipe recipe;
  switch (d->kind) {
    case CheckKind::tcp:
      return recipe;
    case CheckKind::http:
    case CheckKind::https: {
      if (PlainHttpPlan::serves(*d)) {
        auto plain = PlainHttpPlan::make(d, real);
        if (!plain) return plain.error();
        recipe.plan_ = std::move(plain).value();
        return recipe;
      }
      auto plan = HttpPlan::make(d, real);
      if (!plan) return plan.error();
      recipe.plan_ = std::move(plan).value();
      return recipe;
    }
    case CheckKind::exec: {
      auto plan = ExecPlan::make(*d, real);
      if (!plan) return plan.error();
      recipe.plan_ = std::move(plan).value();
      return recipe;
    }
  }
  return make_error_code(errc::unsupported_kind);
}

std::shared_ptr<Probe> ProbeRecipe::make_probe(asio::io_context& io, CurlMulti& multi,
                                               const std::shared_ptr<const CheckDefinition>& d,
                                               const Endpoint& real) const {
  if (const auto* plain = std::get_if<std::shared_ptr<const PlainHttpPlan>>(&plan_))
    return std::make_shared<PlainHttpProbe>(io, *plain);
  if (const auto* http = std::get_if<std::shared_ptr<const HttpPlan>>(&plan_))
    return std::make_shared<HttpProbe>(io, multi, *http);
  if (const auto* exec = std::get_if<std::shared_ptr<const ExecPlan>>(&plan_))
    return std::make_shared<ExecProbe>(io, *exec);
  return std::make_shared<TcpProbe>(io, d, probe_target(*d, real));
}

}  // namespace tandem::checks
