// Internal to conf/: one parse function per part of the file, and the checks
// that span several objects. Each records its errors in the Sink and returns
// what it could read; load.cpp discards the result if the Sink is not empty.
#pragma once

#include <toml++/toml.h>

#include "conf/config.hpp"
#include "conf/reader.hpp"

namespace tandem::conf {

DirectorSettings parse_director(const toml::table& table, Sink& sink);
VrrpInstance parse_vrrp_instance(const toml::table& table, const std::string& path, Sink& sink);
Service parse_service(const toml::table& table, const std::string& path, Sink& sink);

// The checks of a service (`check` as a table or an array of tables). The
// `node` may be null (no checks).
std::vector<CheckSpec> parse_service_checks(const toml::node* node, const std::string& path, Sink& sink);
// The checks of one real server: the service's unless it has its own `check`,
// which either replaces them (tables with `type`) or overrides keys of each
// (one table without `type`).
std::vector<CheckSpec> parse_real_checks(const toml::node* node, const std::string& path,
                                         const std::vector<CheckSpec>& service_checks, Sink& sink);

// Duplicates and references across services and VRRP instances.
void validate_references(const Config& config, Sink& sink);

}  // namespace tandem::conf
