// ipvs::Client over libnl-genl-3. libnl opens the socket and resolves the
// family; requests are built by codec.cpp and sent as raw bytes with our own
// sequence numbers, and replies are read with recv() and walked with libnl's
// nlmsg helpers. Doing the reply loop here (rather than in nl_recvmsgs) keeps
// the kernel's errno intact (libnl would map it to an NLE_* code) and lets
// apply_all() pipeline: many requests in one sendmsg, only the last asking for
// an ACK. That is sound because the kernel handles every message of a
// datagram in order before sendmsg returns, and answers a failed request with
// an NLMSG_ERROR whether or not it asked for an ACK (netlink_rcv_skb).
#include "ipvs/netlink/client.hpp"

#include <linux/genetlink.h>
#include <linux/ip_vs.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cerrno>
#include <cstring>
#include <functional>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/socket.h>

#include "ipvs/model/errc.hpp"
#include "ipvs/netlink/codec.hpp"
#include "ipvs/netlink/nl_error.hpp"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

namespace tandem::ipvs {
namespace {

constexpr std::size_t kReceiveBuffer = 64 * 1024;   // the kernel's dump skbs stay below 32 KiB
constexpr int kSocketBuffer = 4 * 1024 * 1024;      // room for a whole batch's error replies

std::error_code sys_error(int err) { return {err, std::system_category()}; }

std::size_t align4(std::size_t n) { return (n + 3) & ~std::size_t{3}; }

enum class Next { more, stop };

// Sets a socket timeout option; used for both SO_SNDTIMEO and SO_RCVTIMEO.
std::error_code set_timeout(int fd, int option, std::chrono::milliseconds t) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(t.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((t.count() % 1000) * 1000);
  if (setsockopt(fd, SOL_SOCKET, option, &tv, sizeof tv) != 0) return sys_error(errno);
  return {};
}

// Bigger buffers: SO_*BUFFORCE needs CAP_NET_ADMIN, which an IPVS client has
// anyway; without it the plain options give what net.core.*mem_max allows.
void enlarge_buffers(int fd) {
  const int size = kSocketBuffer;
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0) {
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  }
  if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size) != 0) {
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  }
  // Error replies without a copy of the request: smaller, so fewer are lost.
  const int on = 1;
  setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &on, sizeof on);
}

int error_of(const nlmsghdr* h) {
  if (h->nlmsg_len < NLMSG_HDRLEN + sizeof(nlmsgerr)) return EBADMSG;
  const auto* e = static_cast<const nlmsgerr*>(nlmsg_data(const_cast<nlmsghdr*>(h)));
  return -e->error;
}

}  // namespace

struct Client::Impl {
  nl_sock* sock = nullptr;
  int family = 0;
  Options options;
  std::uint32_t seq = 0;
  std::uint64_t writes = 0;
  std::vector<std::uint8_t> rx = std::vector<std::uint8_t>(kReceiveBuffer);

  ~Impl() {
    if (sock != nullptr) nl_socket_free(sock);
  }

  int fd() const { return nl_socket_get_fd(sock); }

  std::error_code send_bytes(const std::vector<std::uint8_t>& buf) {
    const int rc = nl_sendto(sock, const_cast<std::uint8_t*>(buf.data()), buf.size());
    if (rc >= 0) return {};
    if (rc == -NLE_AGAIN) return make_error_code(errc::netlink_timeout);
    return make_nl_error(rc);
  }

  // Reads datagrams and hands each message to `visit` until it says stop.
  std::error_code read_until(const std::function<Next(const nlmsghdr*)>& visit) {
    for (;;) {
      const ssize_t n = recv(fd(), rx.data(), rx.size(), MSG_TRUNC);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return make_error_code(errc::netlink_timeout);
        if (errno == ENOBUFS) return make_error_code(errc::replies_lost);
        return sys_error(errno);
      }
      if (static_cast<std::size_t>(n) > rx.size()) return make_error_code(errc::malformed_reply);
      int left = static_cast<int>(n);
      for (auto* h = reinterpret_cast<nlmsghdr*>(rx.data()); nlmsg_ok(h, left); h = nlmsg_next(h, &left)) {
        if (visit(h) == Next::stop) return {};
      }
    }
  }

  // Stamps a fresh sequence number (and extra flags) into an encoded request.
  std::vector<std::uint8_t> stamp(const codec::Msg& msg, std::uint16_t extra_flags) {
    std::vector<std::uint8_t> b = codec::bytes_of(*msg);
    auto* h = reinterpret_cast<nlmsghdr*>(b.data());
    h->nlmsg_seq = ++seq;
    h->nlmsg_flags = static_cast<std::uint16_t>(h->nlmsg_flags | extra_flags);
    return b;
  }

  // Sends a read request (dump or single GET) and hands every reply message of
  // the family to `on_item`. Returns the kernel's error, the first `on_item`
  // error, or a transport error.
  std::error_code request(Result<codec::Msg> msg, const std::function<std::error_code(const nlmsghdr*)>& on_item) {
    if (!msg) return msg.error();
    const auto bytes = stamp(msg.value(), 0);
    const std::uint32_t my_seq = seq;
    if (auto ec = send_bytes(bytes)) return ec;
    std::error_code result;
    auto ec = read_until([&](const nlmsghdr* h) {
      if (h->nlmsg_seq != my_seq) return Next::more;   // a late reply to an earlier request
      if (h->nlmsg_type == NLMSG_DONE) {
        if (h->nlmsg_len >= NLMSG_HDRLEN + sizeof(int)) {
          int err = 0;
          std::memcpy(&err, nlmsg_data(const_cast<nlmsghdr*>(h)), sizeof err);
          if (err < 0 && !result) result = sys_error(-err);
        }
        return Next::stop;
      }
      if (h->nlmsg_type == NLMSG_ERROR) {
        const int err = error_of(h);
        if (err != 0 && !result) result = sys_error(err);
        return Next::stop;
      }
      if (h->nlmsg_type == family) {
        auto item_ec = on_item(h);
        if (item_ec && !result) result = item_ec;
      }
      return (h->nlmsg_flags & NLM_F_MULTI) != 0 ? Next::more : Next::stop;
    });
    return ec ? ec : result;
  }

  // Sends one write request with NLM_F_ACK and waits for the ACK.
  std::error_code write(Result<codec::Msg> msg) {
    if (!msg) return msg.error();
    const auto bytes = stamp(msg.value(), NLM_F_ACK);
    const std::uint32_t my_seq = seq;
    if (auto ec = send_bytes(bytes)) return ec;
    ++writes;
    std::error_code result;
    auto ec = read_until([&](const nlmsghdr* h) {
      if (h->nlmsg_seq != my_seq || h->nlmsg_type != NLMSG_ERROR) return Next::more;
      const int err = error_of(h);
      if (err != 0) result = sys_error(err);
      return Next::stop;
    });
    return ec ? ec : result;
  }

  void apply_chunk(const std::vector<Op>& ops, std::size_t first, std::size_t count, ApplyReport& report);
};

void Client::Impl::apply_chunk(const std::vector<Op>& ops, std::size_t first, std::size_t count,
                               ApplyReport& report) {
  std::vector<std::uint8_t> batch;
  std::vector<std::error_code> outcome(count);
  std::vector<bool> known(count, false);
  const std::uint32_t first_seq = seq + 1;
  std::size_t encoded = 0;
  for (std::size_t i = 0; i < count; ++i) {
    auto msg = codec::encode(ops[first + i], family);
    if (!msg) {   // allocation failure: nothing of this chunk is sent
      for (std::size_t j = 0; j < count; ++j) {
        report.failures.push_back({first + j, msg.error(), describe_failure(ops[first + j], msg.error())});
      }
      return;
    }
    auto bytes = stamp(msg.value(), i + 1 == count ? NLM_F_ACK : 0);
    batch.resize(align4(batch.size()));
    batch.insert(batch.end(), bytes.begin(), bytes.end());
    ++encoded;
  }
  const std::uint32_t last_seq = seq;
  std::error_code transport = send_bytes(batch);
  if (!transport) {
    writes += encoded;
    report.sent += encoded;
    transport = read_until([&](const nlmsghdr* h) {
      if (h->nlmsg_type != NLMSG_ERROR || h->nlmsg_seq < first_seq || h->nlmsg_seq > last_seq) {
        return Next::more;
      }
      const std::size_t i = h->nlmsg_seq - first_seq;
      const int err = error_of(h);
      if (err != 0) outcome[i] = sys_error(err);
      known[i] = true;
      return h->nlmsg_seq == last_seq ? Next::stop : Next::more;
    });
  }
  for (std::size_t i = 0; i < count; ++i) {
    // Without a final ACK, an operation with no error reply has an unknown outcome.
    const std::error_code ec = outcome[i] ? outcome[i] : (transport && !known[i] ? transport : std::error_code{});
    if (ec) report.failures.push_back({first + i, ec, describe_failure(ops[first + i], ec)});
  }
}

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;
Client::~Client() = default;

Result<Client> Client::open(Options options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->sock = nl_socket_alloc();
  if (impl->sock == nullptr) return make_nl_error(NLE_NOMEM);
  if (const int rc = genl_connect(impl->sock); rc < 0) return make_nl_error(rc);
  if (auto ec = set_timeout(impl->fd(), SO_SNDTIMEO, options.timeout)) return ec;
  if (auto ec = set_timeout(impl->fd(), SO_RCVTIMEO, options.timeout)) return ec;
  enlarge_buffers(impl->fd());
  const int family = genl_ctrl_resolve(impl->sock, IPVS_GENL_NAME);
  if (family == -NLE_OBJ_NOTFOUND) return make_error_code(errc::ipvs_not_available);
  if (family < 0) return make_nl_error(family);
  impl->family = family;
  impl->seq = nl_socket_use_seq(impl->sock);
  return Client(std::move(impl));
}

Result<Info> Client::info() {
  Info out;
  auto ec = impl_->request(codec::encode_get_info(impl_->family), [&](const nlmsghdr* h) {
    auto i = codec::decode_info(h);
    if (!i) return i.error();
    out = i.value();
    return std::error_code{};
  });
  if (ec) return ec;
  return out;
}

Result<Table> Client::dump() { return dump(DumpOptions{}); }

Result<Table> Client::dump(DumpOptions options) {
  Table table;
  const bool stats = options.stats;
  auto ec = impl_->request(codec::encode_get_services(impl_->family), [&](const nlmsghdr* h) {
    auto s = codec::decode_service(h, stats);
    if (!s) return s.error();
    table.put(s.value());
    return std::error_code{};
  });
  if (ec) return ec;
  for (auto it = table.services.begin(); it != table.services.end();) {
    const Family family = it->first.family();
    Service& into = it->second;
    ec = impl_->request(codec::encode_get_destinations(impl_->family, it->first), [&](const nlmsghdr* h) {
      auto d = codec::decode_destination(h, family, stats);
      if (!d) return d.error();
      into.put(d.value());
      return std::error_code{};
    });
    // A service deleted between the two dumps is simply gone.
    if (ec == std::error_code(ESRCH, std::system_category())) {
      it = table.services.erase(it);
      continue;
    }
    if (ec) return ec;
    ++it;
  }
  return table;
}

std::error_code Client::apply(const Op& op) { return impl_->write(codec::encode(op, impl_->family)); }

ApplyReport Client::apply_all(const std::vector<Op>& ops) {
  ApplyReport report;
  const std::size_t batch = impl_->options.batch_size == 0 ? 1 : impl_->options.batch_size;
  for (std::size_t first = 0; first < ops.size(); first += batch) {
    impl_->apply_chunk(ops, first, std::min(batch, ops.size() - first), report);
  }
  return report;
}

std::error_code Client::start_sync_daemon(const SyncDaemon& d) {
  return impl_->write(codec::encode_new_daemon(impl_->family, d));
}

std::error_code Client::stop_sync_daemon(SyncDaemon::Role role) {
  return impl_->write(codec::encode_del_daemon(impl_->family, role));
}

Result<std::vector<SyncDaemon>> Client::sync_daemons() {
  std::vector<SyncDaemon> out;
  auto ec = impl_->request(codec::encode_get_daemons(impl_->family), [&](const nlmsghdr* h) {
    auto d = codec::decode_daemon(h);
    if (!d) return d.error();
    out.push_back(d.value());
    return std::error_code{};
  });
  if (ec) return ec;
  return out;
}

Result<Timeouts> Client::timeouts() {
  Timeouts out;
  auto ec = impl_->request(codec::encode_get_config(impl_->family), [&](const nlmsghdr* h) {
    auto t = codec::decode_timeouts(h);
    if (!t) return t.error();
    out = t.value();
    return std::error_code{};
  });
  if (ec) return ec;
  return out;
}

std::error_code Client::set_timeouts(const Timeouts& t) {
  return impl_->write(codec::encode_set_config(impl_->family, t));
}

std::uint64_t Client::writes_sent() const noexcept { return impl_->writes; }

Result<ReconcileOutcome> reconcile_once(Client& client, const Table& desired, const OwnedSet& owned) {
  auto actual = client.dump(Client::DumpOptions{.stats = false});
  if (!actual) return actual.error();
  ReconcileOutcome out;
  out.ops = plan(actual.value(), desired, owned);
  out.report = client.apply_all(out.ops);
  return out;
}

}  // namespace tandem::ipvs
