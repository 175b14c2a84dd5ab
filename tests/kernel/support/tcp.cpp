// Implementation of tcp.hpp with plain POSIX sockets and poll.
#include "tests/kernel/support/tcp.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace tandem::kernel_test {
namespace {

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error(what + ": " + std::strerror(errno));
}

sockaddr_in ipv4(const std::string& address, std::uint16_t port) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  if (inet_pton(AF_INET, address.c_str(), &sa.sin_addr) != 1) {
    throw std::runtime_error("not an IPv4 address: " + address);
  }
  return sa;
}

std::error_code last_error() { return {errno, std::system_category()}; }

int remaining_ms(std::chrono::steady_clock::time_point deadline) {
  const auto left =
      std::chrono::duration_cast<Millis>(deadline - std::chrono::steady_clock::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}

}  // namespace

InNetns::InNetns(const std::string& name) {
  original_fd_ = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (original_fd_ < 0) {
    fail("open /proc/thread-self/ns/net");
  }
  const std::string path = "/run/netns/" + name;
  const int target = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (target < 0 || setns(target, CLONE_NEWNET) != 0) {
    const int saved = errno;
    if (target >= 0) {
      close(target);
    }
    close(original_fd_);
    errno = saved;
    fail("entering network namespace " + name);
  }
  close(target);
}

InNetns::~InNetns() {
  // Staying in the wrong namespace would silently corrupt every later step.
  if (setns(original_fd_, CLONE_NEWNET) != 0) {
    std::perror("InNetns: setns back");
    std::abort();
  }
  close(original_fd_);
}

std::optional<TcpConnection> TcpConnection::connect(const std::string& address,
                                                    std::uint16_t port, Millis timeout,
                                                    std::error_code& error) {
  const auto sa = ipv4(address, port);
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    error = last_error();
    return std::nullopt;
  }
  TcpConnection connection(fd);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) != 0) {
    if (errno != EINPROGRESS) {
      error = last_error();
      return std::nullopt;
    }
    pollfd pfd{fd, POLLOUT, 0};
    const int ready = poll(&pfd, 1, static_cast<int>(timeout.count()));
    if (ready == 0) {
      error = std::make_error_code(std::errc::timed_out);
      return std::nullopt;
    }
    int so_error = 0;
    socklen_t len = sizeof so_error;
    if (ready < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len) != 0) {
      error = last_error();
      return std::nullopt;
    }
    if (so_error != 0) {
      error = std::error_code(so_error, std::system_category());
      return std::nullopt;
    }
  }
  error.clear();
  return connection;
}

TcpConnection::TcpConnection(TcpConnection&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }

TcpConnection& TcpConnection::operator=(TcpConnection&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) {
      close(fd_);
    }
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

TcpConnection::~TcpConnection() {
  if (fd_ >= 0) {
    close(fd_);
  }
}

std::string TcpConnection::exchange(const std::string& message, std::size_t expected_size,
                                    Millis timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::size_t sent = 0;
  while (sent < message.size()) {
    pollfd pfd{fd_, POLLOUT, 0};
    if (poll(&pfd, 1, remaining_ms(deadline)) <= 0) {
      return {};
    }
    const ssize_t n = send(fd_, message.data() + sent, message.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN && errno != EINTR) {
      return {};
    }
    sent += n > 0 ? static_cast<std::size_t>(n) : 0;
  }
  std::string reply;
  char buffer[1024];
  while (reply.size() < expected_size) {
    pollfd pfd{fd_, POLLIN, 0};
    if (poll(&pfd, 1, remaining_ms(deadline)) <= 0) {
      break;
    }
    const ssize_t n = recv(fd_, buffer, sizeof buffer, 0);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
      break;
    }
    if (n > 0) {
      reply.append(buffer, static_cast<std::size_t>(n));
    }
  }
  return reply;
}

EchoServer::EchoServer(const std::string& netns, const std::string& address, std::uint16_t port,
                       std::string tag)
    : tag_(std::move(tag)) {
  {
    InNetns inside(netns);
    listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  }
  if (listen_fd_ < 0) {
    fail("listener socket in " + netns);
  }
  const int one = 1;
  setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  const auto sa = ipv4(address, port);
  if (bind(listen_fd_, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) != 0 ||
      listen(listen_fd_, 16) != 0 || pipe2(stop_pipe_, O_CLOEXEC) != 0) {
    const int saved = errno;
    close(listen_fd_);
    errno = saved;
    fail("listening on " + address + ":" + std::to_string(port) + " in " + netns);
  }
  thread_ = std::thread([this] { serve(); });
}

EchoServer::~EchoServer() {
  const char stop = 'x';
  (void)!write(stop_pipe_[1], &stop, 1);
  thread_.join();
  close(stop_pipe_[0]);
  close(stop_pipe_[1]);
  close(listen_fd_);
}

void EchoServer::serve() {
  std::vector<int> clients;
  char buffer[1024];
  for (;;) {
    std::vector<pollfd> fds{{stop_pipe_[0], POLLIN, 0}, {listen_fd_, POLLIN, 0}};
    for (const int fd : clients) {
      fds.push_back({fd, POLLIN, 0});
    }
    if (poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) {
      break;
    }
    if (fds[0].revents != 0) {
      break;
    }
    if ((fds[1].revents & POLLIN) != 0) {
      const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd >= 0) {
        clients.push_back(fd);
      }
    }
    for (std::size_t i = 2; i < fds.size(); ++i) {
      if (fds[i].revents == 0) {
        continue;
      }
      const ssize_t n = recv(fds[i].fd, buffer, sizeof buffer, 0);
      if (n <= 0) {
        close(fds[i].fd);
        std::erase(clients, fds[i].fd);
        continue;
      }
      const std::string reply = tag_ + ":" + std::string(buffer, static_cast<std::size_t>(n));
      // Replies are small: one blocking send per message is enough here.
      (void)!send(fds[i].fd, reply.data(), reply.size(), MSG_NOSIGNAL);
    }
  }
  for (const int fd : clients) {
    close(fd);
  }
}

}  // namespace tandem::kernel_test
