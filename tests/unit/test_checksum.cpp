// The Internet checksum (RFC 1071) and its incremental update (RFC 1624), against the RFCs' own
// examples, checksums the kernel computed, and a word-at-a-time reference.
#include <array>
#include <cstdint>
#include <vector>

#include <doctest/doctest.h>

#include "stack/base/rng.hpp"
#include "stack/wire/checksum.hpp"
#include "stack/wire/ethernet.hpp"
#include "stack/wire/ipv4.hpp"
#include "tests/support/golden.hpp"

namespace tapstack::test {
namespace {

// RFC 1071 section 1 literally: one 16-bit word at a time, the carry added back at once.
std::uint16_t reference_checksum(const std::vector<std::uint8_t>& data) {
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i < data.size(); i += 2) {
    const std::uint32_t high = data[i];
    const std::uint32_t low = i + 1 < data.size() ? data[i + 1] : 0;
    sum += high << 8 | low;
    if (sum > 0xffff) sum -= 0xffff;
  }
  return static_cast<std::uint16_t>(~sum);
}

std::vector<std::uint8_t> random_bytes(rng& r, std::size_t n) {
  std::vector<std::uint8_t> out(n);
  for (auto& b : out) b = static_cast<std::uint8_t>(r.next());
  return out;
}

TEST_CASE("RFC 1071's numerical example: the sum of 00 01 f2 03 f4 f5 f6 f7 is ddf2") {
  const std::array<std::uint8_t, 8> data{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  CHECK(internet_checksum(data) == static_cast<std::uint16_t>(~0xddf2));
  CHECK(internet_checksum(data) == 0x220d);
}

TEST_CASE("an odd final byte is padded with zero on the right") {
  const std::array<std::uint8_t, 5> data{0x00, 0x01, 0xf2, 0x03, 0xf4};
  // 0001 + f203 + f400 = 1e604, folded e605.
  CHECK(internet_checksum(data) == 0x19fa);
  const std::array<std::uint8_t, 1> one{0x01};
  CHECK(internet_checksum(one) == 0xfeff);
}

TEST_CASE("no bytes sum to zero, whose complement is ffff") {
  CHECK(internet_checksum({}) == 0xffff);
}

TEST_CASE("carries out of many words fold back in") {
  // 40000 words of ffff: each adds -0 in one's complement, so the sum stays ffff.
  const std::vector<std::uint8_t> ones(80000, 0xff);
  CHECK(internet_checksum(ones) == 0x0000);
  const std::vector<std::uint8_t> halves(80001, 0x80);
  CHECK(internet_checksum(halves) == reference_checksum(halves));
}

TEST_CASE("a carry out of the first fold is folded in again") {
  // ffff + ffff + 0001 = 1ffff; folding once gives 10000, which must fold again to 0001.
  const std::array<std::uint8_t, 6> data{0xff, 0xff, 0xff, 0xff, 0x00, 0x01};
  CHECK(internet_checksum(data) == 0xfffe);
}

TEST_CASE("the checksum equals the word-at-a-time reference for every length 0..300") {
  // Past 64 bytes, the sixteen-byte loop's share and each remainder after it.
  rng r{7};
  for (std::size_t n = 0; n <= 300; ++n) {
    const auto data = random_bytes(r, n);
    CAPTURE(n);
    CHECK(internet_checksum(data) == reference_checksum(data));
  }
}

TEST_CASE("the checksum equals the reference wherever the bytes start in memory") {
  // The sum loads sixteen or eight bytes at a time: spans at every offset from a 16-byte
  // boundary, over lengths that end in each of the loops' remainders.
  rng r{13};
  const auto data = random_bytes(r, 1600);
  for (std::size_t offset = 0; offset < 16; ++offset)
    for (const std::size_t n : {31u, 32u, 33u, 39u, 40u, 41u, 63u, 64u, 65u, 1499u, 1500u, 1575u}) {
      const std::vector<std::uint8_t> copy(data.begin() + offset, data.begin() + offset + n);
      CAPTURE(offset);
      CAPTURE(n);
      CHECK(internet_checksum(const_byte_span{data}.subspan(offset, n)) ==
            reference_checksum(copy));
    }
}

TEST_CASE("the kernel's IPv4 and ICMP checksums are what we compute") {
  for (const char* name : {"echo-request", "echo-reply", "echo-request-max",
                           "echo-request-record-route", "echo-request-empty"}) {
    INFO(name);
    auto bytes = load_golden(name).bytes;
    const std::size_t ip = ethernet::header_len;
    const std::size_t header_len = (bytes[ip] & 0x0f) * 4u;
    const std::size_t total_len = load_be16(&bytes[ip + ipv4::field::total_len]);

    const byte_span header{bytes.data() + ip, header_len};
    const auto kernel_ip = load_be16(&header[ipv4::field::checksum]);
    store_be16(&header[ipv4::field::checksum], 0);
    CHECK(internet_checksum(header) == kernel_ip);

    const byte_span message{bytes.data() + ip + header_len, total_len - header_len};
    const auto kernel_icmp = load_be16(&message[2]);
    store_be16(&message[2], 0);
    CHECK(internet_checksum(message) == kernel_icmp);
  }
}

TEST_CASE("data holding its own correct checksum verifies to zero") {
  rng r{11};
  for (const std::size_t n : {2u, 8u, 20u, 60u, 1480u}) {
    auto data = random_bytes(r, n);
    store_be16(&data[0], 0);
    store_be16(&data[0], internet_checksum(data));
    CAPTURE(n);
    CHECK(internet_checksum(data) == 0);
  }
  // The kernel's own frame, untouched.
  const auto g = load_golden("echo-request");
  CHECK(internet_checksum(const_byte_span{g.bytes}.subspan(ethernet::header_len, 20)) == 0);
}

TEST_CASE("summing in pieces equals summing at once") {
  rng r{3};
  const auto data = random_bytes(r, 301);
  const auto whole = internet_checksum(data);
  const const_byte_span all{data};
  for (std::size_t cut = 0; cut <= data.size(); cut += 2) {
    CAPTURE(cut);
    CHECK(checksum{}.add(all.first(cut)).add(all.subspan(cut)).finish() == whole);
  }
  CHECK(checksum{}.add(all.first(12)).add(all.subspan(12, 100)).add(all.subspan(112)).finish() ==
        whole);
}

TEST_CASE("add16 and add32 sum the same words as add") {
  const std::array<std::uint8_t, 6> data{0x0a, 0x00, 0x00, 0x01, 0x00, 0x11};
  CHECK(checksum{}.add32(0x0a000001).add16(0x0011).finish() == internet_checksum(data));
}

TEST_CASE("RFC 1624's example: eqn. 3 gives 0000 where RFC 1141's gave ffff") {
  // Other header words sum to cd7a; the word m = 5555 changes to 3285.
  CHECK(checksum_update(0xdd2f, 0x5555, 0x3285) == 0x0000);
}

TEST_CASE("an incremental update equals recomputing: TTL decremented in a kernel header") {
  auto bytes = load_golden("echo-request").bytes;
  const byte_span header{bytes.data() + ethernet::header_len, ipv4::min_header_len};
  const auto old_checksum = load_be16(&header[ipv4::field::checksum]);
  const auto old_word = load_be16(&header[ipv4::field::ttl]);
  header[ipv4::field::ttl] -= 1;
  const auto new_word = load_be16(&header[ipv4::field::ttl]);
  store_be16(&header[ipv4::field::checksum], 0);
  CHECK(checksum_update(old_checksum, old_word, new_word) == internet_checksum(header));
}

TEST_CASE("an incremental update equals recomputing for any word changed to any value") {
  rng r{5};
  for (int round = 0; round < 500; ++round) {
    auto data = random_bytes(r, 20);
    store_be16(&data[10], 0);
    const auto before = internet_checksum(data);
    std::size_t at = 2 * r.uniform(0, 9);
    if (at == 10) at = 0;  // the checksum word itself is not covered data
    const auto old_word = load_be16(&data[at]);
    const auto new_word = static_cast<std::uint16_t>(r.next());
    store_be16(&data[at], new_word);
    CAPTURE(round);
    CHECK(checksum_update(before, old_word, new_word) == internet_checksum(data));
  }
}

}  // namespace
}  // namespace tapstack::test
