#include "stack/wire/checksum.hpp"

namespace tapstack {
namespace {

std::uint16_t fold(std::uint64_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(sum);
}

}  // namespace

checksum& checksum::add(const_byte_span bytes) {
  const std::size_t n = bytes.size();
  std::size_t i = 0;
  // Four words per step into a 64-bit sum: carries collect in the high bits and are folded once.
  for (; i + 8 <= n; i += 8)
    sum_ += std::uint64_t{load_be16(&bytes[i])} + load_be16(&bytes[i + 2]) +
            load_be16(&bytes[i + 4]) + load_be16(&bytes[i + 6]);
  for (; i + 2 <= n; i += 2) sum_ += load_be16(&bytes[i]);
  if (i < n) sum_ += std::uint64_t{bytes[i]} << 8;
  return *this;
}

std::uint16_t checksum::finish() const { return static_cast<std::uint16_t>(~fold(sum_)); }

std::uint16_t checksum_update(std::uint16_t old_checksum, std::uint16_t old_word,
                              std::uint16_t new_word) {
  const std::uint64_t sum = std::uint64_t{static_cast<std::uint16_t>(~old_checksum)} +
                            static_cast<std::uint16_t>(~old_word) + new_word;
  return static_cast<std::uint16_t>(~fold(sum));
}

}  // namespace tapstack
