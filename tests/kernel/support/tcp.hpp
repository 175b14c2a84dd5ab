// Real TCP traffic between network namespaces, for kernel tests that send data
// through an IPVS virtual service.
//
// A socket belongs to the network namespace it was created in, whatever the
// thread does later. So the test thread enters a namespace (InNetns), creates
// the socket there, and comes back: a client connection in the "client"
// namespace and a listener in a "real server" namespace are then driven from
// the test thread, without helper processes. EchoServer serves its listener on
// its own thread and answers each message with "<tag>:<message>", so the
// client learns which real server IPVS chose.
//
// Every blocking step takes a timeout. Test support only: setup failures throw
// std::runtime_error; traffic failures are returned, since they are what tests
// assert on.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <system_error>
#include <thread>

namespace tandem::kernel_test {

using Millis = std::chrono::milliseconds;

// Moves the calling thread into the named namespace (`ip netns` name, i.e.
// /run/netns/NAME) for its lifetime, then back. Throws when setns fails.
class InNetns {
 public:
  explicit InNetns(const std::string& name);
  ~InNetns();
  InNetns(const InNetns&) = delete;
  InNetns& operator=(const InNetns&) = delete;

 private:
  int original_fd_ = -1;
};

// An owned, connected TCP socket.
class TcpConnection {
 public:
  // Connects from the calling thread's current namespace to address:port
  // (IPv4 dotted text) within `timeout`. Returns the socket or the error
  // (ECONNREFUSED, ETIMEDOUT, ...).
  static std::optional<TcpConnection> connect(const std::string& address, std::uint16_t port,
                                              Millis timeout, std::error_code& error);

  TcpConnection(TcpConnection&& other) noexcept;
  TcpConnection& operator=(TcpConnection&& other) noexcept;
  ~TcpConnection();

  // Sends `message` and reads until `expected_size` bytes arrived, the peer
  // closed, or `timeout` passed. Returns what was read (possibly short).
  std::string exchange(const std::string& message, std::size_t expected_size, Millis timeout);

 private:
  explicit TcpConnection(int fd) : fd_(fd) {}
  int fd_ = -1;
};

// Listens on address:port in the namespace `netns` and answers every chunk a
// client sends with "<tag>:<chunk>". Stops (closing every socket) on destruction.
class EchoServer {
 public:
  // Throws std::runtime_error when the listener cannot be set up.
  EchoServer(const std::string& netns, const std::string& address, std::uint16_t port,
             std::string tag);
  ~EchoServer();
  EchoServer(const EchoServer&) = delete;
  EchoServer& operator=(const EchoServer&) = delete;

 private:
  void serve();

  std::string tag_;
  int listen_fd_ = -1;
  int stop_pipe_[2] = {-1, -1};
  std::thread thread_;
};

}  // namespace tandem::kernel_test
