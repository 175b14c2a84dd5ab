// https probes against `openssl s_server` run as a separate process, with a
// CA, server and client certificates made at test time by the openssl CLI:
// verification on/off, CA file, SNI name, name mismatch, client certificate.
#include "checks/probes/http_probe.hpp"

#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <thread>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "tests/checks/support.hpp"

extern char** environ;

using namespace std::chrono_literals;
using namespace tandem;
using namespace tandem::checks;
using namespace tandem::checks::test;

namespace {

// CA -> server (DNS:backend.test) and client certificates, EC keys (fast).
void make_certs(const std::filesystem::path& dir) {
  const std::string script = fmt::format(R"((set -e
cd '{}'
k="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
openssl req -x509 $k -keyout ca.key -out ca.pem -days 2 -subj /CN=tandem-test-ca
openssl req $k -keyout server.key -out server.csr -subj /CN=backend.test
printf 'subjectAltName=DNS:backend.test\n' > server.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 -extfile server.ext
openssl req $k -keyout client.key -out client.csr -subj /CN=tandem-probe
openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out client.pem -days 2
) >/dev/null 2>&1)", dir.string());
  REQUIRE(std::system(script.c_str()) == 0);
}

// `openssl s_server -www` on 127.0.0.1:port; killed (by pid) and reaped on destruction.
class TlsServer {
 public:
  TlsServer(const std::filesystem::path& dir, bool require_client_cert) : port_(closed_port()) {
    std::vector<std::string> args = {"openssl", "s_server", "-quiet", "-www",
                                     "-accept", fmt::format("127.0.0.1:{}", port_),
                                     "-cert", (dir / "server.pem").string(),
                                     "-key", (dir / "server.key").string()};
    if (require_client_cert) {
      for (const char* a : {"-Verify", "1", "-CAfile"}) args.emplace_back(a);
      args.push_back((dir / "ca.pem").string());
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    const int rc = posix_spawnp(&pid_, "openssl", &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    REQUIRE(rc == 0);
    wait_listening();
  }
  ~TlsServer() {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  Endpoint endpoint() const { return {IpAddress::v4({127, 0, 0, 1}), port_}; }

 private:
  void wait_listening() {
    for (int i = 0; i < 100; ++i) {  // bounded: 5 s
      const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_port = htons(port_);
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      const bool up = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
      ::close(fd);
      if (up) return;
      std::this_thread::sleep_for(50ms);
    }
    FAIL("openssl s_server did not start listening");
  }
  std::uint16_t port_;
  pid_t pid_ = -1;
};

CheckDefinition https_check(const std::filesystem::path& dir) {
  CheckDefinition d;
  d.kind = CheckKind::https;
  d.timeout = 3000ms;
  d.sni = "backend.test";
  d.ca_file = (dir / "ca.pem").string();
  return d;
}

ProbeResult https(asio::io_context& io, CurlMulti& multi, const CheckDefinition& d, const Endpoint& real) {
  auto plan = HttpPlan::make(d, real);
  REQUIRE(plan);
  return run_probe(io, std::make_shared<HttpProbe>(io, multi, plan.value()));
}

}  // namespace

TEST_CASE("https: verification with a test CA, SNI and name checks", "[probe]") {
  TempDir dir;
  make_certs(dir.path());
  TlsServer server(dir.path(), false);
  asio::io_context io;
  CurlMulti multi(io);

  auto d = https_check(dir.path());
  auto r = https(io, multi, d, server.endpoint());
  CHECK(r.ok);
  CHECK(r.reason == "HTTP 200");

  SECTION("without the CA the certificate does not verify") {
    d.ca_file = (dir.path() / "client.pem").string();  // a PEM that is not the issuer
    r = https(io, multi, d, server.endpoint());
    CHECK_FALSE(r.ok);
    CHECK(r.reason == "TLS: certificate verify failed: unable to get local issuer certificate");
  }
  SECTION("a name the certificate does not carry fails") {
    d.sni = "other.test";
    r = https(io, multi, d, server.endpoint());
    CHECK_FALSE(r.ok);
    CHECK(r.reason ==
          "TLS: certificate verify failed (SSL: no alternative certificate subject name matches "
          "target host name 'other.test')");
  }
  SECTION("verification off accepts any certificate and name") {
    d.sni = "other.test";
    d.ca_file.clear();
    d.tls_verify = false;
    r = https(io, multi, d, server.endpoint());
    CHECK(r.ok);
  }
  SECTION("plain HTTP to a TLS port is not an HTTP response") {
    d.kind = CheckKind::http;
    r = https(io, multi, d, server.endpoint());
    CHECK_FALSE(r.ok);
  }
}

TEST_CASE("https: client certificate", "[probe]") {
  TempDir dir;
  make_certs(dir.path());
  TlsServer server(dir.path(), true);
  asio::io_context io;
  CurlMulti multi(io);
  auto d = https_check(dir.path());
  d.client_cert = (dir.path() / "client.pem").string();
  d.client_key = (dir.path() / "client.key").string();
  auto r = https(io, multi, d, server.endpoint());
  CHECK(r.ok);
  CHECK(r.reason == "HTTP 200");

  d.client_cert.clear();
  d.client_key.clear();
  r = https(io, multi, d, server.endpoint());
  CHECK_FALSE(r.ok);
  INFO(r.reason);
  CHECK((r.reason.rfind("TLS handshake failed: ", 0) == 0 || r.reason == "connection reset by peer" ||
         r.reason.rfind("HTTP I/O error: ", 0) == 0));
}
