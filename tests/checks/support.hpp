// Test support for the checks probe tests: real Asio listeners on loopback
// with well-behaved and hostile behaviours, a helper that runs one probe to
// its verdict, and counters of open fds and child processes for leak tests.
// These are real servers, not doubles: the probes talk TCP to them.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "checks/probes/probe.hpp"
#include "common/asio.hpp"
#include "common/ip_address.hpp"

namespace tandem::checks::test {

// What a test listener does with each accepted connection.
enum class Behaviour {
  http_reply,      // read the request head, write `reply`, close
  silent,          // accept and never answer (the connection stays open)
  drip,            // write `reply` one byte per `drip_period`
  endless_body,    // 200 with a close-delimited body that never ends
  garbage,         // write `reply` (not HTTP) and keep the connection open
  reset_mid_reply, // write the first half of `reply`, then RST (SO_LINGER 0)
  close_at_once,   // accept and close immediately
};

struct ServerOptions {
  Behaviour behaviour = Behaviour::http_reply;
  std::string reply = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
  std::chrono::milliseconds drip_period{1000};
  std::string address = "127.0.0.1";
};

// A listener on address:0 serving `options` on `io` until destroyed.
class TestServer {
 public:
  TestServer(asio::io_context& io, ServerOptions options);
  ~TestServer();
  Endpoint endpoint() const;
  std::size_t accepted() const;
  // The request heads received (http_reply only), most recent last.
  const std::vector<std::string>& requests() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

// A listening socket with backlog 0 whose accept queue is full and never
// drained: the kernel drops further SYNs, so a connect to it hangs exactly
// as to a blackholed address.
class FullBacklogListener {
 public:
  FullBacklogListener();
  ~FullBacklogListener();
  Endpoint endpoint() const { return endpoint_; }
  // Accepts (and closes) what waits in the queue, so the next SYN
  // retransmission of a dropped client is answered: a slow handshake.
  void make_room();

 private:
  int listen_fd_ = -1;
  std::vector<int> fillers_;
  Endpoint endpoint_;
};

// Runs `io` until the probe's done callback fires (or a 20 s safety bound).
ProbeResult run_probe(asio::io_context& io, Probe& probe);
ProbeResult run_probe(asio::io_context& io, const std::shared_ptr<Probe>& probe);

// Open file descriptors of this process (/proc/self/fd entries).
std::size_t open_fds();
// Processes whose parent is this process (live or zombie).
std::size_t child_processes();
// A port on 127.0.0.1 where nothing listens (bound, then closed).
std::uint16_t closed_port();

// A fresh directory (mode 0755, so an unprivileged exec user can enter it),
// removed with its contents when destroyed.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace tandem::checks::test
