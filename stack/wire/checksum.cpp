#include "stack/wire/checksum.hpp"

#include <bit>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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
#if defined(__SSE2__)
  // Where the machine has SSE2 (every x86-64), the same sixteen bytes at a time: each 32-bit word
  // widened into a 64-bit lane, two accumulators to keep the adds independent.
  const __m128i zero = _mm_setzero_si128();
  __m128i low = zero, high = zero;
  for (; n >= 64; p += 64, n -= 64)
    for (std::size_t i = 0; i < 64; i += 16) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
      low = _mm_add_epi64(low, _mm_unpacklo_epi32(v, zero));
      high = _mm_add_epi64(high, _mm_unpackhi_epi32(v, zero));
    }
  std::uint64_t lanes[2];
  _mm_storeu_si128(reinterpret_cast<__m128i*>(lanes), _mm_add_epi64(low, high));
  native += lanes[0] + lanes[1];
#endif
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
