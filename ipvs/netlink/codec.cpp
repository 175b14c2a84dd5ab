// IPVS generic-netlink encoding and decoding (see codec.hpp for the layout).
#include "ipvs/netlink/codec.hpp"

#include <arpa/inet.h>
#include <linux/ip_vs.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <string>

#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "ipvs/model/errc.hpp"
#include "ipvs/netlink/nl_error.hpp"

namespace tandem::ipvs::codec {
namespace {

// The model mirrors these kernel values by name; keep the mapping checked.
static_assert(IP_VS_CONN_F_MASQ == 0 && IP_VS_CONN_F_LOCALNODE == 1 && IP_VS_CONN_F_TUNNEL == 2 &&
              IP_VS_CONN_F_DROUTE == 3);

constexpr std::uint32_t kServiceFlagsWeSet = IP_VS_SVC_F_PERSISTENT | IP_VS_SVC_F_ONEPACKET |
                                             IP_VS_SVC_F_SCHED1 | IP_VS_SVC_F_SCHED2 |
                                             IP_VS_SVC_F_SCHED3;

// A libnl nla_put* return value turned into our error; 0 stays success.
class Builder {
 public:
  explicit Builder(nl_msg* m) : m_(m) {}
  void put(int rc) {
    if (rc_ == 0 && rc < 0) rc_ = rc;
  }
  nl_msg* msg() const { return m_; }
  int rc() const { return rc_; }

 private:
  nl_msg* m_;
  int rc_ = 0;
};

std::uint16_t af_of(Family f) { return f == Family::v4 ? AF_INET : AF_INET6; }

std::uint16_t proto_of(Protocol p) {
  switch (p) {
    case Protocol::tcp: return IPPROTO_TCP;
    case Protocol::udp: return IPPROTO_UDP;
    case Protocol::sctp: return IPPROTO_SCTP;
  }
  return 0;
}

std::uint32_t fwd_of(Forwarding f) {
  switch (f) {
    case Forwarding::masq: return IP_VS_CONN_F_MASQ;
    case Forwarding::local: return IP_VS_CONN_F_LOCALNODE;
    case Forwarding::tunnel: return IP_VS_CONN_F_TUNNEL;
    case Forwarding::route: return IP_VS_CONN_F_DROUTE;
  }
  return IP_VS_CONN_F_MASQ;
}

// The kernel's union nf_inet_addr: 16 bytes, an IPv4 address in the first 4.
std::array<std::uint8_t, 16> inet_addr_of(const IpAddress& a) {
  std::array<std::uint8_t, 16> out{};
  std::memcpy(out.data(), a.bytes().data(), a.size());
  return out;
}

// IPv4: the persistence mask in network order; IPv6: the prefix length.
std::uint32_t netmask_of(Family f, std::uint8_t prefix) {
  if (f == Family::v6) return prefix;
  const std::uint32_t mask = prefix == 0 ? 0 : (prefix >= 32 ? 0xffffffffu : ~(0xffffffffu >> prefix));
  return htonl(mask);
}

// Big enough for any request here (the largest, a destination request with
// its service, is 164 bytes); nlmsg_alloc() would zero a whole page per request.
constexpr std::size_t kRequestBytes = 512;

Result<Msg> new_request(int family, std::uint8_t cmd, int flags) {
  Msg m(nlmsg_alloc_size(kRequestBytes));
  if (!m) return make_nl_error(NLE_NOMEM);
  if (genlmsg_put(m.get(), NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, NLM_F_REQUEST | flags, cmd,
                  IPVS_GENL_VERSION) == nullptr) {
    return make_nl_error(NLE_NOMEM);
  }
  return m;
}

void put_service_id(Builder& b, const ServiceKey& k) {
  b.put(nla_put_u16(b.msg(), IPVS_SVC_ATTR_AF, af_of(k.family())));
  if (k.is_fwmark()) {
    b.put(nla_put_u32(b.msg(), IPVS_SVC_ATTR_FWMARK, k.fwmark()));
    return;
  }
  const auto addr = inet_addr_of(k.address());
  b.put(nla_put_u16(b.msg(), IPVS_SVC_ATTR_PROTOCOL, proto_of(k.protocol())));
  b.put(nla_put(b.msg(), IPVS_SVC_ATTR_ADDR, static_cast<int>(addr.size()), addr.data()));
  b.put(nla_put_u16(b.msg(), IPVS_SVC_ATTR_PORT, htons(k.port())));
}

void put_service_config(Builder& b, Family family, const ServiceConfig& c) {
  std::uint32_t flags = 0;
  if (c.persistent) flags |= IP_VS_SVC_F_PERSISTENT;
  if (c.one_packet) flags |= IP_VS_SVC_F_ONEPACKET;
  if (c.sched_flag1) flags |= IP_VS_SVC_F_SCHED1;
  if (c.sched_flag2) flags |= IP_VS_SVC_F_SCHED2;
  if (c.sched_flag3) flags |= IP_VS_SVC_F_SCHED3;
  const ip_vs_flags wire{flags, kServiceFlagsWeSet};
  b.put(nla_put_string(b.msg(), IPVS_SVC_ATTR_SCHED_NAME, c.scheduler.c_str()));
  if (!c.persistence_engine.empty()) {
    b.put(nla_put_string(b.msg(), IPVS_SVC_ATTR_PE_NAME, c.persistence_engine.c_str()));
  }
  b.put(nla_put(b.msg(), IPVS_SVC_ATTR_FLAGS, sizeof wire, &wire));
  b.put(nla_put_u32(b.msg(), IPVS_SVC_ATTR_TIMEOUT, c.persistence_timeout_s));
  b.put(nla_put_u32(b.msg(), IPVS_SVC_ATTR_NETMASK, netmask_of(family, c.netmask_prefix)));
}

// Opens a nested attribute with NLA_F_NESTED pinned (see codec.hpp).
nlattr* nest(Builder& b, int type) {
  nlattr* n = nla_nest_start(b.msg(), type | NLA_F_NESTED);
  if (n == nullptr) b.put(-NLE_NOMEM);
  return n;
}

void end_nest(Builder& b, nlattr* n) {
  if (n != nullptr) b.put(nla_nest_end(b.msg(), n));
}

void put_service(Builder& b, const ServiceKey& k, const ServiceConfig* config) {
  nlattr* n = nest(b, IPVS_CMD_ATTR_SERVICE);
  put_service_id(b, k);
  if (config != nullptr) put_service_config(b, k.family(), *config);
  end_nest(b, n);
}

void put_destination(Builder& b, const Endpoint& a, const DestinationConfig* c) {
  nlattr* n = nest(b, IPVS_CMD_ATTR_DEST);
  const auto addr = inet_addr_of(a.address);
  b.put(nla_put(b.msg(), IPVS_DEST_ATTR_ADDR, static_cast<int>(addr.size()), addr.data()));
  b.put(nla_put_u16(b.msg(), IPVS_DEST_ATTR_PORT, htons(a.port)));
  b.put(nla_put_u16(b.msg(), IPVS_DEST_ATTR_ADDR_FAMILY, af_of(a.address.family())));
  if (c != nullptr) {
    b.put(nla_put_u32(b.msg(), IPVS_DEST_ATTR_FWD_METHOD, fwd_of(c->forwarding)));
    b.put(nla_put_u32(b.msg(), IPVS_DEST_ATTR_WEIGHT, c->weight));
    b.put(nla_put_u32(b.msg(), IPVS_DEST_ATTR_U_THRESH, c->upper_threshold));
    b.put(nla_put_u32(b.msg(), IPVS_DEST_ATTR_L_THRESH, c->lower_threshold));
    b.put(nla_put_u8(b.msg(), IPVS_DEST_ATTR_TUN_TYPE, static_cast<std::uint8_t>(c->tunnel_type)));
    b.put(nla_put_u16(b.msg(), IPVS_DEST_ATTR_TUN_PORT, htons(c->tunnel_port)));
    b.put(nla_put_u16(b.msg(), IPVS_DEST_ATTR_TUN_FLAGS, c->tunnel_flags));
  }
  end_nest(b, n);
}

Result<Msg> finish(Msg m, const Builder& b) {
  if (b.rc() < 0) return make_nl_error(b.rc());
  return m;
}

struct Encode {
  int family;

  template <class Fill>
  Result<Msg> build(std::uint8_t cmd, Fill fill) const {
    auto m = new_request(family, cmd, 0);
    if (!m) return m.error();
    Builder b(m.value().get());
    fill(b);
    return finish(std::move(m).value(), b);
  }

  Result<Msg> operator()(const AddService& o) const {
    return build(IPVS_CMD_NEW_SERVICE, [&](Builder& b) { put_service(b, o.key, &o.config); });
  }
  Result<Msg> operator()(const EditService& o) const {
    return build(IPVS_CMD_SET_SERVICE, [&](Builder& b) { put_service(b, o.key, &o.config); });
  }
  Result<Msg> operator()(const DeleteService& o) const {
    return build(IPVS_CMD_DEL_SERVICE, [&](Builder& b) { put_service(b, o.key, nullptr); });
  }
  Result<Msg> operator()(const AddDestination& o) const {
    return build(IPVS_CMD_NEW_DEST, [&](Builder& b) {
      put_service(b, o.service, nullptr);
      put_destination(b, o.address, &o.config);
    });
  }
  Result<Msg> operator()(const EditDestination& o) const {
    return build(IPVS_CMD_SET_DEST, [&](Builder& b) {
      put_service(b, o.service, nullptr);
      put_destination(b, o.address, &o.config);
    });
  }
  Result<Msg> operator()(const DeleteDestination& o) const {
    return build(IPVS_CMD_DEL_DEST, [&](Builder& b) {
      put_service(b, o.service, nullptr);
      put_destination(b, o.address, nullptr);
    });
  }
};

// ---- decoding ----

std::error_code malformed() { return make_error_code(errc::malformed_reply); }
std::error_code unsupported() { return make_error_code(errc::unsupported_value); }

// Attribute readers that check the payload size instead of trusting it.
bool has(const nlattr* a, int size) { return a != nullptr && nla_len(a) >= size; }
std::uint8_t u8(const nlattr* a) { return nla_get_u8(const_cast<nlattr*>(a)); }
std::uint16_t u16(const nlattr* a) { return nla_get_u16(const_cast<nlattr*>(a)); }
std::uint32_t u32(const nlattr* a) { return nla_get_u32(const_cast<nlattr*>(a)); }
std::uint64_t u64(const nlattr* a) { return nla_get_u64(const_cast<nlattr*>(a)); }
// A counter that is 32-bit in IPVS_*_ATTR_STATS and 64-bit in STATS64.
std::uint64_t counter(const nlattr* a) {
  if (has(a, 8)) return u64(a);
  if (has(a, 4)) return u32(a);
  return 0;
}
std::string str(const nlattr* a) {
  const char* p = static_cast<const char*>(nla_data(a));
  return std::string(p, strnlen(p, static_cast<std::size_t>(nla_len(a))));
}

// Indexes the attributes in `len` bytes at `data` by type, like nla_parse()
// without a policy (a later duplicate wins, unknown types are ignored), but
// inline: decoding a dump calls it twice per destination, and libnl's
// out-of-line walk plus clearing was most of the decoding time. Fails on an
// attribute whose length runs past the buffer.
constexpr int kAttrHeader = 4;   // NLA_HDRLEN
int align4(int n) { return (n + 3) & ~3; }

template <std::size_t N>
bool index_attrs(std::array<const nlattr*, N>& tb, const std::uint8_t* data, int len) {
  tb.fill(nullptr);
  while (len >= kAttrHeader) {
    std::uint16_t attr_len = 0;
    std::uint16_t attr_type = 0;
    std::memcpy(&attr_len, data, 2);
    std::memcpy(&attr_type, data + 2, 2);
    if (attr_len < kAttrHeader || attr_len > len) return false;
    const std::size_t type = attr_type & NLA_TYPE_MASK;
    if (type < N) tb[type] = reinterpret_cast<const nlattr*>(data);
    const int step = std::min(align4(attr_len), len);
    data += step;
    len -= step;
  }
  return true;
}

template <std::size_t N>
bool parse_nested(std::array<const nlattr*, N>& tb, const nlattr* nested) {
  return index_attrs(tb, static_cast<const std::uint8_t*>(nla_data(nested)), nla_len(nested));
}

// The attributes after the generic-netlink header of a reply.
template <std::size_t N>
bool parse_top(std::array<const nlattr*, N>& tb, const nlmsghdr* reply) {
  constexpr std::uint32_t kHeaders = NLMSG_HDRLEN + GENL_HDRLEN;
  if (reply->nlmsg_len < kHeaders) return false;
  const auto* base = reinterpret_cast<const std::uint8_t*>(reply);
  return index_attrs(tb, base + kHeaders, static_cast<int>(reply->nlmsg_len - kHeaders));
}

Result<Family> family_of(std::uint16_t af) {
  if (af == AF_INET) return Family::v4;
  if (af == AF_INET6) return Family::v6;
  return unsupported();
}

Result<IpAddress> address_of(Family f, const nlattr* a) {
  const int size = f == Family::v4 ? 4 : 16;
  if (!has(a, size)) return malformed();
  const auto* p = static_cast<const std::uint8_t*>(nla_data(a));
  if (f == Family::v4) return IpAddress::v4({p[0], p[1], p[2], p[3]});
  std::array<std::uint8_t, 16> b{};
  std::memcpy(b.data(), p, 16);
  return IpAddress::v6(b);
}

Stats stats_of(const nlattr* nested) {
  std::array<const nlattr*, IPVS_STATS_ATTR_MAX + 1> tb{};
  Stats s;
  if (nested == nullptr || !parse_nested(tb, nested)) return s;
  s.connections = counter(tb[IPVS_STATS_ATTR_CONNS]);
  s.packets_in = counter(tb[IPVS_STATS_ATTR_INPKTS]);
  s.packets_out = counter(tb[IPVS_STATS_ATTR_OUTPKTS]);
  s.bytes_in = counter(tb[IPVS_STATS_ATTR_INBYTES]);
  s.bytes_out = counter(tb[IPVS_STATS_ATTR_OUTBYTES]);
  s.connections_per_s = counter(tb[IPVS_STATS_ATTR_CPS]);
  s.packets_in_per_s = counter(tb[IPVS_STATS_ATTR_INPPS]);
  s.packets_out_per_s = counter(tb[IPVS_STATS_ATTR_OUTPPS]);
  s.bytes_in_per_s = counter(tb[IPVS_STATS_ATTR_INBPS]);
  s.bytes_out_per_s = counter(tb[IPVS_STATS_ATTR_OUTBPS]);
  return s;
}

// Leading one bits of an IPv4 mask; a non-contiguous mask (possible only from
// a hand-made service) is read as its leading ones.
std::uint8_t prefix_of_mask(std::uint32_t mask_host) {
  std::uint8_t n = 0;
  while (n < 32 && (mask_host & (0x80000000u >> n)) != 0) ++n;
  return n;
}

Result<Protocol> protocol_of(std::uint16_t p) {
  switch (p) {
    case IPPROTO_TCP: return Protocol::tcp;
    case IPPROTO_UDP: return Protocol::udp;
    case IPPROTO_SCTP: return Protocol::sctp;
    default: return unsupported();
  }
}

Result<Forwarding> forwarding_of(std::uint32_t f) {
  switch (f & IP_VS_CONN_F_FWD_MASK) {
    case IP_VS_CONN_F_MASQ: return Forwarding::masq;
    case IP_VS_CONN_F_LOCALNODE: return Forwarding::local;
    case IP_VS_CONN_F_TUNNEL: return Forwarding::tunnel;
    case IP_VS_CONN_F_DROUTE: return Forwarding::route;
    default: return unsupported();
  }
}

Result<ServiceKey> service_key_of(const std::array<const nlattr*, IPVS_SVC_ATTR_MAX + 1>& tb) {
  if (!has(tb[IPVS_SVC_ATTR_AF], 2)) return malformed();
  auto family = family_of(u16(tb[IPVS_SVC_ATTR_AF]));
  if (!family) return family.error();
  if (has(tb[IPVS_SVC_ATTR_FWMARK], 4) && u32(tb[IPVS_SVC_ATTR_FWMARK]) != 0) {
    return ServiceKey::by_fwmark(family.value(), u32(tb[IPVS_SVC_ATTR_FWMARK]));
  }
  if (!has(tb[IPVS_SVC_ATTR_PROTOCOL], 2) || !has(tb[IPVS_SVC_ATTR_PORT], 2)) return malformed();
  auto protocol = protocol_of(u16(tb[IPVS_SVC_ATTR_PROTOCOL]));
  if (!protocol) return protocol.error();
  auto address = address_of(family.value(), tb[IPVS_SVC_ATTR_ADDR]);
  if (!address) return address.error();
  return ServiceKey::by_address(protocol.value(),
                                Endpoint{address.value(), ntohs(u16(tb[IPVS_SVC_ATTR_PORT]))});
}

}  // namespace

void MsgDeleter::operator()(nl_msg* m) const noexcept { nlmsg_free(m); }

std::vector<std::uint8_t> bytes_of(const nl_msg& msg) {
  const nlmsghdr* h = nlmsg_hdr(const_cast<nl_msg*>(&msg));
  const auto* p = reinterpret_cast<const std::uint8_t*>(h);
  return {p, p + h->nlmsg_len};
}

Result<Msg> encode(const Op& op, int family) { return std::visit(Encode{family}, op); }

Result<Msg> encode_get_services(int family) { return new_request(family, IPVS_CMD_GET_SERVICE, NLM_F_DUMP); }

Result<Msg> encode_get_destinations(int family, const ServiceKey& service) {
  auto m = new_request(family, IPVS_CMD_GET_DEST, NLM_F_DUMP);
  if (!m) return m.error();
  Builder b(m.value().get());
  put_service(b, service, nullptr);
  return finish(std::move(m).value(), b);
}

Result<Msg> encode_get_info(int family) { return new_request(family, IPVS_CMD_GET_INFO, 0); }

Result<Msg> encode_get_config(int family) { return new_request(family, IPVS_CMD_GET_CONFIG, 0); }

Result<Msg> encode_set_config(int family, const Timeouts& t) {
  auto m = new_request(family, IPVS_CMD_SET_CONFIG, 0);
  if (!m) return m.error();
  Builder b(m.value().get());
  b.put(nla_put_u32(b.msg(), IPVS_CMD_ATTR_TIMEOUT_TCP, t.tcp_s));
  b.put(nla_put_u32(b.msg(), IPVS_CMD_ATTR_TIMEOUT_TCP_FIN, t.tcp_fin_s));
  b.put(nla_put_u32(b.msg(), IPVS_CMD_ATTR_TIMEOUT_UDP, t.udp_s));
  return finish(std::move(m).value(), b);
}

Result<Msg> encode_new_daemon(int family, const SyncDaemon& d) {
  auto m = new_request(family, IPVS_CMD_NEW_DAEMON, 0);
  if (!m) return m.error();
  Builder b(m.value().get());
  nlattr* n = nest(b, IPVS_CMD_ATTR_DAEMON);
  const std::uint32_t state = d.role == SyncDaemon::Role::master ? IP_VS_STATE_MASTER : IP_VS_STATE_BACKUP;
  b.put(nla_put_u32(b.msg(), IPVS_DAEMON_ATTR_STATE, state));
  b.put(nla_put_string(b.msg(), IPVS_DAEMON_ATTR_MCAST_IFN, d.interface.c_str()));
  b.put(nla_put_u32(b.msg(), IPVS_DAEMON_ATTR_SYNC_ID, d.sync_id));
  if (d.max_payload != 0) b.put(nla_put_u16(b.msg(), IPVS_DAEMON_ATTR_SYNC_MAXLEN, d.max_payload));
  if (d.group && d.group->is_v4()) {
    std::uint32_t group;
    std::memcpy(&group, d.group->bytes().data(), 4);   // already network order
    b.put(nla_put_u32(b.msg(), IPVS_DAEMON_ATTR_MCAST_GROUP, group));
  } else if (d.group) {
    b.put(nla_put(b.msg(), IPVS_DAEMON_ATTR_MCAST_GROUP6, 16, d.group->bytes().data()));
  }
  if (d.port != 0) b.put(nla_put_u16(b.msg(), IPVS_DAEMON_ATTR_MCAST_PORT, d.port));
  if (d.ttl != 0) b.put(nla_put_u8(b.msg(), IPVS_DAEMON_ATTR_MCAST_TTL, d.ttl));
  end_nest(b, n);
  return finish(std::move(m).value(), b);
}

Result<Msg> encode_del_daemon(int family, SyncDaemon::Role role) {
  auto m = new_request(family, IPVS_CMD_DEL_DAEMON, 0);
  if (!m) return m.error();
  Builder b(m.value().get());
  nlattr* n = nest(b, IPVS_CMD_ATTR_DAEMON);
  b.put(nla_put_u32(b.msg(), IPVS_DAEMON_ATTR_STATE,
                    role == SyncDaemon::Role::master ? IP_VS_STATE_MASTER : IP_VS_STATE_BACKUP));
  end_nest(b, n);
  return finish(std::move(m).value(), b);
}

Result<Msg> encode_get_daemons(int family) { return new_request(family, IPVS_CMD_GET_DAEMON, NLM_F_DUMP); }

Result<Service> decode_service(const nlmsghdr* reply, bool with_stats) {
  std::array<const nlattr*, IPVS_CMD_ATTR_MAX + 1> top{};
  std::array<const nlattr*, IPVS_SVC_ATTR_MAX + 1> tb{};
  if (!parse_top(top, reply) || top[IPVS_CMD_ATTR_SERVICE] == nullptr ||
      !parse_nested(tb, top[IPVS_CMD_ATTR_SERVICE])) {
    return malformed();
  }
  auto key = service_key_of(tb);
  if (!key) return key.error();
  if (tb[IPVS_SVC_ATTR_SCHED_NAME] == nullptr || !has(tb[IPVS_SVC_ATTR_FLAGS], sizeof(ip_vs_flags)) ||
      !has(tb[IPVS_SVC_ATTR_TIMEOUT], 4) || !has(tb[IPVS_SVC_ATTR_NETMASK], 4)) {
    return malformed();
  }
  Service s;
  s.key = key.value();
  ServiceConfig& c = s.config;
  c.scheduler = str(tb[IPVS_SVC_ATTR_SCHED_NAME]);
  if (tb[IPVS_SVC_ATTR_PE_NAME] != nullptr) c.persistence_engine = str(tb[IPVS_SVC_ATTR_PE_NAME]);
  ip_vs_flags flags{};
  std::memcpy(&flags, nla_data(tb[IPVS_SVC_ATTR_FLAGS]), sizeof flags);
  // HASHED is internal bookkeeping the kernel reports on every service: dropped.
  c.persistent = (flags.flags & IP_VS_SVC_F_PERSISTENT) != 0;
  c.one_packet = (flags.flags & IP_VS_SVC_F_ONEPACKET) != 0;
  c.sched_flag1 = (flags.flags & IP_VS_SVC_F_SCHED1) != 0;
  c.sched_flag2 = (flags.flags & IP_VS_SVC_F_SCHED2) != 0;
  c.sched_flag3 = (flags.flags & IP_VS_SVC_F_SCHED3) != 0;
  c.persistence_timeout_s = u32(tb[IPVS_SVC_ATTR_TIMEOUT]);
  const std::uint32_t netmask = u32(tb[IPVS_SVC_ATTR_NETMASK]);
  if (s.key.family() == Family::v6) {
    if (netmask > 128) return unsupported();
    c.netmask_prefix = static_cast<std::uint8_t>(netmask);
  } else {
    c.netmask_prefix = prefix_of_mask(ntohl(netmask));
  }
  if (with_stats) {
    s.stats = stats_of(tb[IPVS_SVC_ATTR_STATS64] != nullptr ? tb[IPVS_SVC_ATTR_STATS64]
                                                              : tb[IPVS_SVC_ATTR_STATS]);
  }
  return s;
}

Result<Destination> decode_destination(const nlmsghdr* reply, Family service_family, bool with_stats) {
  std::array<const nlattr*, IPVS_CMD_ATTR_MAX + 1> top{};
  std::array<const nlattr*, IPVS_DEST_ATTR_MAX + 1> tb{};
  if (!parse_top(top, reply) || top[IPVS_CMD_ATTR_DEST] == nullptr ||
      !parse_nested(tb, top[IPVS_CMD_ATTR_DEST])) {
    return malformed();
  }
  Family family = service_family;   // kernels before 4.x do not send ADDR_FAMILY
  if (has(tb[IPVS_DEST_ATTR_ADDR_FAMILY], 2)) {
    auto f = family_of(u16(tb[IPVS_DEST_ATTR_ADDR_FAMILY]));
    if (!f) return f.error();
    family = f.value();
  }
  auto address = address_of(family, tb[IPVS_DEST_ATTR_ADDR]);
  if (!address) return address.error();
  if (!has(tb[IPVS_DEST_ATTR_PORT], 2) || !has(tb[IPVS_DEST_ATTR_FWD_METHOD], 4) ||
      !has(tb[IPVS_DEST_ATTR_WEIGHT], 4) || !has(tb[IPVS_DEST_ATTR_U_THRESH], 4) ||
      !has(tb[IPVS_DEST_ATTR_L_THRESH], 4)) {
    return malformed();
  }
  auto forwarding = forwarding_of(u32(tb[IPVS_DEST_ATTR_FWD_METHOD]));
  if (!forwarding) return forwarding.error();
  Destination d;
  d.address = Endpoint{address.value(), ntohs(u16(tb[IPVS_DEST_ATTR_PORT]))};
  d.config.forwarding = forwarding.value();
  d.config.weight = u32(tb[IPVS_DEST_ATTR_WEIGHT]);
  d.config.upper_threshold = u32(tb[IPVS_DEST_ATTR_U_THRESH]);
  d.config.lower_threshold = u32(tb[IPVS_DEST_ATTR_L_THRESH]);
  if (has(tb[IPVS_DEST_ATTR_TUN_TYPE], 1)) {
    const std::uint8_t t = u8(tb[IPVS_DEST_ATTR_TUN_TYPE]);
    if (t > static_cast<std::uint8_t>(TunnelType::gre)) return unsupported();
    d.config.tunnel_type = static_cast<TunnelType>(t);
  }
  if (has(tb[IPVS_DEST_ATTR_TUN_PORT], 2)) d.config.tunnel_port = ntohs(u16(tb[IPVS_DEST_ATTR_TUN_PORT]));
  if (has(tb[IPVS_DEST_ATTR_TUN_FLAGS], 2)) d.config.tunnel_flags = u16(tb[IPVS_DEST_ATTR_TUN_FLAGS]);
  if (has(tb[IPVS_DEST_ATTR_ACTIVE_CONNS], 4)) d.active_connections = u32(tb[IPVS_DEST_ATTR_ACTIVE_CONNS]);
  if (has(tb[IPVS_DEST_ATTR_INACT_CONNS], 4)) d.inactive_connections = u32(tb[IPVS_DEST_ATTR_INACT_CONNS]);
  if (has(tb[IPVS_DEST_ATTR_PERSIST_CONNS], 4)) {
    d.persistent_connections = u32(tb[IPVS_DEST_ATTR_PERSIST_CONNS]);
  }
  if (with_stats) {
    d.stats = stats_of(tb[IPVS_DEST_ATTR_STATS64] != nullptr ? tb[IPVS_DEST_ATTR_STATS64]
                                                               : tb[IPVS_DEST_ATTR_STATS]);
  }
  return d;
}

Result<Info> decode_info(const nlmsghdr* reply) {
  std::array<const nlattr*, IPVS_INFO_ATTR_MAX + 1> tb{};
  if (!parse_top(tb, reply) || !has(tb[IPVS_INFO_ATTR_VERSION], 4) ||
      !has(tb[IPVS_INFO_ATTR_CONN_TAB_SIZE], 4)) {
    return malformed();
  }
  return Info{u32(tb[IPVS_INFO_ATTR_VERSION]), u32(tb[IPVS_INFO_ATTR_CONN_TAB_SIZE])};
}

Result<Timeouts> decode_timeouts(const nlmsghdr* reply) {
  std::array<const nlattr*, IPVS_CMD_ATTR_MAX + 1> tb{};
  if (!parse_top(tb, reply)) return malformed();
  Timeouts t;
  if (has(tb[IPVS_CMD_ATTR_TIMEOUT_TCP], 4)) t.tcp_s = u32(tb[IPVS_CMD_ATTR_TIMEOUT_TCP]);
  if (has(tb[IPVS_CMD_ATTR_TIMEOUT_TCP_FIN], 4)) t.tcp_fin_s = u32(tb[IPVS_CMD_ATTR_TIMEOUT_TCP_FIN]);
  if (has(tb[IPVS_CMD_ATTR_TIMEOUT_UDP], 4)) t.udp_s = u32(tb[IPVS_CMD_ATTR_TIMEOUT_UDP]);
  return t;
}

Result<SyncDaemon> decode_daemon(const nlmsghdr* reply) {
  std::array<const nlattr*, IPVS_CMD_ATTR_MAX + 1> top{};
  std::array<const nlattr*, IPVS_DAEMON_ATTR_MAX + 1> tb{};
  if (!parse_top(top, reply) || top[IPVS_CMD_ATTR_DAEMON] == nullptr ||
      !parse_nested(tb, top[IPVS_CMD_ATTR_DAEMON]) || !has(tb[IPVS_DAEMON_ATTR_STATE], 4) ||
      tb[IPVS_DAEMON_ATTR_MCAST_IFN] == nullptr || !has(tb[IPVS_DAEMON_ATTR_SYNC_ID], 4)) {
    return malformed();
  }
  SyncDaemon d;
  d.role = u32(tb[IPVS_DAEMON_ATTR_STATE]) == IP_VS_STATE_BACKUP ? SyncDaemon::Role::backup
                                                                   : SyncDaemon::Role::master;
  d.interface = str(tb[IPVS_DAEMON_ATTR_MCAST_IFN]);
  d.sync_id = u32(tb[IPVS_DAEMON_ATTR_SYNC_ID]);
  if (has(tb[IPVS_DAEMON_ATTR_SYNC_MAXLEN], 2)) d.max_payload = u16(tb[IPVS_DAEMON_ATTR_SYNC_MAXLEN]);
  if (has(tb[IPVS_DAEMON_ATTR_MCAST_PORT], 2)) d.port = u16(tb[IPVS_DAEMON_ATTR_MCAST_PORT]);
  if (has(tb[IPVS_DAEMON_ATTR_MCAST_TTL], 1)) d.ttl = u8(tb[IPVS_DAEMON_ATTR_MCAST_TTL]);
  if (has(tb[IPVS_DAEMON_ATTR_MCAST_GROUP], 4)) {
    auto a = address_of(Family::v4, tb[IPVS_DAEMON_ATTR_MCAST_GROUP]);
    if (a) d.group = a.value();
  } else if (has(tb[IPVS_DAEMON_ATTR_MCAST_GROUP6], 16)) {
    auto a = address_of(Family::v6, tb[IPVS_DAEMON_ATTR_MCAST_GROUP6]);
    if (a) d.group = a.value();
  }
  return d;
}

}  // namespace tandem::ipvs::codec
