#include "stack/wire/checksum.hpp"

#include <bit>
#include <cstring>

namespace tapstack {
namespace {

std::uint16_t fold(std::uint64_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(sum);
}

}  // namespace

checksum& checksum::add(const_byte_span bytes) {
  // Summed in the machine's byte order and swapped once at the end (RFC 1071 2(B): the sum does not
  // depend on byte order), eight bytes per load: each 64-bit load adds its two 32-bit halves, and
  // since 2^16 = 1 modulo 0xffff, a 32-bit word adds the same as its two 16-bit words. The 64-bit
  // sum holds the carries of any span a frame can have.
  const std::uint8_t* p = bytes.data();
  std::size_t n = bytes.size();
  std::uint64_t native = 0;
  const auto halves = [](const std::uint8_t* q) {
    std::uint64_t w;
    std::memcpy(&w, q, sizeof w);
    return (w & 0xffffffff) + (w >> 32);
  };
  // The bulk sixteen bytes per load, the same sum in two 64-bit lanes (GCC's and Clang's vector
  // types: SSE2 on x86-64, NEON on ARM), the lanes added together after; the rest as above.
  using lanes = std::uint64_t __attribute__((vector_size(16)));
  lanes wide{0, 0};
  for (; n >= 64; p += 64, n -= 64)
    for (std::size_t i = 0; i < 64; i += 16) {
      lanes w;
      std::memcpy(&w, p + i, sizeof w);
      wide += (w & 0xffffffff) + (w >> 32);
    }
  native += wide[0] + wide[1];
  for (; n >= 32; p += 32, n -= 32)
    native += halves(p) + halves(p + 8) + halves(p + 16) + halves(p + 24);
  for (; n >= 8; p += 8, n -= 8) native += halves(p);
  for (; n >= 2; p += 2, n -= 2) {
    std::uint16_t w;
    std::memcpy(&w, p, sizeof w);
    native += w;
  }
  // An odd final byte is the high byte of its word in network order: in the machine's order, the
  // first byte of a word.
  if (n > 0) {
    std::uint16_t w = 0;
    std::memcpy(&w, p, 1);
    native += w;
  }
  std::uint16_t folded = fold(native);
  if constexpr (std::endian::native == std::endian::little)
    folded = static_cast<std::uint16_t>(folded << 8 | folded >> 8);
  sum_ += folded;
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
