#pragma once
// The SACK receiver's side (RFC 2018 4): which blocks of out-of-order data the next ACK reports,
// and in which order. The first block holds the segment that triggered the ACK; the rest repeat
// the blocks reported most recently, newest first, so that a block survives several lost ACKs.
// What is held comes from the assembler; this class only remembers the order in which blocks were
// reported, in a fixed array (no allocation). Not the sender's scoreboard (sack_scoreboard.hpp)
// and not D-SACK (RFC 2883). One per connection, owned by the TCB; nothing it is given is kept
// by reference.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "stack/base/seq.hpp"
#include "stack/buffers/assembler.hpp"
#include "stack/wire/tcp.hpp"

namespace tapstack {

class sack_blocks {
 public:
  // A segment whose data is [seg_seq, seg_seq + seg_len) arrived and has been dealt with: rcv_nxt
  // and held (the assembler's ranges, offsets from rcv_nxt) are what holds now. If the segment
  // lies beyond rcv_nxt, the held range containing it becomes the first block; one that advanced
  // rcv.nxt, or that the assembler refused, adds none (RFC 2018 4). The blocks remembered from
  // before follow, each grown to the range that now contains it; those the cumulative ACK passed,
  // or that merged into a block already listed, are dropped.
  void on_segment(seq32 rcv_nxt, std::span<const assembler::range> held, seq32 seg_seq,
                  std::uint32_t seg_len);

  // The blocks for the next ACK, at most max_blocks of them: tcp::max_sack_blocks, or one fewer
  // beside a timestamp option. None starts at or below rcv.nxt.
  std::span<const sack_block> blocks(std::size_t max_blocks) const;
  bool empty() const { return count_ == 0; }
  void clear() { count_ = 0; }

 private:
  std::array<sack_block, tcp::max_sack_blocks> recent_{};  // most recently reported first
  std::size_t count_ = 0;
};

}  // namespace tapstack
