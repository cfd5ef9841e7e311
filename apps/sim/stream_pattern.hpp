#pragma once
// The bytes the scenarios send, as a function of the stream and the offset in it, so that a
// receiver checks every byte where it lands without keeping a copy of what was sent, and a 1 GB
// transfer needs no 1 GB buffer. Byte i of a stream does not repeat every 256 bytes and differs
// between streams, so a misplaced, repeated or stray segment (one of another connection) shows.
#include <cstdint>
#include <optional>

#include "stack/base/bytes.hpp"

namespace tapstack::sim {

constexpr std::uint8_t pattern_byte(std::uint64_t stream, std::uint64_t i) {
  return static_cast<std::uint8_t>((i * 7 + (i >> 9) + stream * 101) & 0xff);
}

// Writes the stream's bytes from offset `at` into out.
void fill_pattern(std::uint64_t stream, std::uint64_t at, byte_span out);

// The offset of the first byte of got, read at offset `at` of the stream, that differs from the
// pattern; nullopt when all agree.
std::optional<std::uint64_t> pattern_mismatch(std::uint64_t stream, std::uint64_t at,
                                              const_byte_span got);

}  // namespace tapstack::sim
