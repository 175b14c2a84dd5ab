// "Did you mean" suggestions for misspelt keys and names.
// Pure string functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tandem::conf {

// Edit distance with adjacent transpositions counted as one edit (optimal
// string alignment), so "wieght" is one edit from "weight".
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word`, if it is close enough to be a plausible
// typo: at most 1 edit for words of up to 4 characters, 2 up to 8, 3 beyond.
// Ties go to the earlier candidate. Returns nullopt when nothing is close.
std::optional<std::string> closest_match(std::string_view word, const std::vector<std::string>& candidates);

// " (did you mean \"X\"?)" when closest_match finds X, otherwise "".
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace tandem::conf
