#pragma once
// SipHash-2-4 (Aumasson and Bernstein, 2012): a keyed hash that an observer who does not know the
// key cannot predict. For the ISN function of RFC 6528 (and later SYN cookies), where a guessable
// value lets an off-path attacker inject segments. Not for hash tables of trusted keys.
#include <cstdint>

#include "stack/base/bytes.hpp"

namespace tapstack {

struct siphash_key {
  std::uint64_t k0 = 0;
  std::uint64_t k1 = 0;
};

std::uint64_t siphash24(const siphash_key& key, const_byte_span data);

}  // namespace tapstack
