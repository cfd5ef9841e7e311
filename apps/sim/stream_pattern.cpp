#include "apps/sim/stream_pattern.hpp"

namespace tapstack::sim {

void fill_pattern(std::uint64_t stream, std::uint64_t at, byte_span out) {
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = pattern_byte(stream, at + i);
}

std::optional<std::uint64_t> pattern_mismatch(std::uint64_t stream, std::uint64_t at,
                                              const_byte_span got) {
  for (std::size_t i = 0; i < got.size(); ++i)
    if (got[i] != pattern_byte(stream, at + i)) return at + i;
  return std::nullopt;
}

}  // namespace tapstack::sim
