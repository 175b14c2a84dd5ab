// Implementation of ipvsadm.hpp: a line-by-line reader of ipvsadm's listings
// (ipvsadm.c, list_service / print_service_entry / print_dest_entry formats).
#include "tests/kernel/support/ipvsadm.hpp"

#include <charconv>
#include <sstream>
#include <stdexcept>

#include "tests/kernel/support/command.hpp"

namespace tandem::kernel_test {
namespace {

std::vector<std::string> words(std::string_view line) {
  std::vector<std::string> out;
  std::istringstream in{std::string(line)};
  std::string word;
  while (in >> word) {
    out.push_back(word);
  }
  return out;
}

[[noreturn]] void bad_line(std::string_view line, std::string_view why) {
  throw std::runtime_error("ipvsadm listing: " + std::string(why) + " in line '" +
                           std::string(line) + "'");
}

template <typename Int>
Int number(const std::string& word, std::string_view line) {
  Int value{};
  const auto [end, ec] = std::from_chars(word.data(), word.data() + word.size(), value);
  if (ec != std::errc{} || end != word.data() + word.size()) {
    bad_line(line, "'" + word + "' is not a number");
  }
  return value;
}

bool is_service_protocol(const std::string& word) {
  return word == "TCP" || word == "UDP" || word == "SCTP" || word == "FWM";
}

// Splits a listing into service and destination lines, calling the handlers
// with the words of each; header lines are skipped.
template <typename OnService, typename OnDestination>
void walk(std::string_view text, OnService on_service, OnDestination on_destination) {
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    const auto line = text.substr(start, end - start);
    start = end + 1;
    const auto w = words(line);
    if (w.empty() || w[0] == "IP" || w[0] == "Prot" ||
        (w.size() >= 2 && w[0] == "->" && w[1] == "RemoteAddress:Port")) {
      continue;
    }
    if (w[0] == "->") {
      on_destination(line, w);
    } else if (is_service_protocol(w[0])) {
      on_service(line, w);
    } else {
      bad_line(line, "unexpected first word");
    }
  }
}

ObservedStats stats_from(const std::vector<std::string>& w, std::size_t first,
                         std::string_view line) {
  if (w.size() != first + 5) {
    bad_line(line, "expected 5 counters");
  }
  return ObservedStats{number<std::uint64_t>(w[first], line),
                       number<std::uint64_t>(w[first + 1], line),
                       number<std::uint64_t>(w[first + 2], line),
                       number<std::uint64_t>(w[first + 3], line),
                       number<std::uint64_t>(w[first + 4], line)};
}

ObservedService& service_in(ObservedTable& table, const std::vector<std::string>& w,
                            std::string_view line) {
  for (auto& service : table.services) {
    if (service.protocol == w[0] && service.address == w[1]) {
      return service;
    }
  }
  bad_line(line, "service missing from the -Ln listing");
}

ObservedDestination& destination_in(ObservedService* service, const std::string& address,
                                    std::string_view line) {
  if (service == nullptr) {
    bad_line(line, "destination before any service");
  }
  for (auto& dest : service->destinations) {
    if (dest.address == address) {
      return dest;
    }
  }
  bad_line(line, "destination missing from the -Ln listing");
}

}  // namespace

const ObservedDestination* ObservedService::find(std::string_view dest_address) const {
  for (const auto& dest : destinations) {
    if (dest.address == dest_address) {
      return &dest;
    }
  }
  return nullptr;
}

const ObservedService* ObservedTable::find(std::string_view protocol,
                                           std::string_view address) const {
  for (const auto& service : services) {
    if (service.protocol == protocol && service.address == address) {
      return &service;
    }
  }
  return nullptr;
}

std::size_t ObservedTable::destination_count() const {
  std::size_t count = 0;
  for (const auto& service : services) {
    count += service.destinations.size();
  }
  return count;
}

ObservedTable parse_ipvsadm_list(std::string_view text) {
  ObservedTable table;
  walk(
      text,
      [&](std::string_view line, const std::vector<std::string>& w) {
        if (w.size() < 3) {
          bad_line(line, "service without scheduler");
        }
        ObservedService service;
        service.protocol = w[0];
        service.address = w[1];
        service.scheduler = w[2];
        for (std::size_t i = 3; i < w.size(); ++i) {
          const bool has_value = i + 1 < w.size();
          if (w[i] == "persistent" && has_value) {
            service.persistent = number<std::uint32_t>(w[++i], line);
          } else if (w[i] == "mask" && has_value) {
            service.mask = w[++i];
          } else if (w[i] == "pe" && has_value) {
            service.pe = w[++i];
          } else if (w[i].size() > 2 && w[i].front() == '(' && w[i].back() == ')') {
            // Scheduler flags, printed as "(sh-fallback,sh-port)".
            std::istringstream list(w[i].substr(1, w[i].size() - 2));
            std::string flag;
            while (std::getline(list, flag, ',')) {
              service.flags.push_back(flag);
            }
          } else {
            service.flags.push_back(w[i]);
          }
        }
        table.services.push_back(std::move(service));
      },
      [&](std::string_view line, const std::vector<std::string>& w) {
        if (table.services.empty()) {
          bad_line(line, "destination before any service");
        }
        if (w.size() != 6) {
          bad_line(line, "expected address, forward, weight, active, inactive");
        }
        ObservedDestination dest;
        dest.address = w[1];
        dest.forward = w[2];
        dest.weight = number<std::int64_t>(w[3], line);
        dest.active = number<std::uint64_t>(w[4], line);
        dest.inactive = number<std::uint64_t>(w[5], line);
        table.services.back().destinations.push_back(std::move(dest));
      });
  return table;
}

void merge_ipvsadm_thresholds(ObservedTable& table, std::string_view text) {
  ObservedService* current = nullptr;
  walk(
      text,
      [&](std::string_view line, const std::vector<std::string>& w) {
        if (w.size() < 2) {
          bad_line(line, "service without address");
        }
        current = &service_in(table, w, line);
      },
      [&](std::string_view line, const std::vector<std::string>& w) {
        if (w.size() != 6) {
          bad_line(line, "expected address, upper, lower, active, inactive");
        }
        auto& dest = destination_in(current, w[1], line);
        dest.upper_threshold = number<std::uint64_t>(w[2], line);
        dest.lower_threshold = number<std::uint64_t>(w[3], line);
      });
}

void merge_ipvsadm_stats(ObservedTable& table, std::string_view text) {
  ObservedService* current = nullptr;
  walk(
      text,
      [&](std::string_view line, const std::vector<std::string>& w) {
        if (w.size() < 2) {
          bad_line(line, "service without address");
        }
        current = &service_in(table, w, line);
        current->stats = stats_from(w, 2, line);
      },
      [&](std::string_view line, const std::vector<std::string>& w) {
        destination_in(current, w[1], line).stats = stats_from(w, 2, line);
      });
}

ObservedTable observe_ipvs() {
  auto table = parse_ipvsadm_list(run_checked({"ipvsadm", "-Ln"}));
  merge_ipvsadm_thresholds(table, run_checked({"ipvsadm", "-Ln", "--thresholds"}));
  merge_ipvsadm_stats(table, run_checked({"ipvsadm", "-Ln", "--stats", "--exact"}));
  return table;
}

}  // namespace tandem::kernel_test
