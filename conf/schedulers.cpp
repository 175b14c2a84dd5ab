// The IPVS scheduler names tandem accepts, as modules of Linux 6.1 name them
// (net/netfilter/ipvs/ip_vs_<name>.c).
#include "conf/config.hpp"

namespace tandem::conf {

const std::vector<std::string>& known_schedulers() {
  static const std::vector<std::string> names{"rr", "wrr", "lc",  "wlc", "lblc", "lblcr", "dh",
                                              "sh", "sed", "nq",  "fo",  "ovf",  "mh",    "twos"};
  return names;
}

}  // namespace tandem::conf
