// SACK: the sender's scoreboard (RFC 6675 Update, IsLost, SetPipe, NextSeg; RFC 2883 D-SACK
// blocks ignored) and the receiver's choice and order of blocks (RFC 2018 4). Segments are 100
// bytes on the sender's side unless a test says otherwise.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "stack/buffers/assembler.hpp"
#include "stack/tcp/sack_blocks.hpp"
#include "stack/tcp/sack_scoreboard.hpp"

namespace tapstack::test {
namespace {

constexpr sack_scoreboard_config mss_100{.smss = 100, .dup_thresh = 3, .max_ranges = 32};

sack_block blk(std::uint32_t left, std::uint32_t right) { return {seq32{left}, seq32{right}}; }

// An ACK arrives: snd.una and snd.max after it, and its SACK blocks in the order sent.
std::uint32_t ack(sack_scoreboard& sb, std::uint32_t una, std::uint32_t max,
                  const std::vector<sack_block>& blocks = {}) {
  return sb.update(seq32{una}, seq32{max}, blocks);
}

std::string next(const sack_scoreboard& sb, std::uint32_t una, std::uint32_t max, bool new_data) {
  return to_string(sb.next_seg(seq32{una}, seq32{max}, new_data));
}

std::uint32_t pipe(const sack_scoreboard& sb, std::uint32_t una, std::uint32_t max) {
  return sb.pipe(seq32{una}, seq32{max});
}

TEST_CASE("RFC 6675 Update: blocks merge into ranges, and only news counts") {
  sack_scoreboard sb{mss_100};
  CHECK(sb.empty());
  CHECK(ack(sb, 1000, 2000, {blk(1200, 1300)}) == 100);
  CHECK(ack(sb, 1000, 2000, {blk(1300, 1400), blk(1200, 1300)}) == 100);
  CHECK(to_string(sb) == "sacked [1200,1400)");
  CHECK(ack(sb, 1000, 2000, {blk(1100, 1250), blk(1500, 1600)}) == 200);
  CHECK(to_string(sb) == "sacked [1100,1400) [1500,1600)");
  // The same blocks again tell nothing new: in RFC 6675's terms not a duplicate ACK.
  CHECK(ack(sb, 1000, 2000, {blk(1500, 1600), blk(1100, 1400)}) == 0);
  // A block bridging the gap adds only the gap.
  CHECK(ack(sb, 1000, 2000, {blk(1350, 1550)}) == 100);
  CHECK(to_string(sb) == "sacked [1100,1600)");
  CHECK(sb.is_sacked(seq32{1100}));
  CHECK(sb.is_sacked(seq32{1599}));
  CHECK_FALSE(sb.is_sacked(seq32{1099}));
  CHECK_FALSE(sb.is_sacked(seq32{1600}));
  CHECK(sb.highest_sacked() == seq32{1600});
}

TEST_CASE("RFC 6675 Update: what the cumulative ACK passed is forgotten") {
  sack_scoreboard sb{mss_100};
  CHECK(ack(sb, 1000, 2000, {blk(1100, 1200), blk(1300, 1400)}) == 200);
  CHECK(ack(sb, 1150, 2000) == 0);
  CHECK(to_string(sb) == "sacked [1150,1200) [1300,1400)");
  CHECK(ack(sb, 1400, 2000) == 0);
  CHECK(sb.empty());
  CHECK_FALSE(sb.highest_sacked());
}

TEST_CASE("RFC 6675 Update: blocks outside snd.una to snd.max are not believed") {
  sack_scoreboard sb{mss_100};
  CHECK(ack(sb, 1000, 2000,
            {blk(1500, 1600),     // fine
             blk(500, 900),       // all acknowledged already
             blk(1900, 2100),     // reaches past what was sent
             blk(1700, 1650),     // inverted
             blk(1800, 1800),     // empty
             blk(900, 1100)}) ==  // straddles snd.una: only [1000, 1100) is news
        200);
  CHECK(to_string(sb) == "sacked [1000,1100) [1500,1600)");
  CHECK(ack(sb, 1000, 2000, {blk(1900, 2000)}) == 100);  // the right edge may be snd.max
}

TEST_CASE("RFC 2883: a D-SACK first block reports a duplicate, not data held") {
  sack_scoreboard below{mss_100};
  // A first block that starts below the ACK is a D-SACK; read as SACK it would claim [1000,1100).
  CHECK(ack(below, 1000, 2000, {blk(900, 1100)}) == 0);
  CHECK(below.empty());
  CHECK(ack(below, 1000, 2000, {blk(900, 1000), blk(1500, 1600)}) == 100);
  CHECK(to_string(below) == "sacked [1500,1600)");

  sack_scoreboard inside{mss_100};
  // A first block within the second is a D-SACK too. The second here reaches past snd.max and is
  // refused, so anything SACKed could only come from misreading the first.
  CHECK(ack(inside, 1000, 2000, {blk(1520, 1540), blk(1500, 2100)}) == 0);
  CHECK(inside.empty());
}

TEST_CASE("the scoreboard works across the wrap of the sequence space") {
  sack_scoreboard sb{mss_100};
  const std::uint32_t una = 0xffffff00u;  // 256 bytes below the wrap
  const std::uint32_t max = 0x2e8;        // 1000 bytes sent
  CHECK(ack(sb, una, max, {blk(0xffffff80u, 0xffffffc0u)}) == 64);
  CHECK(ack(sb, una, max, {blk(0x80, 0x100)}) == 128);  // after the wrap, so after the first
  CHECK(to_string(sb) == "sacked [4294967168,4294967232) [128,256)");
  CHECK(ack(sb, una, max, {blk(0xffffffc0u, 0x40)}) == 128);
  CHECK(to_string(sb) == "sacked [4294967168,64) [128,256)");
  CHECK(sb.is_sacked(seq32{0xffffffffu}));
  CHECK(sb.is_sacked(seq32{0}));
  CHECK_FALSE(sb.is_sacked(seq32{0x40}));
  CHECK(sb.highest_sacked() == seq32{0x100});
  CHECK(sb.is_lost(seq32{una}));         // 320 bytes SACKed above: more than 2 * SMSS
  CHECK_FALSE(sb.is_lost(seq32{0x40}));  // 128 bytes in one range above
  // [una, 0xffffff80) is lost; [0x40, 0x80) and [0x100, max) are in flight.
  CHECK(pipe(sb, una, max) == 64 + 488);
  CHECK(ack(sb, 0x20, max) == 0);
  CHECK(to_string(sb) == "sacked [32,64) [128,256)");
}

TEST_CASE("the scoreboard keeps a bounded number of ranges, dropping the highest") {
  sack_scoreboard sb{{.smss = 100, .dup_thresh = 3, .max_ranges = 3}};
  CHECK(ack(sb, 1000, 3000, {blk(1100, 1200), blk(1300, 1400), blk(1500, 1600)}) == 300);
  // Full, and the new range would be the highest: it is the one not kept.
  CHECK(ack(sb, 1000, 3000, {blk(1700, 1800)}) == 0);
  CHECK(to_string(sb) == "sacked [1100,1200) [1300,1400) [1500,1600)");
  // A lower one displaces the highest.
  CHECK(ack(sb, 1000, 3000, {blk(1250, 1260)}) == 10);
  CHECK(to_string(sb) == "sacked [1100,1200) [1250,1260) [1300,1400)");
  // Merging needs no room.
  CHECK(ack(sb, 1000, 3000, {blk(1200, 1250)}) == 50);
  CHECK(to_string(sb) == "sacked [1100,1260) [1300,1400)");
}

TEST_CASE("the scoreboard holds memory only while it holds ranges: one block of max_ranges") {
  sack_scoreboard sb{mss_100};
  CHECK(sb.allocated() == 0);
  // ACKs without blocks, and blocks it does not believe, keep nothing.
  CHECK(ack(sb, 1000, 2000) == 0);
  CHECK(ack(sb, 1000, 2000, {blk(1900, 2100)}) == 0);
  CHECK(sb.allocated() == 0);
  const std::size_t block = mss_100.max_ranges * sizeof(sack_block);
  CHECK(ack(sb, 1000, 2000, {blk(1100, 1200)}) == 100);
  CHECK(sb.allocated() == block);
  // As many ranges as it may hold, in the same block.
  for (std::uint32_t left = 1300; left < 1300 + 2 * 31 * 10; left += 20)
    ack(sb, 1000, 2000, {blk(left, left + 10)});
  CHECK(sb.ranges().size() == mss_100.max_ranges);
  CHECK(sb.allocated() == block);
  // Some ranges left: the block stays. None: it goes.
  CHECK(ack(sb, 1250, 2000) == 0);
  CHECK(sb.allocated() == block);
  CHECK(ack(sb, 2000, 2000) == 0);
  CHECK(sb.empty());
  CHECK(sb.allocated() == 0);
  // A timeout's clear frees it too.
  ack(sb, 2000, 3000, {blk(2100, 2200)});
  CHECK(sb.allocated() == block);
  sb.clear();
  CHECK(sb.allocated() == 0);
}

TEST_CASE("RFC 6675 IsLost: DupThresh discontiguous ranges, or more than (DupThresh-1)*SMSS") {
  sack_scoreboard sb{mss_100};
  ack(sb, 1000, 2000, {blk(1100, 1110), blk(1200, 1210), blk(1300, 1310), blk(1400, 1410)});
  CHECK(sb.is_lost(seq32{1000}));        // four ranges above, though only 40 bytes
  CHECK(sb.is_lost(seq32{1150}));        // three
  CHECK_FALSE(sb.is_lost(seq32{1210}));  // two
  CHECK_FALSE(sb.is_lost(seq32{1410}));  // none
  CHECK_FALSE(sb.is_lost(seq32{1105}));  // SACKed, so it arrived, whatever lies above
  CHECK_FALSE(sb.is_lost(seq32{999}));   // acknowledged

  sack_scoreboard bytes{mss_100};
  ack(bytes, 1000, 2000, {blk(1100, 1300)});
  CHECK_FALSE(bytes.is_lost(seq32{1000}));  // exactly 2 * SMSS is not more
  ack(bytes, 1000, 2000, {blk(1300, 1301)});
  CHECK(bytes.is_lost(seq32{1000}));
  bytes.set_smss(1000);
  CHECK_FALSE(bytes.is_lost(seq32{1000}));

  sack_scoreboard eager{{.smss = 100, .dup_thresh = 2, .max_ranges = 32}};
  ack(eager, 1000, 2000, {blk(1100, 1110), blk(1200, 1210)});
  CHECK(eager.is_lost(seq32{1000}));  // where DupThresh 3 wants a third (1210 above)
}

TEST_CASE("RFC 6675 SetPipe: octets in flight, retransmissions counted again") {
  sack_scoreboard sb{mss_100};
  // 1000..1800 sent; 1000, 1200 and 1400 are missing at the receiver.
  ack(sb, 1000, 1800, {blk(1100, 1200), blk(1300, 1400), blk(1500, 1600)});
  CHECK(sb.is_lost(seq32{1000}));
  CHECK_FALSE(sb.is_lost(seq32{1200}));
  // Not lost, so in flight: [1200,1300), [1400,1500) and [1600,1800).
  CHECK(pipe(sb, 1000, 1800) == 400);
  sb.enter_recovery(seq32{1000}, seq32{1800});
  CHECK(pipe(sb, 1000, 1800) == 400);
  sb.on_retransmit(seq32{1000}, 100);  // RFC 6675 5 (4.3)
  CHECK(sb.high_rxt() == seq32{1100});
  CHECK(pipe(sb, 1000, 1800) == 500);  // the original is lost, the copy is in flight
  CHECK(next(sb, 1000, 1800, false) == "retransmit 1200:1300");  // rule (3)
  sb.on_retransmit(seq32{1200}, 100);
  CHECK(pipe(sb, 1000, 1800) == 600);  // original and copy of [1200,1300) may both be in flight
  // The original 1200 segment arrives after all.
  CHECK(ack(sb, 1000, 1800, {blk(1200, 1300)}) == 100);
  CHECK(pipe(sb, 1000, 1800) == 100 + 100 + 200);
  sb.exit_recovery();
  CHECK_FALSE(sb.high_rxt());
  CHECK(pipe(sb, 1000, 1800) == 100 + 200);
}

TEST_CASE("RFC 6675 NextSeg rules (1), (2) and (3): lost holes first, then new data") {
  sack_scoreboard sb{mss_100};
  ack(sb, 1000, 2000, {blk(1100, 1200), blk(1450, 1500), blk(1600, 1700), blk(1800, 1900)});
  sb.enter_recovery(seq32{1000}, seq32{2000});
  sb.on_retransmit(seq32{1000}, 100);  // (4.3)
  // Above HighRxt (1100) the first un-SACKed octet is 1200, with four ranges above it: lost.
  // Rule (1) comes before new data, in SMSS pieces, never into a SACKed range.
  CHECK(next(sb, 1000, 2000, true) == "retransmit 1200:1300");
  sb.on_retransmit(seq32{1200}, 100);
  CHECK(next(sb, 1000, 2000, true) == "retransmit 1300:1400");
  sb.on_retransmit(seq32{1300}, 100);
  CHECK(next(sb, 1000, 2000, true) == "retransmit 1400:1450");
  sb.on_retransmit(seq32{1400}, 50);
  CHECK(sb.high_rxt() == seq32{1450});
  // [1500,1600) has two ranges and 200 bytes above it: not lost. Rule (2): new data first...
  CHECK(next(sb, 1000, 2000, true) == "new data 2000:2100");
  // ... rule (3) when there is none.
  CHECK(next(sb, 1000, 2000, false) == "retransmit 1500:1600");
  sb.on_retransmit(seq32{1500}, 100);
  CHECK(next(sb, 1000, 2000, false) == "retransmit 1700:1800");
  sb.on_retransmit(seq32{1700}, 100);
  // Nothing SACKed above 1900; the rescue must wait until HighACK passes RescueRxt (1100).
  CHECK(next(sb, 1000, 2000, false) == "none");
}

TEST_CASE("RFC 6675 NextSeg rule (4): one rescue retransmission for a loss at the tail") {
  sack_scoreboard sb{mss_100};
  // 1000..2000 sent: 1000, 1100 and 1400 lost, 1800 and 1900 lost at the tail.
  CHECK(ack(sb, 1000, 2000, {blk(1200, 1400), blk(1500, 1800)}) == 500);
  REQUIRE(sb.is_lost(seq32{1000}));
  sb.enter_recovery(seq32{1000}, seq32{2000});
  sb.on_retransmit(seq32{1000}, 100);  // (4.3)
  CHECK(sb.rescue_rxt() == seq32{1100});
  CHECK(next(sb, 1000, 2000, false) == "retransmit 1100:1200");
  sb.on_retransmit(seq32{1100}, 100);
  CHECK(next(sb, 1000, 2000, false) == "retransmit 1400:1500");
  sb.on_retransmit(seq32{1400}, 100);
  // Nothing is SACKed above 1800, so rules (1) and (3) have nothing left, and there is no rescue
  // before (4.3)'s segment is acknowledged...
  CHECK(next(sb, 1000, 2000, false) == "none");
  // ... nor when HighACK (1099) only meets RescueRxt (1099) instead of passing it.
  CHECK(ack(sb, 1100, 2000, {blk(1200, 1400), blk(1500, 1800)}) == 0);
  CHECK(next(sb, 1100, 2000, false) == "none");
  CHECK(ack(sb, 1400, 2000, {blk(1500, 1800)}) == 0);
  CHECK(next(sb, 1400, 2000, true) == "new data 2000:2100");  // rule (2) first
  CHECK(next(sb, 1400, 2000, false) == "rescue 1900:2000");   // ends at the highest un-SACKed
  sb.on_rescue_retransmit();
  CHECK(sb.high_rxt() == seq32{1500});           // HighRxt is not moved by a rescue
  CHECK(sb.rescue_rxt() == seq32{2000});         // RescueRxt = RecoveryPoint
  CHECK(next(sb, 1400, 2000, false) == "none");  // once per recovery
}

TEST_CASE("RFC 6675 NextSeg rule (4): the rescue ends at the highest un-SACKed octet") {
  sack_scoreboard sb{mss_100};
  // 1000..1800 sent: 1000 lost, 1100..1400 arrived, 1400..1700 lost, 1700 arrived.
  ack(sb, 1000, 1800, {blk(1100, 1400), blk(1700, 1800)});
  REQUIRE(sb.is_lost(seq32{1000}));
  sb.enter_recovery(seq32{1000}, seq32{1800});
  sb.on_retransmit(seq32{1000}, 100);  // (4.3)
  // One range of 100 bytes above [1400,1700): not lost, so rule (3) resends it.
  for (std::uint32_t s = 1400; s < 1700; s += 100) {
    REQUIRE(next(sb, 1000, 1800, false) ==
            "retransmit " + std::to_string(s) + ":" + std::to_string(s + 100));
    sb.on_retransmit(seq32{s}, 100);
  }
  CHECK(next(sb, 1000, 1800, false) == "none");
  // (4.3)'s segment is acknowledged; the tail is SACKed, so the highest un-SACKed octet is 1699.
  ack(sb, 1400, 1800, {blk(1700, 1800)});
  CHECK(next(sb, 1400, 1800, false) == "rescue 1600:1700");
}

TEST_CASE("outside recovery NextSeg offers only new data, and retransmissions leave pipe alone") {
  sack_scoreboard sb{mss_100};
  ack(sb, 1000, 2000, {blk(1100, 1200), blk(1300, 1400), blk(1500, 1600)});
  REQUIRE(sb.is_lost(seq32{1000}));
  CHECK(next(sb, 1000, 2000, false) == "none");
  CHECK(next(sb, 1000, 2000, true) == "new data 2000:2100");
  const std::uint32_t before = pipe(sb, 1000, 2000);
  sb.on_retransmit(seq32{1000}, 100);
  CHECK(pipe(sb, 1000, 2000) == before);
  CHECK_FALSE(sb.high_rxt());
}

TEST_CASE("clearing the scoreboard after a timeout forgets every SACK and the recovery") {
  sack_scoreboard sb{mss_100};
  ack(sb, 1000, 2000, {blk(1100, 1200), blk(1300, 1400), blk(1500, 1600)});
  sb.enter_recovery(seq32{1000}, seq32{2000});
  sb.on_retransmit(seq32{1000}, 100);
  sb.clear();
  CHECK(sb.empty());
  CHECK_FALSE(sb.in_recovery());
  CHECK_FALSE(sb.is_sacked(seq32{1150}));
  CHECK_FALSE(sb.is_lost(seq32{1000}));
  CHECK(pipe(sb, 1000, 2000) == 1000);
}

// A receiver as the TCP layer drives one: data is kept in the assembler, what becomes in order is
// delivered (rcv.nxt moves), then the blocks are chosen.
struct receiver {
  explicit receiver(std::uint32_t isn_next, std::size_t max_ranges = 32)
      : rcv_nxt{isn_next}, held{max_ranges} {}

  void arrive(std::uint32_t seq, std::uint32_t len) {
    const seq32 s{seq};
    const std::int64_t offset = s - rcv_nxt;
    const std::int64_t end = offset + len;
    if (end > 0) {
      const std::int64_t begin = offset > 0 ? offset : 0;
      held.add(static_cast<std::size_t>(begin), static_cast<std::size_t>(end - begin));
    }
    if (const std::size_t in_order = held.front(); in_order > 0) {
      held.advance(in_order);
      rcv_nxt += static_cast<std::uint32_t>(in_order);
    }
    sack.on_segment(rcv_nxt, held.ranges(), s, len);
  }

  // "6000-7500 8000-8500"
  std::string blocks(std::size_t n = tcp::max_sack_blocks) const {
    std::string out;
    for (const sack_block& b : sack.blocks(n)) {
      if (!out.empty()) out += ' ';
      out += to_string(b.left) + "-" + to_string(b.right);
    }
    return out;
  }

  seq32 rcv_nxt;
  assembler held;
  sack_blocks sack;
};

TEST_CASE("RFC 2018 4: the example of 500-byte segments from 5000, every other one lost") {
  receiver r{5000};
  r.arrive(5000, 500);
  CHECK(r.rcv_nxt == seq32{5500});
  CHECK(r.blocks().empty());
  r.arrive(6000, 500);
  CHECK(r.blocks() == "6000-6500");
  r.arrive(7000, 500);
  CHECK(r.blocks() == "7000-7500 6000-6500");
  r.arrive(8000, 500);
  CHECK(r.blocks() == "8000-8500 7000-7500 6000-6500");
  // The 4th segment joins two blocks: the joined block comes first, its parts are not repeated.
  r.arrive(6500, 500);
  CHECK(r.blocks() == "6000-7500 8000-8500");
  // The 2nd fills the hole: the ACK moves to 7500, and no block is at or below it.
  r.arrive(5500, 500);
  CHECK(r.rcv_nxt == seq32{7500});
  CHECK(r.blocks() == "8000-8500");
}

TEST_CASE("RFC 2018 4: the most recent blocks first, as many as the ACK has room for") {
  receiver r{1000};
  for (std::uint32_t s = 1100; s <= 1900; s += 200) r.arrive(s, 100);
  CHECK(r.blocks() == "1900-2000 1700-1800 1500-1600 1300-1400");
  CHECK(r.blocks(3) == "1900-2000 1700-1800 1500-1600");  // beside a timestamp option
  // An older block arrives again (a duplicate): the block holding it is reported first.
  r.arrive(1300, 100);
  CHECK(r.blocks() == "1300-1400 1900-2000 1700-1800 1500-1600");
  // A segment that grows a block: the grown one comes first and the old one goes; 1100-1200,
  // which fell off the list, stays off.
  r.arrive(1550, 100);
  CHECK(r.blocks() == "1500-1650 1300-1400 1900-2000 1700-1800");
  // In-order data that also takes in 1100-1200 changes no block...
  r.arrive(1000, 100);
  CHECK(r.rcv_nxt == seq32{1200});
  CHECK(r.blocks() == "1500-1650 1300-1400 1900-2000 1700-1800");
  // ... and data that takes in 1300-1400 removes that one.
  r.arrive(1200, 100);
  CHECK(r.rcv_nxt == seq32{1400});
  CHECK(r.blocks() == "1500-1650 1900-2000 1700-1800");
}

TEST_CASE("RFC 2018 4: a retransmission that fills two holes at once removes both blocks") {
  receiver r{1000};
  for (const std::uint32_t s : {1900u, 1500u, 1700u, 1300u, 1100u}) r.arrive(s, 100);
  CHECK(r.blocks() == "1100-1200 1300-1400 1700-1800 1500-1600");  // 1900-2000 fell off
  r.arrive(1000, 400);  // repacketized: the lost 1000 and 1200 in one segment
  CHECK(r.rcv_nxt == seq32{1400});
  CHECK(r.blocks() == "1700-1800 1500-1600");
}

TEST_CASE("RFC 2018 4: a segment without data reports no block of its own") {
  receiver r{1000};
  r.arrive(1100, 100);
  r.arrive(1300, 100);
  r.arrive(1150, 0);  // a keep-alive probe at snd.nxt - 1, say: no data, no trigger
  CHECK(r.blocks() == "1300-1400 1100-1200");
}

TEST_CASE("RFC 2018 4: blocks across the wrap of the sequence space") {
  receiver r{0xfffffe00u};
  r.arrive(0xffffff00u, 0x100);  // ends at the wrap
  r.arrive(0x100, 0x100);
  CHECK(r.blocks() == "256-512 4294967040-0");
  r.arrive(0, 0x100);  // joins the first block across 0
  CHECK(r.blocks() == "4294967040-512");
  r.arrive(0xfffffe00u, 0x100);  // the hole fills: everything is in order
  CHECK(r.rcv_nxt == seq32{0x200});
  CHECK(r.blocks().empty());
}

TEST_CASE("RFC 2018 4: a segment the receiver could not keep adds no block") {
  receiver r{1000, 2};
  r.arrive(1100, 100);
  r.arrive(1300, 100);
  r.arrive(1500, 100);  // a third range is over the assembler's bound: dropped
  CHECK(r.blocks() == "1300-1400 1100-1200");
  r.sack.clear();
  CHECK(r.sack.empty());
  CHECK(r.blocks().empty());
}

TEST_CASE("RFC 2018 4: no block starts at or below rcv.nxt") {
  // Data at rcv.nxt that was kept but not yet taken in order (the layer may hold it while the
  // receive buffer is full) is covered by no block.
  sack_blocks sack;
  const std::vector<assembler::range> two{{0, 100}, {200, 300}};
  sack.on_segment(seq32{1000}, two, seq32{1200}, 100);
  REQUIRE(sack.blocks(4).size() == 1);
  sack.on_segment(seq32{1000}, two, seq32{1000}, 100);
  CHECK(sack.blocks(4).size() == 1);
  CHECK(sack.blocks(4)[0] == blk(1200, 1300));
  const std::vector<assembler::range> joined{{0, 300}};
  sack.on_segment(seq32{1000}, joined, seq32{1100}, 100);
  CHECK(sack.empty());
}

}  // namespace
}  // namespace tapstack::test
