// The control socket; see control_server.hpp.
#include "director/daemon/control_server.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

namespace tandem::director {

namespace {

using stream = asio::local::stream_protocol;
constexpr auto kSessionDeadline = std::chrono::seconds(5);

// One connection: read a line, answer it, close.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(stream::socket socket, const ControlServer::Handler& handler)
      : socket_(std::move(socket)),
        deadline_(socket_.get_executor()),
        buffer_(control::kMaxRequestBytes + 1),
        handler_(handler) {}

  void start() {
    auto self = shared_from_this();
    deadline_.expires_after(kSessionDeadline);
    deadline_.async_wait([self](const boost::system::error_code& ec) {
      if (!ec) self->socket_.close();  // a client that stalls loses its connection
    });
    asio::async_read_until(socket_, buffer_, '\n', [self](const boost::system::error_code& ec, std::size_t n) {
      self->on_read(ec, n);
    });
  }

 private:
  void on_read(const boost::system::error_code& ec, std::size_t n) {
    if (ec == asio::error::not_found) {
      reply({false, "request too long"});
      return;
    }
    if (ec && !(ec == asio::error::eof && buffer_.size() > 0)) {
      deadline_.cancel();
      return;  // the client went away or timed out
    }
    std::string line(asio::buffers_begin(buffer_.data()), asio::buffers_begin(buffer_.data()) + (n ? n : buffer_.size()));
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    auto parsed = control::parse_request(line);
    if (auto* err = std::get_if<std::string>(&parsed)) {
      reply({false, *err});
      return;
    }
    // The request is in; the client now waits for the answer, which a reload
    // gives only once the file is read.
    deadline_.cancel();
    auto self = shared_from_this();
    try {
      handler_(std::get<control::Request>(parsed), [self](control::Reply r) { self->reply(r); });
    } catch (const std::exception& e) {
      // A handler bug must not take the daemon down with it.
      spdlog::error("control request failed: {}", e.what());
      reply({false, std::string("internal error: ") + e.what()});
    }
  }

  void reply(const control::Reply& r) {
    if (replied_) return;
    replied_ = true;
    auto self = shared_from_this();
    deadline_.expires_after(kSessionDeadline);  // a client that does not read loses its connection
    deadline_.async_wait([self](const boost::system::error_code& ec) {
      if (!ec) self->socket_.close();
    });
    out_ = control::encode_reply(r);
    asio::async_write(socket_, asio::buffer(out_), [self](const boost::system::error_code&, std::size_t) {
      self->deadline_.cancel();
      boost::system::error_code ignored;
      self->socket_.shutdown(stream::socket::shutdown_both, ignored);
      self->socket_.close(ignored);
    });
  }

  stream::socket socket_;
  asio::steady_timer deadline_;
  asio::streambuf buffer_;
  ControlServer::Handler handler_;
  std::string out_;
  bool replied_ = false;
};

}  // namespace

ControlServer::ControlServer(asio::io_context& io, Handler handler)
    : io_(io), handler_(std::move(handler)), acceptor_(io) {}

ControlServer::~ControlServer() { stop(); }

std::error_code ControlServer::listen(const std::string& path, mode_t mode, std::optional<gid_t> group) {
  boost::system::error_code ec;
  // Is someone already answering there? Then it is not ours to replace.
  {
    stream::socket probe(io_);
    probe.connect(stream::endpoint(path), ec);
    if (!ec) return std::make_error_code(std::errc::address_in_use);
  }
  ::unlink(path.c_str());
  // Create the socket with no permissions for others from the start (umask),
  // then set the exact mode: no window where another user could connect.
  const mode_t old_mask = ::umask(0177);
  acceptor_.open(stream(), ec);
  if (!ec) acceptor_.bind(stream::endpoint(path), ec);
  ::umask(old_mask);
  if (ec) return ec;
  if (::chmod(path.c_str(), mode) != 0) return {errno, std::system_category()};
  if (group && ::chown(path.c_str(), static_cast<uid_t>(-1), *group) != 0) return {errno, std::system_category()};
  acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return ec;
  path_ = path;
  accept();
  return {};
}

void ControlServer::accept() {
  acceptor_.async_accept([this](const boost::system::error_code& ec, stream::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (!ec) std::make_shared<Session>(std::move(socket), handler_)->start();
    accept();
  });
}

void ControlServer::stop() {
  if (!acceptor_.is_open()) return;
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  if (!path_.empty()) ::unlink(path_.c_str());
}

Result<control::Reply> send_control_request(const std::string& path, const control::Request& request,
                                            std::chrono::milliseconds timeout) {
  asio::io_context io;
  stream::socket socket(io);
  boost::system::error_code result;
  std::string in;
  const std::string out = control::encode_request(request);
  asio::steady_timer deadline(io);
  deadline.expires_after(timeout);
  deadline.async_wait([&](const boost::system::error_code& ec) {
    if (!ec) {
      result = asio::error::timed_out;
      socket.close();
    }
  });
  socket.async_connect(stream::endpoint(path), [&](const boost::system::error_code& ec) {
    if (ec) {
      if (!result) result = ec;
      deadline.cancel();
      return;
    }
    asio::async_write(socket, asio::buffer(out), [&](const boost::system::error_code& wec, std::size_t) {
      if (wec) {
        if (!result) result = wec;
        deadline.cancel();
        return;
      }
      asio::async_read_until(socket, asio::dynamic_buffer(in), '\n',
                             [&](const boost::system::error_code& rec, std::size_t) {
                               if (rec && !result) result = rec;
                               deadline.cancel();
                             });
    });
  });
  io.run();
  if (result == asio::error::eof) return std::make_error_code(std::errc::connection_aborted);
  if (result) return std::error_code(result.value(), std::system_category());
  auto reply = control::decode_reply(in);
  if (!reply) return std::make_error_code(std::errc::bad_message);
  return *reply;
}

}  // namespace tandem::director
