// The IPVS generic-netlink codec: model values <-> netlink messages, built and
// read with libnl but never sent here (client.cpp owns the socket). This is the
// only place that knows attribute numbers from linux/ip_vs.h.
//
// Message layout (linux/ip_vs.h, net/netfilter/ipvs/ip_vs_ctl.c):
//
//   nlmsghdr | genlmsghdr{cmd, version 1} | attributes
//   IPVS_CMD_ATTR_SERVICE (nested)
//     AF u16 | FWMARK u32                                    (fwmark service)
//     AF u16 | PROTOCOL u16 | ADDR 16 bytes | PORT be16      (address service)
//     full entry adds: SCHED_NAME string | [PE_NAME string]
//                      | FLAGS {u32 flags, u32 mask} | TIMEOUT u32 | NETMASK u32
//   IPVS_CMD_ATTR_DEST (nested)
//     ADDR 16 bytes | PORT be16 | ADDR_FAMILY u16
//     full entry adds: FWD_METHOD u32 | WEIGHT u32 | U_THRESH u32 | L_THRESH u32
//                      | TUN_TYPE u8 | TUN_PORT be16 | TUN_FLAGS u16
//
// Facts the kernel imposes: the family comes first; a service is either a
// firewall mark or protocol/address/port; ports are in network order;
// addresses are a 16-byte union (IPv4 in the first 4); flags travel with a mask;
// NETMASK is a big-endian mask for IPv4 and a prefix length for IPv6; the
// kernel sets HASHED on every service it reports, so decode drops it.
// Nested attributes carry NLA_F_NESTED explicitly, whatever the libnl version
// (3.7 sets it, older ones did not), so the bytes are stable; the kernel's IPVS
// parser accepts both.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "common/result.hpp"
#include "ipvs/model/op.hpp"
#include "ipvs/model/service.hpp"
#include "ipvs/model/settings.hpp"

struct nl_msg;
struct nlattr;
struct nlmsghdr;

namespace tandem::ipvs::codec {

struct MsgDeleter {
  void operator()(nl_msg* m) const noexcept;
};
using Msg = std::unique_ptr<nl_msg, MsgDeleter>;

// The wire bytes of a built message (nlmsghdr included), for tests and batching.
std::vector<std::uint8_t> bytes_of(const nl_msg& msg);

// Request builders. `family` is the resolved IPVS family id; seq and port stay
// 0 (the client sets them). Flags: NLM_F_REQUEST, plus NLM_F_DUMP for the dump
// requests. Each fails only when libnl cannot allocate (libnl category).
Result<Msg> encode(const Op& op, int family);
Result<Msg> encode_get_services(int family);
Result<Msg> encode_get_destinations(int family, const ServiceKey& service);
Result<Msg> encode_get_info(int family);
Result<Msg> encode_get_config(int family);
Result<Msg> encode_set_config(int family, const Timeouts& t);
Result<Msg> encode_new_daemon(int family, const SyncDaemon& d);
Result<Msg> encode_del_daemon(int family, SyncDaemon::Role role);
Result<Msg> encode_get_daemons(int family);

// Reply readers. Each takes a whole reply message (nlmsghdr first) and fails
// with errc::malformed_reply when a required attribute is missing or has the
// wrong size, errc::unsupported_value for a family/protocol/method the model
// cannot hold. The reply command is not checked: the caller matched the seq.
// `with_stats = false` leaves the counters at zero and skips their nests
// (about 40% of the decoding work), for reconciles that only compare config.
Result<Service> decode_service(const nlmsghdr* reply, bool with_stats = true);   // no destinations
// `service_family` is used when the kernel omits IPVS_DEST_ATTR_ADDR_FAMILY.
Result<Destination> decode_destination(const nlmsghdr* reply, Family service_family,
                                       bool with_stats = true);
Result<Info> decode_info(const nlmsghdr* reply);
Result<Timeouts> decode_timeouts(const nlmsghdr* reply);
Result<SyncDaemon> decode_daemon(const nlmsghdr* reply);

}  // namespace tandem::ipvs::codec
