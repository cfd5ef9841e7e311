// The byte ring (TCP's send and receive buffers) and the out-of-order assembler.
#include <doctest/doctest.h>

#include <numeric>
#include <string>
#include <vector>

#include "stack/buffers/assembler.hpp"
#include "stack/buffers/byte_ring.hpp"

namespace tapstack::test {
namespace {

std::vector<std::uint8_t> bytes(std::string_view s) { return {s.begin(), s.end()}; }
std::string text(const std::vector<std::uint8_t>& v, std::size_t n) {
  return {v.begin(), v.begin() + static_cast<std::ptrdiff_t>(n)};
}

TEST_CASE("a ring keeps order across the wrap and never takes more than its capacity") {
  byte_ring ring{8};
  CHECK(ring.write(bytes("abcdef")) == 6);
  std::vector<std::uint8_t> out(8);
  CHECK(ring.read(std::span{out}.first(4)) == 4);
  CHECK(text(out, 4) == "abcd");
  CHECK(ring.write(bytes("ghijklmn")) == 6);  // wraps; two bytes do not fit
  CHECK(ring.free() == 0);
  CHECK(ring.read(out) == 8);
  CHECK(text(out, 8) == "efghijkl");
  CHECK(ring.empty());
}

TEST_CASE("peek reads at an offset without consuming (what retransmission needs)") {
  byte_ring ring{8};
  ring.write(bytes("0123456"));
  ring.consume(5);
  ring.write(bytes("789ab"));  // wraps
  std::vector<std::uint8_t> out(4);
  CHECK(ring.peek(1, out) == 4);
  CHECK(text(out, 4) == "6789");
  CHECK(ring.peek(6, out) == 1);
  CHECK(text(out, 1) == "b");
  CHECK(ring.peek(7, out) == 0);
  CHECK(ring.size() == 7);
}

TEST_CASE("write_at holds data past a gap until commit makes it part of the ring") {
  byte_ring ring{8};
  ring.write(bytes("ab"));
  CHECK(ring.write_at(2, bytes("ef")) == 2);  // bytes 4-5 of the stream; 2-3 missing
  CHECK(ring.size() == 2);
  CHECK(ring.write_at(0, bytes("cd")) == 2);
  ring.commit(4);
  std::vector<std::uint8_t> out(8);
  CHECK(ring.read(out) == 6);
  CHECK(text(out, 6) == "abcdef");
  CHECK(ring.write_at(8, bytes("x")) == 0);    // past the free space: nothing
  CHECK(ring.write_at(7, bytes("xyz")) == 1);  // clipped to what fits
}

TEST_CASE("resizing a wrapped ring keeps its bytes and those held past a gap") {
  byte_ring ring{8};
  ring.write(bytes("012345"));
  ring.consume(5);
  ring.write(bytes("6789"));                  // wraps: "56789" held
  CHECK(ring.write_at(1, bytes("bc")) == 2);  // 'a' missing
  ring.resize(16);
  CHECK(ring.capacity() == 16);
  CHECK(ring.free() == 11);
  CHECK(ring.write_at(0, bytes("a")) == 1);
  ring.commit(3);
  std::vector<std::uint8_t> out(16);
  CHECK(ring.read(out) == 8);
  CHECK(text(out, 8) == "56789abc");
  ring.write(bytes("xy"));
  ring.resize(2);  // down to exactly what is held
  CHECK(ring.free() == 0);
  CHECK(ring.read(out) == 2);
  CHECK(text(out, 2) == "xy");
}

TEST_CASE("the assembler merges ranges and says what comes into order") {
  assembler a;
  CHECK(a.add(10, 5));  // [10, 15)
  CHECK(a.add(20, 5));  // [20, 25)
  CHECK(a.front() == 0);
  CHECK(a.ranges() == std::vector<assembler::range>{{10, 15}, {20, 25}});
  CHECK(a.add(15, 5));  // fills the hole between them exactly
  CHECK(a.ranges() == std::vector<assembler::range>{{10, 25}});
  CHECK(a.add(0, 12));  // overlaps the front
  CHECK(a.front() == 25);
  a.advance(25);
  CHECK(a.empty());
}

TEST_CASE("the assembler renumbers from the new in-order point and forgets what is behind it") {
  assembler a;
  a.add(5, 10);  // [5, 15)
  a.add(20, 5);  // [20, 25)
  a.advance(8);  // delivered 8 bytes, some of which the first range held
  CHECK(a.ranges() == std::vector<assembler::range>{{0, 7}, {12, 17}});
  CHECK(a.front() == 7);
}

TEST_CASE("the assembler refuses a range beyond its bound and keeps what it had") {
  assembler a{2};
  CHECK(a.add(10, 1));
  CHECK(a.add(20, 1));
  CHECK_FALSE(a.add(30, 1));
  CHECK(a.add(11, 9));  // joins the two: no new range needed
  CHECK(a.ranges() == std::vector<assembler::range>{{10, 21}});
  CHECK(a.add(0, 0));
}

}  // namespace
}  // namespace tapstack::test
