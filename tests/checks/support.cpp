// Test listeners and process counters; see support.hpp.
#include <fcntl.h>
#include "tests/checks/support.hpp"

#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <optional>
#include <stdexcept>

namespace tandem::checks::test {

namespace sys = boost::system;
using asio::ip::tcp;

struct TestServer::State : std::enable_shared_from_this<TestServer::State> {
  State(asio::io_context& ctx, ServerOptions o) : io(ctx), opts(std::move(o)), acceptor(ctx) {}
  asio::io_context& io;
  ServerOptions opts;
  tcp::acceptor acceptor;
  std::size_t accepted = 0;
  std::vector<std::string> requests;
  std::vector<std::weak_ptr<tcp::socket>> sockets;  // closed when the server goes
  bool stopped = false;

  void accept() {
    auto self = shared_from_this();
    acceptor.async_accept([self](const sys::error_code& ec, tcp::socket s) {
      if (ec || self->stopped) return;
      ++self->accepted;
      auto sock = std::make_shared<tcp::socket>(std::move(s));
      self->sockets.push_back(sock);
      self->serve(sock);
      self->accept();
    });
  }

  void serve(const std::shared_ptr<tcp::socket>& sock) {
    switch (opts.behaviour) {
      case Behaviour::http_reply: return read_head(sock, std::make_shared<std::string>());
      case Behaviour::silent: return hold(sock);
      case Behaviour::drip: return drip(sock, 0);
      case Behaviour::endless_body: return endless(sock);
      case Behaviour::garbage:
        asio::async_write(*sock, asio::buffer(opts.reply), [sock](const sys::error_code&, std::size_t) {});
        return hold(sock);
      case Behaviour::reset_mid_reply: return reset_mid(sock);
      case Behaviour::close_at_once: {
        sys::error_code ignored;
        sock->close(ignored);
        return;
      }
    }
  }

  // Keeps the connection open by waiting for data that never matters.
  void hold(const std::shared_ptr<tcp::socket>& sock) {
    auto buf = std::make_shared<std::array<char, 4096>>();
    sock->async_read_some(asio::buffer(*buf), [this, self = shared_from_this(), sock, buf](
                                                   const sys::error_code& ec, std::size_t) {
      if (!ec && !stopped) hold(sock);
    });
  }

  void read_head(const std::shared_ptr<tcp::socket>& sock, const std::shared_ptr<std::string>& head) {
    asio::async_read_until(*sock, asio::dynamic_buffer(*head), "\r\n\r\n",
                           [this, self = shared_from_this(), sock, head](const sys::error_code& ec, std::size_t) {
                             if (ec || stopped) return;
                             requests.push_back(*head);
                             asio::async_write(*sock, asio::buffer(opts.reply),
                                               [sock](const sys::error_code&, std::size_t) {
                                                 sys::error_code ignored;
                                                 sock->shutdown(tcp::socket::shutdown_send, ignored);
                                               });
                             hold(sock);
                           });
  }

  void drip(const std::shared_ptr<tcp::socket>& sock, std::size_t at) {
    if (at >= opts.reply.size() || stopped) return hold(sock);
    asio::async_write(*sock, asio::buffer(opts.reply.data() + at, 1),
                      [this, self = shared_from_this(), sock, at](const sys::error_code& ec, std::size_t) {
                        if (ec || stopped) return;
                        auto t = std::make_shared<asio::steady_timer>(io, opts.drip_period);
                        t->async_wait([this, self, sock, at, t](const sys::error_code& e) {
                          if (!e && sock->is_open()) drip(sock, at + 1);
                        });
                      });
  }

  void endless(const std::shared_ptr<tcp::socket>& sock) {
    static const std::string head = "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n";
    auto chunk = std::make_shared<std::string>(16384, 'x');
    asio::async_write(*sock, asio::buffer(head), [this, self = shared_from_this(), sock, chunk](
                                                     const sys::error_code& ec, std::size_t) {
      if (!ec) endless_more(sock, chunk, 0);
    });
  }

  void endless_more(const std::shared_ptr<tcp::socket>& sock, const std::shared_ptr<std::string>& chunk,
                    std::size_t sent) {
    // Bounded: stop after 64 MiB even if the client keeps reading.
    if (stopped || sent > (64u << 20)) return;
    asio::async_write(*sock, asio::buffer(*chunk), [this, self = shared_from_this(), sock, chunk, sent](
                                                       const sys::error_code& ec, std::size_t n) {
      if (!ec) endless_more(sock, chunk, sent + n);
    });
  }

  void reset_mid(const std::shared_ptr<tcp::socket>& sock) {
    auto head = std::make_shared<std::string>();
    asio::async_read_until(*sock, asio::dynamic_buffer(*head), "\r\n\r\n",
                           [this, self = shared_from_this(), sock, head](const sys::error_code& ec, std::size_t) {
                             if (ec || stopped) return;
                             const std::size_t half = opts.reply.size() / 2;
                             asio::async_write(*sock, asio::buffer(opts.reply.data(), half),
                                               [this, self, sock](const sys::error_code& e, std::size_t) {
                                                 if (e) return;
                                                 // Give the client time to read the half, then RST.
                                                 auto t = std::make_shared<asio::steady_timer>(
                                                     io, std::chrono::milliseconds(50));
                                                 t->async_wait([sock, t](const sys::error_code&) {
                                                   sys::error_code ignored;
                                                   sock->set_option(asio::socket_base::linger(true, 0), ignored);
                                                   sock->close(ignored);
                                                 });
                                               });
                           });
  }
};

TestServer::TestServer(asio::io_context& io, ServerOptions options)
    : state_(std::make_shared<State>(io, std::move(options))) {
  const tcp::endpoint ep(asio::ip::make_address(state_->opts.address), 0);
  state_->acceptor.open(ep.protocol());
  state_->acceptor.set_option(asio::socket_base::reuse_address(true));
  state_->acceptor.bind(ep);
  state_->acceptor.listen(1024);
  state_->accept();
}

TestServer::~TestServer() {
  state_->stopped = true;
  sys::error_code ignored;
  state_->acceptor.close(ignored);
  for (auto& w : state_->sockets)
    if (auto s = w.lock()) s->close(ignored);
}

Endpoint TestServer::endpoint() const {
  const auto ep = state_->acceptor.local_endpoint();
  return Endpoint{*IpAddress::parse(ep.address().to_string()), ep.port()};
}

std::size_t TestServer::accepted() const { return state_->accepted; }
const std::vector<std::string>& TestServer::requests() const { return state_->requests; }

FullBacklogListener::FullBacklogListener() {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(listen_fd_, 0) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0)
    throw std::runtime_error("FullBacklogListener: cannot listen");
  endpoint_ = Endpoint{IpAddress::v4({127, 0, 0, 1}), ntohs(a.sin_port)};
  // Backlog 0 admits one connection to the accept queue; a few non-blocking
  // connects fill it, after which the kernel drops SYNs to this port.
  for (int i = 0; i < 4; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    fillers_.push_back(fd);
  }
  ::usleep(50000);  // let the fillers' handshakes land in the queue
}

void FullBacklogListener::make_room() {
  // The fillers still waiting retransmit their SYNs too: they go first.
  for (int fd : fillers_) ::close(fd);
  fillers_.clear();
  const int flags = ::fcntl(listen_fd_, F_GETFL);
  ::fcntl(listen_fd_, F_SETFL, flags | O_NONBLOCK);
  for (int fd; (fd = ::accept(listen_fd_, nullptr, nullptr)) >= 0;) ::close(fd);
  ::fcntl(listen_fd_, F_SETFL, flags);
}

FullBacklogListener::~FullBacklogListener() {
  for (int fd : fillers_) ::close(fd);
  ::close(listen_fd_);
}

ProbeResult run_probe(asio::io_context& io, Probe& probe) {
  std::optional<ProbeResult> result;
  probe.start([&](ProbeResult r) { result = std::move(r); });
  const auto limit = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  io.restart();
  while (!result && std::chrono::steady_clock::now() < limit) io.run_one_for(std::chrono::milliseconds(100));
  if (!result) throw std::runtime_error("probe did not complete within 20 s");
  return *result;
}

ProbeResult run_probe(asio::io_context& io, const std::shared_ptr<Probe>& probe) {
  return run_probe(io, *probe);
}

std::size_t open_fds() {
  std::size_t n = 0;
  if (DIR* d = ::opendir("/proc/self/fd")) {
    while (::readdir(d) != nullptr) ++n;
    ::closedir(d);
  }
  return n;
}

std::size_t child_processes() {
  const pid_t me = ::getpid();
  std::size_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator("/proc")) {
    const std::string name = e.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(e.path() / "stat");
    std::string line;
    if (!std::getline(stat, line)) continue;
    const auto close_paren = line.rfind(')');
    if (close_paren == std::string::npos) continue;
    char state = 0;
    long ppid = 0;
    if (std::sscanf(line.c_str() + close_paren + 1, " %c %ld", &state, &ppid) == 2 && ppid == me) ++n;
  }
  return n;
}

std::uint16_t closed_port() {
  asio::io_context io;
  tcp::acceptor a(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return a.local_endpoint().port();
}

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "tandem-checks-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
  std::filesystem::permissions(path_, std::filesystem::perms(0755));
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

}  // namespace tandem::checks::test
