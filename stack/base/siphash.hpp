#pragma once
// SipHash-2-4 (Aumasson and Bernstein, 2012): a keyed hash that an observer who does not know the
// key cannot predict. For the ISN function of RFC 6528 and SYN cookies, where a guessable value
// lets an off-path attacker inject segments, and for tables whose keys a peer chooses.
#include <cstdint>

#include "stack/base/bytes.hpp"

namespace tapstack {

struct siphash_key {
  std::uint64_t k0 = 0;
  std::uint64_t k1 = 0;
};

std::uint64_t siphash24(const siphash_key& key, const_byte_span data);

// A key of its own for each purpose, from one secret: what one use reveals of its hashes (a
// table's bucket order, a cookie) says nothing of another's.
siphash_key derive_key(const siphash_key& secret, std::uint8_t purpose);

}  // namespace tapstack
