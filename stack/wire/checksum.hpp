#pragma once
// The Internet checksum (RFC 1071): the one place it is computed. An accumulator so that a pseudo
// header and a payload that live apart can be summed without copying them together, and so that a
// later offload path can skip it in one place. Incremental update (RFC 1624) lives here too.
#include <cstdint>

#include "stack/base/bytes.hpp"

namespace tapstack {

class checksum {
 public:
  // Adds bytes as big-endian 16-bit words. Every span but the last must have even length; an odd
  // final byte is padded with zero as RFC 1071 says.
  checksum& add(const_byte_span bytes);
  checksum& add16(std::uint16_t word) {
    sum_ += word;
    return *this;
  }
  checksum& add32(std::uint32_t word) { return add16(word >> 16).add16(word & 0xffff); }

  // The one's complement of the folded sum: the value to store in a header, or 0 when verifying a
  // span that already holds a correct checksum.
  std::uint16_t finish() const;

 private:
  std::uint64_t sum_ = 0;
};

inline std::uint16_t internet_checksum(const_byte_span bytes) {
  return checksum{}.add(bytes).finish();
}

// What a device does with a checksum left partial (frame_meta::checksum_state::partial): sums the
// frame from start to its end, the field at start + offset holding the pseudo header's sum, and
// stores the complement there. For tests and harnesses that stand in for the device.
inline void complete_partial_checksum(byte_span frame, std::size_t start, std::size_t offset) {
  const byte_span covered = frame.subspan(start);
  store_be16(&covered[offset], internet_checksum(covered));
}

// RFC 1624 eqn. 3: the new checksum after one 16-bit word of the covered data changes.
std::uint16_t checksum_update(std::uint16_t old_checksum, std::uint16_t old_word,
                              std::uint16_t new_word);

}  // namespace tapstack
