// The one translation from the configuration's check (conf::CheckSpec) to the
// checks module's own value (checks::CheckDefinition). checks never includes
// conf; the director translates here. Pure: no I/O.
#pragma once

#include <string_view>

#include "checks/core/check_definition.hpp"
#include "conf/config.hpp"

namespace tandem::desired {

// Copies every knob of `spec`; an empty exec user becomes `default_user`
// (director.check_user). Never fails: a CheckSpec is already validated.
checks::CheckDefinition to_check_definition(const conf::CheckSpec& spec, std::string_view default_user);

}  // namespace tandem::desired
