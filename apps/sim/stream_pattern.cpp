#include "apps/sim/stream_pattern.hpp"

#include <algorithm>
#include <array>
#include <cstring>

namespace tapstack::sim {
namespace {

// Within a block of 512 offsets, from a multiple of 512, (i >> 9) is one value, so the block is
// 7·i mod 256 from i = 0 (a multiple of 256 away) plus that constant: a loop of a known length
// over a table, which the compiler vectorises.
constexpr std::size_t block = 512;
constexpr auto sevens = [] {
  std::array<std::uint8_t, block> t{};
  for (std::size_t j = 0; j < t.size(); ++j) t[j] = static_cast<std::uint8_t>(j * 7);
  return t;
}();

// Calls f(offset in the span, run of pattern bytes) for each run of size bytes from `at`, one
// run per block, until f returns false.
template <class F>
void for_each_run(std::uint64_t stream, std::uint64_t at, std::size_t size, F f) {
  std::array<std::uint8_t, block> bytes;
  for (std::size_t done = 0; done < size;) {
    const std::uint64_t i = at + done;
    const std::size_t from = i % block;
    const std::size_t n = std::min<std::size_t>(size - done, block - from);
    const auto c = static_cast<std::uint8_t>((i >> 9) + stream * 101);
    for (std::size_t k = 0; k < block; ++k) bytes[k] = static_cast<std::uint8_t>(sevens[k] + c);
    if (!f(done, const_byte_span{bytes}.subspan(from, n))) return;
    done += n;
  }
}

}  // namespace

void fill_pattern(std::uint64_t stream, std::uint64_t at, byte_span out) {
  for_each_run(stream, at, out.size(), [&](std::size_t offset, const_byte_span run) {
    std::memcpy(out.data() + offset, run.data(), run.size());
    return true;
  });
}

std::optional<std::uint64_t> pattern_mismatch(std::uint64_t stream, std::uint64_t at,
                                              const_byte_span got) {
  std::optional<std::uint64_t> first;
  for_each_run(stream, at, got.size(), [&](std::size_t offset, const_byte_span run) {
    const auto part = got.subspan(offset, run.size());
    if (std::memcmp(part.data(), run.data(), run.size()) == 0) return true;
    first = at + offset + (std::ranges::mismatch(part, run).in1 - part.begin());
    return false;
  });
  return first;
}

}  // namespace tapstack::sim
