// Big-endian loads and stores: the only path from wire bytes to numbers.
#include <array>
#include <cstdint>

#include <doctest/doctest.h>

#include "stack/base/bytes.hpp"
#include "tests/support/golden.hpp"

namespace tapstack::test {
namespace {

TEST_CASE("load_be16 and load_be32 read network byte order") {
  const std::array<std::uint8_t, 4> b{0x12, 0x34, 0x56, 0x78};
  CHECK(load_be16(b.data()) == 0x1234);
  CHECK(load_be16(b.data() + 2) == 0x5678);
  CHECK(load_be32(b.data()) == 0x12345678u);
}

TEST_CASE("loads do not sign-extend a high bit") {
  const std::array<std::uint8_t, 4> high{0x80, 0x00, 0x00, 0x01};
  CHECK(load_be16(high.data()) == 0x8000);
  CHECK(load_be32(high.data()) == 0x80000001u);
  const std::array<std::uint8_t, 4> ones{0xff, 0xff, 0xff, 0xff};
  CHECK(load_be16(ones.data()) == 0xffff);
  CHECK(load_be32(ones.data()) == 0xffffffffu);
}

TEST_CASE("store_be16 and store_be32 write network byte order and nothing else") {
  std::array<std::uint8_t, 8> b{};
  b.fill(0xee);
  store_be16(b.data() + 1, 0xabcd);
  CHECK(b == std::array<std::uint8_t, 8>{0xee, 0xab, 0xcd, 0xee, 0xee, 0xee, 0xee, 0xee});
  store_be32(b.data() + 3, 0x01020304);
  CHECK(b == std::array<std::uint8_t, 8>{0xee, 0xab, 0xcd, 0x01, 0x02, 0x03, 0x04, 0xee});
}

TEST_CASE("a store then a load at an odd offset gives the value back") {
  std::array<std::uint8_t, 7> b{};
  for (const std::uint32_t v : {0u, 1u, 0x7fffffffu, 0x80000000u, 0xdeadbeefu, 0xffffffffu}) {
    store_be32(b.data() + 1, v);
    CHECK(load_be32(b.data() + 1) == v);
    store_be16(b.data() + 5, static_cast<std::uint16_t>(v));
    CHECK(load_be16(b.data() + 5) == static_cast<std::uint16_t>(v));
  }
}

TEST_CASE("the fields of a kernel frame read as tcpdump decoded them") {
  const auto g = load_golden("echo-request");
  CHECK(load_be16(&g.bytes[12]) == 0x0800);                             // ethertype IPv4
  CHECK(load_be16(&g.bytes[16]) == g.tcpdump_number("-nv", "length"));  // IPv4 total length
  CHECK(load_be16(&g.bytes[18]) == g.tcpdump_number("-nv", "id"));      // IPv4 identification
  CHECK(load_be32(&g.bytes[30]) == 0x0a000002u);                        // destination 10.0.0.2
}

}  // namespace
}  // namespace tapstack::test
