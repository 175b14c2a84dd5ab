// AddressEditor with libnl-route-3 request builders; the ACK (and the
// kernel's errno) is read by RouteSocket::request.
#include "vrrp/io/address_editor.hpp"

#include <net/if.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>

#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>

#include "vrrp/io/errc.hpp"

namespace tandem::vrrp::io {
namespace {

struct AddrFree {
  void operator()(rtnl_addr* a) const noexcept { rtnl_addr_put(a); }
};
struct NlAddrFree {
  void operator()(nl_addr* a) const noexcept { nl_addr_put(a); }
};
struct MsgFree {
  void operator()(nl_msg* m) const noexcept { nlmsg_free(m); }
};
struct LinkFree {
  void operator()(rtnl_link* l) const noexcept { rtnl_link_put(l); }
};
struct CacheFree {
  void operator()(nl_cache* c) const noexcept { nl_cache_free(c); }
};

using AddrPtr = std::unique_ptr<rtnl_addr, AddrFree>;

std::error_code validate(const Prefix& vip) {
  if (!vip.address.is_v4()) {
    return errc::not_ipv4;
  }
  if (vip.length > 32) {
    return std::make_error_code(std::errc::invalid_argument);
  }
  return {};
}

// An rtnl_addr naming `vip` on `ifindex`: what RTM_NEWADDR and RTM_DELADDR
// both carry (ifaddrmsg + IFA_LOCAL/IFA_ADDRESS).
Result<AddrPtr> build_addr(int ifindex, const Prefix& vip) {
  AddrPtr addr(rtnl_addr_alloc());
  std::unique_ptr<nl_addr, NlAddrFree> local(
      nl_addr_build(AF_INET, vip.address.bytes().data(), 4));
  if (!addr || !local) {
    return std::make_error_code(std::errc::not_enough_memory);
  }
  nl_addr_set_prefixlen(local.get(), vip.length);
  rtnl_addr_set_ifindex(addr.get(), ifindex);
  rtnl_addr_set_family(addr.get(), AF_INET);
  if (const int rc = rtnl_addr_set_local(addr.get(), local.get()); rc < 0) {
    return make_nl_error(rc);
  }
  rtnl_addr_set_prefixlen(addr.get(), vip.length);
  return addr;
}

struct PresenceSearch {
  int ifindex = 0;
  const Prefix* vip = nullptr;
  bool found = false;
};

void visit_address(nl_object* object, void* arg) {
  auto* search = static_cast<PresenceSearch*>(arg);
  auto* addr = reinterpret_cast<rtnl_addr*>(object);
  if (search->found || rtnl_addr_get_ifindex(addr) != search->ifindex ||
      rtnl_addr_get_family(addr) != AF_INET ||
      rtnl_addr_get_prefixlen(addr) != search->vip->length) {
    return;
  }
  nl_addr* local = rtnl_addr_get_local(addr);
  search->found = local != nullptr && nl_addr_get_len(local) == 4 &&
                  std::memcmp(nl_addr_get_binary_addr(local),
                              search->vip->address.bytes().data(), 4) == 0;
}

}  // namespace

Result<AddressEditor> AddressEditor::open(std::chrono::milliseconds timeout) {
  auto sock = RouteSocket::open(timeout);
  if (!sock) {
    return sock.error();
  }
  return AddressEditor(std::move(sock).value());
}

// IFA_LABEL rules as iproute2 and ifconfig aliases expect them: the label
// names the interface first ("eth0:vip") and fits IFNAMSIZ with its NUL.
std::error_code AddressEditor::check_label(int ifindex, std::string_view label) {
  if (label.size() >= IFNAMSIZ) {
    return errc::invalid_label;
  }
  rtnl_link* raw = nullptr;
  if (const int rc = rtnl_link_get_kernel(sock_.get(), ifindex, nullptr, &raw); rc < 0) {
    if (rc == -NLE_NODEV || rc == -NLE_OBJ_NOTFOUND) {
      return errc::no_such_interface;
    }
    return from_libnl(rc);
  }
  std::unique_ptr<rtnl_link, LinkFree> link(raw);
  const char* name = rtnl_link_get_name(link.get());
  if (name == nullptr || !label.starts_with(name)) {
    return errc::invalid_label;
  }
  return {};
}

std::error_code AddressEditor::add(int ifindex, const Prefix& vip, std::string_view label) {
  if (auto ec = validate(vip)) {
    return ec;
  }
  if (!label.empty()) {
    if (auto ec = check_label(ifindex, label)) {
      return ec;
    }
  }
  auto addr = build_addr(ifindex, vip);
  if (!addr) {
    return addr.error();
  }
  if (!label.empty()) {
    const std::string label_z(label);
    if (const int rc = rtnl_addr_set_label(addr.value().get(), label_z.c_str()); rc < 0) {
      return errc::invalid_label;
    }
  }
  nl_msg* raw_msg = nullptr;
  // NLM_F_CREATE without NLM_F_EXCL or NLM_F_REPLACE: the kernel answers
  // EEXIST for an address it already has and changes nothing.
  if (const int rc = rtnl_addr_build_add_request(addr.value().get(), 0, &raw_msg); rc < 0) {
    return make_nl_error(rc);
  }
  std::unique_ptr<nl_msg, MsgFree> msg(raw_msg);
  const std::error_code ec = sock_.request(msg.get());
  if (ec == std::errc::file_exists) {
    return {};
  }
  return ec;
}

std::error_code AddressEditor::remove(int ifindex, const Prefix& vip) {
  if (auto ec = validate(vip)) {
    return ec;
  }
  auto addr = build_addr(ifindex, vip);
  if (!addr) {
    return addr.error();
  }
  nl_msg* raw_msg = nullptr;
  if (const int rc = rtnl_addr_build_delete_request(addr.value().get(), 0, &raw_msg); rc < 0) {
    return make_nl_error(rc);
  }
  std::unique_ptr<nl_msg, MsgFree> msg(raw_msg);
  const std::error_code ec = sock_.request(msg.get());
  // inet_rtm_deladdr answers EADDRNOTAVAIL for an address the interface lacks.
  if (ec == std::errc::address_not_available || ec == std::errc::no_such_file_or_directory ||
      ec == std::errc::no_such_process) {
    return {};
  }
  return ec;
}

Result<bool> AddressEditor::present(int ifindex, const Prefix& vip) {
  if (auto ec = validate(vip)) {
    return ec;
  }
  nl_cache* raw_cache = nullptr;
  if (const int rc = rtnl_addr_alloc_cache(sock_.get(), &raw_cache); rc < 0) {
    return from_libnl(rc);
  }
  std::unique_ptr<nl_cache, CacheFree> cache(raw_cache);
  PresenceSearch search{ifindex, &vip, false};
  nl_cache_foreach(cache.get(), visit_address, &search);
  return search.found;
}

}  // namespace tandem::vrrp::io
