// SipHash-2-4 against the reference vectors of its paper (key 00..0f, messages 00..(n-1)).
#include <doctest/doctest.h>

#include <vector>

#include "stack/base/siphash.hpp"

namespace tapstack::test {
namespace {

TEST_CASE("SipHash-2-4 gives the paper's test vectors") {
  const siphash_key key{0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL};
  std::vector<std::uint8_t> message;
  // The empty message, and the 15-byte message of the paper's appendix A.
  CHECK(siphash24(key, message) == 0x726fdb47dd0e0e31ULL);
  for (std::uint8_t i = 0; i < 15; ++i) message.push_back(i);
  CHECK(siphash24(key, message) == 0xa129ca6149be45e5ULL);
  message.resize(8);
  CHECK(siphash24(key, message) == 0x93f5f5799a932462ULL);
}

TEST_CASE("another key gives another hash") {
  const std::vector<std::uint8_t> message{1, 2, 3};
  CHECK(siphash24({1, 2}, message) != siphash24({1, 3}, message));
}

}  // namespace
}  // namespace tapstack::test
