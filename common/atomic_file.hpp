// Small state files that survive a crash: written to a temporary file in the
// same directory, fsync'ed, renamed over the old one, and the directory
// fsync'ed, so a reader sees the old content or the new, never a mix.
// This is file I/O (not vocabulary), so it is its own library, tandem_files.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include <sys/types.h>

#include "common/result.hpp"

namespace tandem {

// Replaces `path` with `content` atomically, with permission bits `mode`.
// The directory must exist. Returns the system error of the step that failed.
std::error_code write_file_atomically(const std::string& path, std::string_view content, mode_t mode = 0644);

// The whole file, or nullopt if it does not exist. Fails with the system
// error of opening or reading it otherwise.
Result<std::optional<std::string>> read_file_if_exists(const std::string& path);

}  // namespace tandem
