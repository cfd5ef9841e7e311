#include "stack/tcp/sack_blocks.hpp"

#include <algorithm>
#include <optional>

namespace tapstack {
namespace {

// The held range that holds octet `at`, as a block. None when `at` is at or below rcv.nxt (the
// ACK covers it: a segment that starts there advanced rcv.nxt, or repeated old data), when nothing
// holds it (the assembler refused it), or when the range starts at rcv.nxt (kept but not yet taken
// in order: the ACK is about to cover it, and RFC 2018 blocks report only data beyond it).
std::optional<sack_block> holding(seq32 rcv_nxt, std::span<const assembler::range> held, seq32 at) {
  if (!seq_gt(at, rcv_nxt)) return std::nullopt;
  const auto offset = static_cast<std::size_t>(at - rcv_nxt);
  for (const assembler::range& r : held) {
    if (r.begin <= offset && offset < r.end) {
      if (r.begin == 0) return std::nullopt;
      return sack_block{rcv_nxt + static_cast<std::uint32_t>(r.begin),
                        rcv_nxt + static_cast<std::uint32_t>(r.end)};
    }
  }
  return std::nullopt;
}

}  // namespace

void sack_blocks::on_segment(seq32 rcv_nxt, std::span<const assembler::range> held, seq32 seg_seq,
                             std::uint32_t seg_len) {
  std::array<sack_block, tcp::max_sack_blocks> next{};
  std::size_t n = 0;
  auto push = [&](std::optional<sack_block> b) {
    if (!b || n == next.size()) return;
    if (std::find(next.begin(), next.begin() + static_cast<std::ptrdiff_t>(n), *b) !=
        next.begin() + static_cast<std::ptrdiff_t>(n)) {
      return;
    }
    next[n++] = *b;
  };
  if (seg_len > 0) push(holding(rcv_nxt, held, seg_seq));
  for (std::size_t i = 0; i < count_; ++i) {
    push(holding(rcv_nxt, held, recent_[i].left));
  }
  recent_ = next;
  count_ = n;
}

std::span<const sack_block> sack_blocks::blocks(std::size_t max_blocks) const {
  return {recent_.data(), std::min(count_, max_blocks)};
}

}  // namespace tapstack
