// MetricsServer: a minimal HTTP/1.1 endpoint (Boost.Beast) that serves
// GET /metrics in the Prometheus text format. One request per connection,
// bounded header size and a deadline, so a scraper (or anything else) that
// misbehaves cannot hold the loop or grow memory.
#pragma once

#include <functional>
#include <string>
#include <system_error>

#include "common/asio.hpp"
#include "common/ip_address.hpp"

namespace tandem::director {

class MetricsServer {
 public:
  // The exposition text is produced by `source`, which hands it to `Deliver`
  // on the loop, at once or later (the daemon renders off the loop).
  using Deliver = std::function<void(std::string body)>;
  using BodySource = std::function<void(Deliver)>;

  MetricsServer(asio::io_context& io, BodySource source);
  ~MetricsServer();

  std::error_code listen(const Endpoint& at);
  void stop();
  // The port actually bound (useful with port 0).
  std::uint16_t port() const;

 private:
  void accept();

  asio::io_context& io_;
  BodySource source_;
  asio::ip::tcp::acceptor acceptor_;
};

}  // namespace tandem::director
