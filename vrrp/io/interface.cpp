// lookup_interface() with libnl-route-3: rtnl_link_get_kernel for the link,
// an rtnl_addr cache fill (RTM_GETADDR dump) for its IPv4 addresses.
#include "vrrp/io/interface.hpp"

#include <linux/if_addr.h>
#include <net/if.h>
#include <sys/socket.h>

#include <chrono>
#include <cstring>
#include <memory>

#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/errno.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>

#include "vrrp/io/errc.hpp"
#include "vrrp/io/route_socket.hpp"

namespace tandem::vrrp::io {
namespace {

constexpr std::chrono::milliseconds kTimeout{2000};

struct LinkFree {
  void operator()(rtnl_link* l) const noexcept { rtnl_link_put(l); }
};
struct CacheFree {
  void operator()(nl_cache* c) const noexcept { nl_cache_free(c); }
};

struct PrimarySearch {
  int ifindex = 0;
  bool found = false;
  IpAddress address;
  std::uint8_t prefix_len = 0;
};

// nl_cache_foreach visits addresses in the order of the dump, which is the
// kernel's order on the interface (primaries first within a subnet).
void visit_address(nl_object* object, void* arg) {
  auto* search = static_cast<PrimarySearch*>(arg);
  auto* addr = reinterpret_cast<rtnl_addr*>(object);
  if (search->found || rtnl_addr_get_ifindex(addr) != search->ifindex ||
      rtnl_addr_get_family(addr) != AF_INET ||
      (rtnl_addr_get_flags(addr) & IFA_F_SECONDARY) != 0) {
    return;
  }
  nl_addr* local = rtnl_addr_get_local(addr);
  if (local == nullptr || nl_addr_get_len(local) != 4) {
    return;
  }
  std::array<std::uint8_t, 4> bytes{};
  std::memcpy(bytes.data(), nl_addr_get_binary_addr(local), bytes.size());
  search->address = IpAddress::v4(bytes);
  search->prefix_len = static_cast<std::uint8_t>(rtnl_addr_get_prefixlen(addr));
  search->found = true;
}

}  // namespace

Result<InterfaceInfo> lookup_interface(std::string_view name) {
  if (name.empty() || name.size() >= IFNAMSIZ) {
    return errc::no_such_interface;
  }
  auto sock = RouteSocket::open(kTimeout);
  if (!sock) {
    return sock.error();
  }
  const std::string name_z(name);
  rtnl_link* raw_link = nullptr;
  if (const int rc = rtnl_link_get_kernel(sock.value().get(), 0, name_z.c_str(), &raw_link);
      rc < 0) {
    if (rc == -NLE_NODEV || rc == -NLE_OBJ_NOTFOUND) {
      return errc::no_such_interface;
    }
    return from_libnl(rc);
  }
  std::unique_ptr<rtnl_link, LinkFree> link(raw_link);

  InterfaceInfo info;
  info.name = name_z;
  info.index = rtnl_link_get_ifindex(link.get());
  const unsigned flags = rtnl_link_get_flags(link.get());
  info.up = (flags & IFF_UP) != 0 && (flags & IFF_RUNNING) != 0;
  if (nl_addr* mac = rtnl_link_get_addr(link.get());
      mac != nullptr && nl_addr_get_len(mac) == info.mac.size()) {
    std::memcpy(info.mac.data(), nl_addr_get_binary_addr(mac), info.mac.size());
  }

  nl_cache* raw_cache = nullptr;
  if (const int rc = rtnl_addr_alloc_cache(sock.value().get(), &raw_cache); rc < 0) {
    return from_libnl(rc);
  }
  std::unique_ptr<nl_cache, CacheFree> cache(raw_cache);
  PrimarySearch search;
  search.ifindex = info.index;
  nl_cache_foreach(cache.get(), visit_address, &search);
  if (search.found) {
    info.primary = search.address;
    info.primary_prefix_len = search.prefix_len;
  }
  return info;
}

}  // namespace tandem::vrrp::io
