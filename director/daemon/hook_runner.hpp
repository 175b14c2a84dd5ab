// HookRunner: runs operator hooks (on_quorum_lost / on_quorum_restored) as
// exec programs: argument vector, no shell, as director.check_user, killed
// with their process group at the hook's timeout. It reuses the exec probe,
// which already enforces all of that and refuses programs others can write.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "checks/probes/curl_multi.hpp"
#include "checks/probes/probe.hpp"
#include "common/asio.hpp"
#include "conf/config.hpp"

namespace tandem::director {

class HookRunner {
 public:
  HookRunner(asio::io_context& io, checks::CurlMulti& multi, std::string user);

  // Starts `hook` (if it has a command) and logs its outcome under `name`.
  // Never blocks; a hook that cannot start is logged, not thrown.
  void run(const std::string& name, const conf::Hook& hook);
  // Cancels running hooks (their process groups are killed).
  void stop();
  std::size_t running() const noexcept { return running_.size(); }

 private:
  asio::io_context& io_;
  checks::CurlMulti& multi_;
  std::string user_;
  std::uint64_t next_ = 0;
  std::map<std::uint64_t, std::shared_ptr<checks::Probe>> running_;
};

}  // namespace tandem::director
