// NetlinkMonitor: a raw NETLINK_ROUTE socket parsed with the kernel's own
// macros (NLMSG_*, IFA_RTA, RTA_*), so ENOBUFS and message boundaries are
// handled here rather than inside a library's callback chain.
#include "vrrp/io/netlink_monitor.hpp"

#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <poll.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <unordered_map>
#include <vector>

#include "vrrp/io/errc.hpp"
#include "vrrp/io/socket_util.hpp"

namespace tandem::vrrp::io {

using NetlinkSocket = asio::generic::raw_protocol::socket;

struct NetlinkMonitor::State {
  State(asio::io_context& io, Callbacks cbs) : socket(io), callbacks(std::move(cbs)) {}
  NetlinkSocket socket;
  Callbacks callbacks;
  enum class Link : std::uint8_t { down, up, unknown };
  // ifindex -> up-ness as last seen; a link not in the table (created after
  // the initial dump) counts as down; unknown after an overrun.
  std::unordered_map<int, Link> links;
  bool reporting = false;               // false while the initial dump seeds `links`
  bool reading = false;
  std::uint32_t dump_seq = 1;
  bool dump_done = false;
  std::vector<std::uint8_t> buffer = std::vector<std::uint8_t>(32 * 1024);
};

namespace {

constexpr int kDatagramsPerWake = 64;  // then yield to the loop's other work

// NLMSG_DATA without the macro's C cast.
template <class T>
const T* payload(const nlmsghdr* h) {
  return reinterpret_cast<const T*>(reinterpret_cast<const std::uint8_t*>(h) + NLMSG_HDRLEN);
}

bool stopped(const NetlinkMonitor::State& s) { return !s.socket.is_open(); }

void overrun(NetlinkMonitor::State& s) {
  for (auto& [index, link] : s.links) {
    link = NetlinkMonitor::State::Link::unknown;  // the next notification is reported
  }
  if (s.callbacks.on_overrun) {
    s.callbacks.on_overrun();
  }
}

void handle_link(NetlinkMonitor::State& s, const nlmsghdr* h) {
  if (h->nlmsg_len < NLMSG_LENGTH(sizeof(ifinfomsg))) {
    return;
  }
  const auto* ifi = payload<ifinfomsg>(h);
  const int index = ifi->ifi_index;
  using Link = NetlinkMonitor::State::Link;
  const auto it = s.links.find(index);
  const Link before = it == s.links.end() ? Link::down : it->second;
  if (h->nlmsg_type == RTM_DELLINK) {
    s.links.erase(index);
    if (s.reporting && before != Link::down && s.callbacks.on_link) {
      s.callbacks.on_link(index, false);
    }
    return;
  }
  const bool up = (ifi->ifi_flags & IFF_UP) != 0 && (ifi->ifi_flags & IFF_RUNNING) != 0;
  const Link now = up ? Link::up : Link::down;
  s.links[index] = now;
  if (s.reporting && before != now && s.callbacks.on_link) {
    s.callbacks.on_link(index, up);
  }
}

void handle_address(NetlinkMonitor::State& s, const nlmsghdr* h) {
  if (h->nlmsg_len < NLMSG_LENGTH(sizeof(ifaddrmsg))) {
    return;
  }
  const auto* ifa = payload<ifaddrmsg>(h);
  if (ifa->ifa_family != AF_INET) {
    return;
  }
  // IPv4: IFA_LOCAL is the interface's own address; IFA_ADDRESS is the peer
  // on point-to-point links and equal to IFA_LOCAL otherwise.
  std::optional<IpAddress> local;
  std::optional<IpAddress> address;
  int remaining = static_cast<int>(IFA_PAYLOAD(h));
  for (const rtattr* a = IFA_RTA(ifa); RTA_OK(a, remaining); a = RTA_NEXT(a, remaining)) {
    if ((a->rta_type != IFA_LOCAL && a->rta_type != IFA_ADDRESS) || RTA_PAYLOAD(a) != 4) {
      continue;
    }
    std::array<std::uint8_t, 4> bytes{};
    std::memcpy(bytes.data(), RTA_DATA(a), bytes.size());
    (a->rta_type == IFA_LOCAL ? local : address) = IpAddress::v4(bytes);
  }
  if (!local) {
    local = address;
  }
  if (!local || !s.reporting) {
    return;
  }
  const Prefix prefix{*local, ifa->ifa_prefixlen};
  const int index = static_cast<int>(ifa->ifa_index);
  const auto& callback = h->nlmsg_type == RTM_NEWADDR ? s.callbacks.on_address_added
                                                      : s.callbacks.on_address_removed;
  if (callback) {
    callback(index, prefix);
  }
}

// Parses one datagram; stops early when a callback stopped the monitor.
void handle_datagram(NetlinkMonitor::State& s, std::size_t length) {
  auto remaining = static_cast<unsigned>(length);
  for (auto* h = reinterpret_cast<const nlmsghdr*>(s.buffer.data());
       NLMSG_OK(h, remaining) && !stopped(s); h = NLMSG_NEXT(h, remaining)) {
    switch (h->nlmsg_type) {
      case RTM_NEWLINK:
      case RTM_DELLINK: handle_link(s, h); break;
      case RTM_NEWADDR:
      case RTM_DELADDR: handle_address(s, h); break;
      case NLMSG_DONE:
      case NLMSG_ERROR:
        if (h->nlmsg_seq == s.dump_seq) {
          s.dump_done = true;
        }
        break;
      default: break;
    }
  }
}

// Reads one datagram without blocking. Returns false when nothing is left
// (EAGAIN) or the socket failed; ENOBUFS and truncation count as overrun.
bool read_one(NetlinkMonitor::State& s) {
  sockaddr_nl from{};
  socklen_t from_len = sizeof from;
  const ssize_t n = recvfrom(s.socket.native_handle(), s.buffer.data(), s.buffer.size(),
                             MSG_DONTWAIT | MSG_TRUNC, reinterpret_cast<sockaddr*>(&from),
                             &from_len);
  if (n < 0) {
    if (errno == ENOBUFS) {
      overrun(s);
      return true;
    }
    return errno == EINTR;
  }
  if (static_cast<std::size_t>(n) > s.buffer.size()) {
    overrun(s);
    return true;
  }
  if (from.nl_pid == 0) {
    handle_datagram(s, static_cast<std::size_t>(n));
  }
  return true;
}

void arm(std::shared_ptr<NetlinkMonitor::State> state) {
  auto* s = state.get();
  s->socket.async_wait(NetlinkSocket::wait_read,
                       [state = std::move(state)](boost::system::error_code ec) mutable {
                         if (ec || stopped(*state)) {
                           state->reading = false;
                           return;
                         }
                         for (int i = 0; i < kDatagramsPerWake && !stopped(*state); ++i) {
                           if (!read_one(*state)) {
                             break;
                           }
                         }
                         if (stopped(*state)) {
                           state->reading = false;
                           return;
                         }
                         arm(std::move(state));
                       });
}

std::error_code request_link_dump(int fd, std::uint32_t seq) {
  struct {
    nlmsghdr header;
    ifinfomsg body;
  } request{};
  request.header.nlmsg_len = NLMSG_LENGTH(sizeof(ifinfomsg));
  request.header.nlmsg_type = RTM_GETLINK;
  request.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  request.header.nlmsg_seq = seq;
  request.body.ifi_family = AF_UNSPEC;
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (sendto(fd, &request, request.header.nlmsg_len, 0, reinterpret_cast<sockaddr*>(&kernel),
             sizeof kernel) < 0) {
    return last_error();
  }
  return {};
}

// Blocks (bounded by `timeout`) until the link dump is complete; notifications
// arriving meanwhile only update the link table.
std::error_code seed_links(NetlinkMonitor::State& s, std::chrono::milliseconds timeout) {
  const int fd = s.socket.native_handle();
  if (auto ec = request_link_dump(fd, s.dump_seq)) {
    return ec;
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!s.dump_done) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      return errc::netlink_timeout;
    }
    pollfd p{fd, POLLIN, 0};
    const int rc = poll(&p, 1, static_cast<int>(left.count()));
    if (rc < 0 && errno != EINTR) {
      return last_error();
    }
    if (rc > 0) {
      while (!s.dump_done && read_one(s)) {
      }
    }
  }
  return {};
}

}  // namespace

NetlinkMonitor::NetlinkMonitor(std::shared_ptr<State> state) : state_(std::move(state)) {}
NetlinkMonitor::NetlinkMonitor(NetlinkMonitor&&) noexcept = default;
NetlinkMonitor& NetlinkMonitor::operator=(NetlinkMonitor&& other) noexcept {
  if (this != &other) {
    stop();
    state_ = std::move(other.state_);
  }
  return *this;
}
NetlinkMonitor::~NetlinkMonitor() { stop(); }

Result<NetlinkMonitor> NetlinkMonitor::open(asio::io_context& io, Callbacks callbacks,
                                            Options options) {
  UniqueFd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE));
  if (!fd) {
    return last_error();
  }
  if (options.receive_buffer_bytes > 0) {
    if (auto ec = set_int(fd.get(), SOL_SOCKET, SO_RCVBUF, options.receive_buffer_bytes)) {
      return ec;
    }
  }
  sockaddr_nl local{};
  local.nl_family = AF_NETLINK;  // nl_pid 0: the kernel assigns the port id
  if (bind(fd.get(), reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
    return last_error();
  }
  for (const int group : {RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR}) {
    if (auto ec = set_int(fd.get(), SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, group)) {
      return ec;
    }
  }
  auto state = std::make_shared<State>(io, std::move(callbacks));
  boost::system::error_code ec;
  state->socket.assign(asio::generic::raw_protocol(AF_NETLINK, NETLINK_ROUTE), fd.get(), ec);
  if (ec) {
    return from_asio(ec);
  }
  fd.release();
  if (auto seed_ec = seed_links(*state, options.initial_dump_timeout)) {
    return seed_ec;
  }
  state->reporting = true;
  return NetlinkMonitor(std::move(state));
}

void NetlinkMonitor::start() {
  if (!is_open() || state_->reading) {
    return;
  }
  state_->reading = true;
  arm(state_);
}

void NetlinkMonitor::stop() {
  if (state_ && state_->socket.is_open()) {
    boost::system::error_code ignored;
    state_->socket.close(ignored);
  }
}

bool NetlinkMonitor::is_open() const noexcept { return state_ && state_->socket.is_open(); }

std::optional<bool> NetlinkMonitor::link_up(int ifindex) const {
  if (!state_) {
    return std::nullopt;
  }
  const auto it = state_->links.find(ifindex);
  if (it == state_->links.end() || it->second == State::Link::unknown) {
    return std::nullopt;
  }
  return it->second == State::Link::up;
}

}  // namespace tandem::vrrp::io
