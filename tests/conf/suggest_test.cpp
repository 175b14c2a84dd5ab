#include "conf/suggest.hpp"

#include <catch2/catch.hpp>

using namespace tandem::conf;

TEST_CASE("edit distance counts a transposition as one edit", "[unit]") {
  CHECK(edit_distance("weight", "weight") == 0);
  CHECK(edit_distance("wieght", "weight") == 1);
  CHECK(edit_distance("", "abc") == 3);
  CHECK(edit_distance("kitten", "sitting") == 3);
}

TEST_CASE("suggestions are offered only for plausible typos", "[unit]") {
  const std::vector<std::string> keys{"interval", "timeout", "rise", "fall", "expect_status"};
  CHECK(closest_match("intervall", keys) == "interval");
  CHECK(closest_match("expected_status", keys) == "expect_status");
  CHECK(closest_match("rsie", keys) == "rise");
  CHECK_FALSE(closest_match("colour", keys));
  CHECK_FALSE(closest_match("x", {"y"}));  // one edit, but nothing in common
  CHECK(closest_match("GET", {"GET"}) == "GET");
  CHECK(closest_match("get", {"POST", "GET"}) == "GET");
  CHECK(did_you_mean("timout", keys) == " (did you mean \"timeout\"?)");
  CHECK(did_you_mean("zzz", keys).empty());
}
