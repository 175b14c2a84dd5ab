// The metrics endpoint; see metrics_server.hpp.
#include "director/daemon/metrics_server.hpp"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>


namespace tandem::director {

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr auto kDeadline = std::chrono::seconds(5);

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, MetricsServer::BodySource source)
      : stream_(std::move(socket)), source_(std::move(source)) {
    parser_.header_limit(8 * 1024);
    parser_.body_limit(1024);
  }

  void start() {
    stream_.expires_after(kDeadline);
    auto self = shared_from_this();
    http::async_read(stream_, buffer_, parser_, [self](const beast::error_code& ec, std::size_t) { self->on_read(ec); });
  }

 private:
  void on_read(const beast::error_code& ec) {
    if (ec) {
      // A malformed or oversized request gets a 400; a closed or timed-out
      // connection gets nothing.
      if (ec.category() == http::make_error_code(http::error::bad_target).category() && ec != http::error::end_of_stream)
        respond(http::status::bad_request, "bad request\n", "text/plain");
      return;
    }
    const auto& req = parser_.get();
    if (req.target() != "/metrics" && req.target() != "/") {
      respond(http::status::not_found, "not found: try /metrics\n", "text/plain");
    } else if (req.method() != http::verb::get && req.method() != http::verb::head) {
      respond(http::status::method_not_allowed, "use GET\n", "text/plain");
    } else {
      const bool head = req.method() == http::verb::head;
      auto self = shared_from_this();
      source_([self, head](std::string body) {
        self->respond(http::status::ok, std::move(body), "text/plain; version=0.0.4; charset=utf-8", head);
      });
    }
  }

  void respond(http::status status, std::string body, const char* type, bool head = false) {
    response_.result(status);
    response_.version(11);
    response_.set(http::field::server, "tandem");
    response_.set(http::field::content_type, type);
    response_.set(http::field::connection, "close");
    response_.body() = std::move(body);
    response_.prepare_payload();
    if (head) response_.body().clear();
    stream_.expires_after(kDeadline);
    auto self = shared_from_this();
    http::async_write(stream_, response_, [self](const beast::error_code&, std::size_t) {
      beast::error_code ignored;
      self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
      self->stream_.close();
    });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_{8 * 1024};
  http::request_parser<http::string_body> parser_;
  http::response<http::string_body> response_;
  MetricsServer::BodySource source_;
};

}  // namespace

MetricsServer::MetricsServer(asio::io_context& io, BodySource source)
    : io_(io), source_(std::move(source)), acceptor_(io) {}

MetricsServer::~MetricsServer() { stop(); }

std::error_code MetricsServer::listen(const Endpoint& at) {
  boost::system::error_code ec;
  const auto addr = asio::ip::make_address(at.address.to_string(), ec);
  if (ec) return std::make_error_code(std::errc::invalid_argument);
  const tcp::endpoint ep(addr, at.port);
  acceptor_.open(ep.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(ep, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return std::error_code(ec.value(), std::system_category());
  accept();
  return {};
}

std::uint16_t MetricsServer::port() const {
  boost::system::error_code ec;
  return acceptor_.local_endpoint(ec).port();
}

void MetricsServer::accept() {
  acceptor_.async_accept([this](const boost::system::error_code& ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (!ec) std::make_shared<Session>(std::move(socket), source_)->start();
    accept();
  });
}

void MetricsServer::stop() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
}

}  // namespace tandem::director
