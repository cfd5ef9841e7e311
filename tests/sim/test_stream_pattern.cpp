// The scenarios' stream pattern: what fill_pattern writes and what pattern_mismatch checks is
// pattern_byte at every offset, across the blocks its fast path works in, and a wrong byte is
// found at its own offset.
#include <doctest/doctest.h>

#include <vector>

#include "apps/sim/stream_pattern.hpp"

namespace tapstack::sim {
namespace {

TEST_CASE("fill_pattern writes pattern_byte at every offset, from any start, of any length") {
  for (const std::uint64_t stream : {0u, 1u, 7u})
    for (const std::uint64_t at : {0ull, 1ull, 255ull, 511ull, 512ull, 1000ull, (1ull << 33) + 5})
      for (const std::size_t size : {0u, 1u, 300u, 513u, 2000u}) {
        std::vector<std::uint8_t> out(size);
        fill_pattern(stream, at, out);
        for (std::size_t k = 0; k < size; ++k) REQUIRE(out[k] == pattern_byte(stream, at + k));
        CHECK_FALSE(pattern_mismatch(stream, at, out));
      }
}

TEST_CASE("pattern_mismatch names the first wrong byte's offset in the stream") {
  std::vector<std::uint8_t> got(3000);
  fill_pattern(3, 700, got);
  for (const std::size_t wrong : {0u, 1u, 323u, 324u, 2999u}) {
    auto bad = got;
    bad[wrong] ^= 0x40;
    bad[std::min<std::size_t>(wrong + 600, bad.size() - 1)] ^= 1;  // a later one is not first
    CHECK(pattern_mismatch(3, 700, bad) == std::optional<std::uint64_t>{700 + wrong});
  }
  CHECK(pattern_mismatch(4, 700, got) == std::optional<std::uint64_t>{700});
}

}  // namespace
}  // namespace tapstack::sim
