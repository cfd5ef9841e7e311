// The byte ring (TCP's send and receive buffers) and the out-of-order assembler.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "stack/buffers/assembler.hpp"
#include "stack/buffers/byte_ring.hpp"
#include "stack/buffers/chunk_cache.hpp"
#include "tests/support/allocation_counter.hpp"

namespace tapstack::test {
namespace {

std::vector<std::uint8_t> bytes(std::string_view s) { return {s.begin(), s.end()}; }
std::string text(const std::vector<std::uint8_t>& v, std::size_t n) {
  return {v.begin(), v.begin() + static_cast<std::ptrdiff_t>(n)};
}

// A cache that keeps no spares: the rings of the tests below that are about the ring alone take
// every chunk from the heap and free it there.
chunk_cache no_spares{0};

TEST_CASE("a ring keeps order across the wrap and never takes more than its capacity") {
  byte_ring ring{8, no_spares};
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
  byte_ring ring{8, no_spares};
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
  byte_ring ring{8, no_spares};
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
  byte_ring ring{8, no_spares};
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

constexpr std::size_t chunk = byte_ring::chunk_size;

// A byte for each stream offset that does not repeat at any power of two, so a byte copied to or
// from the wrong chunk, or the wrong side of the wrap, shows.
std::uint8_t pattern_byte(std::size_t k) {
  std::uint32_t x = static_cast<std::uint32_t>(k) * 2654435761u;
  x ^= x >> 15;
  return static_cast<std::uint8_t>(x);
}
std::vector<std::uint8_t> pattern(std::size_t from, std::size_t n) {
  std::vector<std::uint8_t> v(n);
  for (std::size_t k = 0; k < n; ++k) v[k] = pattern_byte(from + k);
  return v;
}
// Reads all the ring holds, checking it is the pattern from stream offset from on.
bool reads_pattern(byte_ring& ring, std::size_t from, std::size_t n) {
  std::vector<std::uint8_t> out(n + 1);
  return ring.read(out) == n && std::vector(out.begin(), out.end() - 1) == pattern(from, n);
}

TEST_CASE("a ring allocates nothing until written, and the chunks it writes into") {
  byte_ring ring{256 * 1024, no_spares};
  CHECK(ring.allocated() == 0);
  CHECK(ring.free() == 256 * 1024);
  std::vector<std::uint8_t> out(16);
  CHECK(ring.peek(0, out) == 0);
  ring.consume(0);
  CHECK(ring.allocated() == 0);

  CHECK(ring.write(pattern(0, 1)) == 1);
  CHECK(ring.allocated() == chunk);
  CHECK(ring.write(pattern(1, chunk - 1)) == chunk - 1);  // fills the first chunk exactly
  CHECK(ring.allocated() == chunk);
  CHECK(ring.write(pattern(chunk, 1)) == 1);
  CHECK(ring.allocated() == 2 * chunk);
}

TEST_CASE("a ring frees each chunk once all its bytes are consumed, and holds nothing drained") {
  byte_ring ring{256 * 1024, no_spares};
  CHECK(ring.write(pattern(0, 3 * chunk + 10)) == 3 * chunk + 10);
  CHECK(ring.allocated() == 4 * chunk);
  ring.consume(chunk - 1);  // one byte left in the first chunk keeps it
  CHECK(ring.allocated() == 4 * chunk);
  ring.consume(1);
  CHECK(ring.allocated() == 3 * chunk);
  ring.consume(2 * chunk + 5);
  CHECK(ring.allocated() == chunk);
  std::vector<std::uint8_t> out(5);
  CHECK(ring.peek(0, out) == 5);
  CHECK(out == pattern(3 * chunk + 5, 5));
  CHECK(ring.read(out) == 5);
  CHECK(ring.empty());
  CHECK(ring.allocated() == 0);

  // Drained, a small write starts a chunk afresh rather than straddling two.
  CHECK(ring.write(pattern(0, chunk)) == chunk);
  CHECK(ring.allocated() == chunk);
  CHECK(reads_pattern(ring, 0, chunk));
  CHECK(ring.allocated() == 0);
}

TEST_CASE("a ring smaller than a chunk takes no more than its capacity") {
  byte_ring ring{2048, no_spares};
  CHECK(ring.write(pattern(0, 10)) == 10);
  CHECK(ring.allocated() == 2048);
  CHECK(ring.write(pattern(10, 4000)) == 2038);  // write returns what fit
  CHECK(ring.free() == 0);
  CHECK(ring.write(pattern(0, 1)) == 0);
  CHECK(ring.write_at(0, pattern(0, 1)) == 0);
  CHECK(ring.allocated() == 2048);
  CHECK(reads_pattern(ring, 0, 2048));
  CHECK(ring.allocated() == 0);

  // A capacity that is not a multiple of the chunk ends in a short chunk.
  byte_ring odd{2 * chunk + 100, no_spares};
  CHECK(odd.write(pattern(0, 3 * chunk)) == 2 * chunk + 100);
  CHECK(odd.allocated() == 2 * chunk + 100);
  CHECK(odd.free() == 0);
  odd.consume(2 * chunk);
  CHECK(odd.allocated() == 100);
  CHECK(odd.write(pattern(2 * chunk + 100, 3 * chunk)) == 2 * chunk);  // wraps to the start
  CHECK(odd.allocated() == 2 * chunk + 100);
  CHECK(reads_pattern(odd, 2 * chunk, 2 * chunk + 100));
  CHECK(odd.allocated() == 0);
}

TEST_CASE("write_at far past the data allocates only the chunks it touches, not the gap") {
  byte_ring ring{256 * 1024, no_spares};
  CHECK(ring.write_at(200 * 1024, pattern(200 * 1024, 100)) == 100);  // inside chunk 12
  CHECK(ring.size() == 0);
  CHECK(ring.allocated() == chunk);
  CHECK(ring.write_at(2 * chunk - 50, pattern(2 * chunk - 50, 100)) == 100);  // chunks 1 and 2
  CHECK(ring.allocated() == 3 * chunk);
  CHECK(ring.write(pattern(0, 10)) == 10);
  CHECK(ring.allocated() == 4 * chunk);
  ring.consume(10);  // nothing held, but the first chunk is not all consumed: kept
  CHECK(ring.allocated() == 4 * chunk);
  CHECK(ring.write_at(256 * 1024 - 11, pattern(0, 1)) == 1);  // the ring's last byte
  CHECK(ring.allocated() == 5 * chunk);

  // Filling the gaps brings everything into order, byte for byte.
  CHECK(ring.write_at(0, pattern(10, 2 * chunk - 60)) == 2 * chunk - 60);
  ring.commit(2 * chunk + 40);
  CHECK(ring.size() == 2 * chunk + 40);
  CHECK(ring.write_at(0, pattern(2 * chunk + 50, 200 * 1024 - 2 * chunk - 50)) ==
        200 * 1024 - 2 * chunk - 50);
  ring.commit(200 * 1024 - 2 * chunk - 50 + 100);
  CHECK(ring.allocated() == 14 * chunk);  // chunks 0 to 12, and the last
  CHECK(ring.size() == 200 * 1024 + 100 - 10);
  CHECK(reads_pattern(ring, 10, 200 * 1024 + 100 - 10));
  // Still held past the data: the last byte's chunk, and the one the read position is in.
  CHECK(ring.allocated() == 2 * chunk);
}

TEST_CASE("bytes committed without being written read as zeros and take no memory") {
  byte_ring ring{4 * chunk, no_spares};
  ring.commit(10);
  CHECK(ring.allocated() == 0);
  std::vector<std::uint8_t> out(10, 0xff);
  CHECK(ring.read(out) == 10);
  CHECK(out == std::vector<std::uint8_t>(10, 0));
  CHECK(ring.allocated() == 0);
  CHECK(ring.write(pattern(0, 10)) == 10);
  CHECK(reads_pattern(ring, 0, 10));
  CHECK(ring.allocated() == 0);
}

TEST_CASE("resizing keeps the held bytes and write_at bytes that fit, across chunks and the wrap") {
  byte_ring ring{4 * chunk, no_spares};
  ring.write(pattern(0, 3 * chunk));
  ring.consume(2 * chunk + 100);  // held from stream offset 2 * chunk + 100
  CHECK(ring.write(pattern(3 * chunk, 2 * chunk)) == 2 * chunk);  // wraps into the first chunk
  CHECK(ring.write_at(500, pattern(5 * chunk + 500, 1000)) == 1000);
  const std::size_t held = chunk - 100 + 2 * chunk;
  CHECK(ring.size() == held);
  CHECK(ring.allocated() == 4 * chunk);

  ring.resize(8 * chunk);  // up: all kept, laid out afresh from the start
  CHECK(ring.capacity() == 8 * chunk);
  CHECK(ring.size() == held);
  CHECK(ring.allocated() == 4 * chunk);  // held + gap + write_at bytes end inside chunk 3

  ring.resize(held + 1000);  // down: the write_at bytes past the new end are cut off
  CHECK(ring.capacity() == held + 1000);
  CHECK(ring.free() == 1000);
  CHECK(ring.write_at(0, pattern(5 * chunk, 500)) == 500);
  ring.commit(1000);
  std::vector<std::uint8_t> out(held + 1000);
  CHECK(ring.peek(0, out) == held + 1000);
  CHECK(out == pattern(2 * chunk + 100, held + 1000));
  ring.consume(held);
  ring.resize(1000);  // down to exactly what is held
  CHECK(ring.free() == 0);
  CHECK(ring.allocated() == 1000);
  CHECK(reads_pattern(ring, 5 * chunk, 1000));
  CHECK(ring.allocated() == 0);

  ring.resize(256 * 1024);  // a drained ring stays empty
  CHECK(ring.allocated() == 0);
}

TEST_CASE("resizing keeps write_at bytes past a gap without allocating the gap") {
  byte_ring ring{256 * 1024, no_spares};
  ring.write(pattern(0, 100));
  CHECK(ring.write_at(10 * chunk, pattern(100 + 10 * chunk, 10)) == 10);
  CHECK(ring.allocated() == 2 * chunk);
  ring.resize(512 * 1024);
  CHECK(ring.allocated() == 2 * chunk);
  ring.resize(10 * chunk + 105);  // keeps five of the ten
  CHECK(ring.write_at(0, pattern(100, 10 * chunk)) == 10 * chunk);
  ring.commit(10 * chunk + 5);
  CHECK(ring.free() == 0);
  CHECK(reads_pattern(ring, 0, 10 * chunk + 105));
  CHECK(ring.allocated() == 0);
}

TEST_CASE("whole chunks a ring frees go to the host's cache, up to its bound, and come back") {
  chunk_cache spares{2};
  {
    byte_ring ring{3 * chunk + 100, spares};
    CHECK(ring.write(pattern(0, 3 * chunk + 100)) == 3 * chunk + 100);
    ring.consume(chunk);
    CHECK(spares.spares() == 1);
    // Wrapping into the first chunk again takes the spare, not the heap.
    const auto more = pattern(3 * chunk + 100, chunk);
    start_counting_allocations();
    CHECK(ring.write(more) == chunk);
    CHECK(stop_counting_allocations().calls == 0);
    CHECK(spares.spares() == 0);
    // Drained: its three whole chunks go back, one past the bound to the heap, as does the short
    // last one.
    CHECK(reads_pattern(ring, chunk, 3 * chunk + 100));
    CHECK(ring.allocated() == 0);
    CHECK(spares.spares() == 2);
    CHECK(ring.write(pattern(0, 10)) == 10);
    CHECK(spares.spares() == 1);
  }
  CHECK(spares.spares() == 2);  // a ring that goes gives back what it holds
}

// Drives a ring with a seeded random mix of calls and checks every byte and its memory against a
// plain model: the held bytes in a deque, and what write_at put past them (-1 where nothing was).
void check_against_model(std::size_t capacity, std::uint32_t seed, int steps) {
  CAPTURE(capacity);
  CAPTURE(seed);
  const std::size_t start = capacity;
  chunk_cache spares{3};  // fewer than the rings' chunks: some go back to the heap
  byte_ring ring{capacity, spares};
  std::deque<std::uint8_t> held;
  std::deque<int> ahead(capacity, -1);  // from the end of the held bytes
  std::size_t furthest = 0;             // the end of the last byte ahead that is written
  std::mt19937 rng{seed};
  const auto upto = [&](std::size_t n) { return static_cast<std::size_t>(rng() % (n + 1)); };
  // Mostly segment-sized calls, some spanning chunks.
  const auto length = [&] { return rng() % 4 == 0 ? upto(3 * chunk) : upto(3000); };
  const auto take = [&](std::size_t n) {
    for (std::size_t k = 0; k < n; ++k) {
      held.push_back(static_cast<std::uint8_t>(ahead.front()));
      ahead.pop_front();
      ahead.push_back(-1);
    }
    furthest -= std::min(furthest, n);
  };
  std::size_t stream = 0;  // source of fresh pattern bytes
  for (int step = 0; step < steps; ++step) {
    CAPTURE(step);
    const std::size_t free = capacity - held.size();
    switch (rng() % 7) {
      case 0: {
        const auto data = pattern(stream, length());
        stream += data.size();
        const std::size_t n = std::min(data.size(), free);
        REQUIRE(ring.write(data) == n);
        for (std::size_t k = 0; k < n; ++k) ahead[k] = data[k];
        furthest = std::max(furthest, n);
        take(n);
        break;
      }
      case 1:
      case 2: {
        const std::size_t offset = upto(free + 100);
        const auto data = pattern(stream, length());
        stream += data.size();
        const std::size_t n = offset >= free ? 0 : std::min(data.size(), free - offset);
        REQUIRE(ring.write_at(offset, data) == n);
        for (std::size_t k = 0; k < n; ++k) ahead[offset + k] = data[k];
        if (n > 0) furthest = std::max(furthest, offset + n);
        break;
      }
      case 3: {  // commit only what was written, as the receiver commits what the assembler vouches
        std::size_t known = 0;
        while (known < free && ahead[known] >= 0) ++known;
        const std::size_t n = rng() % 2 ? known : upto(known);
        ring.commit(n);
        take(n);
        break;
      }
      case 4: {
        const std::size_t offset = upto(held.size());
        std::vector<std::uint8_t> out(length());
        const std::size_t n = std::min(out.size(), held.size() - offset);
        REQUIRE(ring.peek(offset, out) == n);
        REQUIRE(std::equal(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n),
                           held.begin() + static_cast<std::ptrdiff_t>(offset)));
        break;
      }
      case 5: {
        std::vector<std::uint8_t> out(length());
        const std::size_t n = std::min(out.size(), held.size());
        if (rng() % 2) {
          REQUIRE(ring.read(out) == n);
          REQUIRE(
              std::equal(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n), held.begin()));
        } else {
          ring.consume(n);
        }
        held.erase(held.begin(), held.begin() + static_cast<std::ptrdiff_t>(n));
        break;
      }
      case 6: {
        if (rng() % 8) break;  // rarely: resize to between what is held and twice the start
        const std::size_t to = held.size() + upto(2 * start - held.size());
        ring.resize(to);
        ahead.resize(std::min(ahead.size(), to - held.size()));
        ahead.resize(to, -1);
        furthest = std::min(furthest, to - held.size());
        capacity = to;
        break;
      }
    }
    REQUIRE(ring.capacity() == capacity);
    REQUIRE(ring.size() == held.size());
    REQUIRE(ring.free() == capacity - held.size());
    REQUIRE(ring.empty() == held.empty());
    // Memory follows use: every held byte is in a chunk, only the chunks the bytes up to the last
    // one written touch are kept (a wrap past a short last chunk touches one more), and a drained
    // ring holds nothing.
    const std::size_t reach = held.size() + furthest;
    const std::size_t touched = reach / chunk + 2 + (capacity % chunk != 0 ? 1 : 0);
    REQUIRE(ring.allocated() >= held.size());
    REQUIRE(ring.allocated() <= std::min(capacity, touched * chunk));
    REQUIRE((ring.allocated() == 0) == (reach == 0));
    REQUIRE(spares.spares() <= 3);
  }
  std::vector<std::uint8_t> out(held.size());
  REQUIRE(ring.read(out) == held.size());
  REQUIRE(std::equal(out.begin(), out.end(), held.begin()));
}

TEST_CASE("a ring matches a plain model byte for byte through random writes, gaps and wraps") {
  check_against_model(2048, 1, 3000);             // smaller than a chunk
  check_against_model(3 * chunk + 100, 2, 3000);  // ends in a short chunk
  check_against_model(4 * chunk, 3, 3000);        // an exact number of chunks
  check_against_model(256 * 1024, 4, 1000);       // TCP's default
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
