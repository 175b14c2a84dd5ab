// One place that knows which probe class serves which check kind.
#include "checks/probes/probe_factory.hpp"

#include "checks/probes/exec_probe.hpp"
#include "checks/probes/http_probe.hpp"
#include "checks/probes/tcp_probe.hpp"

namespace tandem::checks {

Result<ProbeMaker> make_probe_maker(asio::io_context& io, CurlMulti& multi,
                                   const std::shared_ptr<const CheckDefinition>& d, const Endpoint& real) {
  switch (d->kind) {
    case CheckKind::tcp: {
      const Endpoint target = probe_target(*d, real);
      return ProbeMaker([&io, d, target]() -> std::shared_ptr<Probe> {
        return std::make_shared<TcpProbe>(io, d, target);
      });
    }
    case CheckKind::http:
    case CheckKind::https: {
      auto plan = HttpPlan::make(d, real);
      if (!plan) return plan.error();
      return ProbeMaker([&io, &multi, plan = plan.value()]() -> std::shared_ptr<Probe> {
        return std::make_shared<HttpProbe>(io, multi, plan);
      });
    }
    case CheckKind::exec: {
      auto plan = ExecPlan::make(*d, real);
      if (!plan) return plan.error();
      return ProbeMaker([&io, plan = plan.value()]() -> std::shared_ptr<Probe> {
        return std::make_shared<ExecProbe>(io, plan);
      });
    }
  }
  return make_error_code(errc::unsupported_kind);
}

}  // namespace tandem::checks
