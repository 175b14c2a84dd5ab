// make_probe_maker: turns one check definition of one real server into a
// function that builds a fresh probe per run, with everything that does not
// change between runs (URL, headers, compiled regex, exec user) prepared once.
#pragma once

#include <functional>
#include <memory>

#include "checks/core/check_definition.hpp"
#include "checks/core/errc.hpp"
#include "checks/probes/curl_multi.hpp"
#include "checks/probes/probe.hpp"
#include "common/asio.hpp"
#include "common/result.hpp"

namespace tandem::checks {

using ProbeMaker = std::function<std::shared_ptr<Probe>()>;

// Returns the errors of HttpPlan::make (http, https) and ExecPlan::make (exec).
// `io` and `multi` must outlive the maker and every probe it builds.
// The definition is shared by the maker and its probes, not copied.
Result<ProbeMaker> make_probe_maker(asio::io_context& io, CurlMulti& multi,
                                   const std::shared_ptr<const CheckDefinition>& d, const Endpoint& real);

}  // namespace tandem::checks
