#include "stack/tcp/sack_scoreboard.hpp"

namespace tapstack {
namespace {

// Octets in [lo, hi), none when the range is empty or inverted.
std::uint32_t span_len(seq32 lo, seq32 hi) {
  return seq_lt(lo, hi) ? static_cast<std::uint32_t>(hi - lo) : 0;
}

std::uint32_t overlap(seq32 a_lo, seq32 a_hi, seq32 b_lo, seq32 b_hi) {
  return span_len(seq_max(a_lo, b_lo), seq_min(a_hi, b_hi));
}

// RFC 2883 4: the first block reports a duplicate when the cumulative ACK already covers its
// start, or when it lies within the second block (the duplicate was part of data held out of
// order).
bool first_is_dsack(std::span<const sack_block> blocks, seq32 snd_una) {
  if (blocks.empty()) return false;
  const sack_block& first = blocks[0];
  if (seq_lt(first.left, snd_una)) return true;
  return blocks.size() > 1 && seq_ge(first.left, blocks[1].left) &&
         seq_le(first.right, blocks[1].right);
}

}  // namespace

sack_scoreboard::sack_scoreboard(const sack_scoreboard_config& c) : config_{c} {}

std::uint32_t sack_scoreboard::update(seq32 snd_una, seq32 snd_max,
                                      std::span<const sack_block> blocks) {
  high_ack_ = snd_una;
  forget_below(snd_una);
  if (recovery_) recovery_->high_rxt = seq_max(recovery_->high_rxt, snd_una);
  std::uint32_t newly_sacked = 0;
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    if (i == 0 && first_is_dsack(blocks, snd_una)) continue;
    const sack_block& b = blocks[i];
    // A block reaching past snd.max reports data we never sent: nothing in it can be trusted.
    if (!seq_lt(b.left, b.right) || !seq_lt(snd_una, b.right) || seq_gt(b.right, snd_max)) {
      continue;
    }
    newly_sacked += add(seq_max(b.left, snd_una), b.right);
  }
  return newly_sacked;
}

void sack_scoreboard::forget_below(seq32 snd_una) {
  std::size_t passed = 0;
  while (passed < ranges_.size() && seq_le(ranges_[passed].right, snd_una)) ++passed;
  ranges_.erase(ranges_.begin(), ranges_.begin() + static_cast<std::ptrdiff_t>(passed));
  if (!ranges_.empty()) ranges_.front().left = seq_max(ranges_.front().left, snd_una);
  release_if_empty();
}

void sack_scoreboard::release_if_empty() {
  if (ranges_.empty()) ranges_ = std::vector<sack_block>{};
}

std::uint32_t sack_scoreboard::add(seq32 left, seq32 right) {
  // The first range that ends at or after the new one's start may touch it; merge forward.
  std::size_t first = 0;
  while (first < ranges_.size() && seq_lt(ranges_[first].right, left)) ++first;
  std::size_t last = first;
  sack_block merged{left, right};
  std::uint32_t already = 0;
  while (last < ranges_.size() && seq_le(ranges_[last].left, right)) {
    already += overlap(left, right, ranges_[last].left, ranges_[last].right);
    merged.left = seq_min(merged.left, ranges_[last].left);
    merged.right = seq_max(merged.right, ranges_[last].right);
    ++last;
  }
  if (first != last) {
    ranges_[first] = merged;
    ranges_.erase(ranges_.begin() + static_cast<std::ptrdiff_t>(first + 1),
                  ranges_.begin() + static_cast<std::ptrdiff_t>(last));
    return span_len(left, right) - already;
  }
  if (ranges_.size() >= config_.max_ranges) {
    // Full: the highest range goes, or the new one if it would be the highest. The low ranges
    // are the ones recovery works on (IsLost of the first holes, NextSeg from HighRxt up), while
    // the receiver keeps repeating its recent blocks, so what is dropped from the top returns.
    // Forgetting a SACK is safe: at worst that data is resent; it is never freed before the
    // cumulative ACK covers it.
    if (first == ranges_.size()) return 0;
    ranges_.pop_back();
  }
  if (ranges_.capacity() == 0) ranges_.reserve(config_.max_ranges);
  ranges_.insert(ranges_.begin() + static_cast<std::ptrdiff_t>(first), merged);
  return span_len(left, right);
}

bool sack_scoreboard::lost_with(std::size_t ranges_above, std::uint64_t bytes_above) const {
  return ranges_above >= config_.dup_thresh ||
         bytes_above > std::uint64_t{config_.dup_thresh - 1} * config_.smss;
}

bool sack_scoreboard::is_lost(seq32 seq) const {
  if (high_ack_ && seq_lt(seq, *high_ack_)) return false;
  std::size_t ranges_above = 0;
  std::uint64_t bytes_above = 0;
  for (const sack_block& r : ranges_) {
    if (seq_in_window(seq, r.left, r.right)) return false;
    if (seq_gt(r.left, seq)) {
      ++ranges_above;
      bytes_above += span_len(r.left, r.right);
    }
  }
  return lost_with(ranges_above, bytes_above);
}

std::uint32_t sack_scoreboard::pipe(seq32 snd_una, seq32 snd_max) const {
  // Every octet of one hole (the un-SACKed stretch below a range, or above the highest one) has
  // the same ranges above it, so IsLost is decided once per hole. Walking down from the top
  // gathers the ranges above as it goes.
  const seq32 retransmitted_end = recovery_ ? recovery_->high_rxt : snd_una;
  std::uint64_t total = 0;
  std::size_t ranges_above = 0;
  std::uint64_t bytes_above = 0;
  seq32 hole_end = snd_max;
  auto count_hole = [&](seq32 lo, seq32 hi) {
    lo = seq_max(lo, snd_una);
    hi = seq_min(hi, snd_max);
    if (!lost_with(ranges_above, bytes_above)) total += span_len(lo, hi);
    total += overlap(lo, hi, snd_una, retransmitted_end);
  };
  for (std::size_t i = ranges_.size(); i-- > 0;) {
    count_hole(ranges_[i].right, hole_end);
    ++ranges_above;
    bytes_above += span_len(ranges_[i].left, ranges_[i].right);
    hole_end = ranges_[i].left;
  }
  count_hole(snd_una, hole_end);
  return static_cast<std::uint32_t>(total);
}

next_segment sack_scoreboard::next_seg(seq32 snd_una, seq32 snd_max,
                                       bool new_data_available) const {
  const next_segment new_data{next_seg_kind::new_data, snd_max, config_.smss};
  const next_segment nothing{};
  if (!recovery_) return new_data_available ? new_data : nothing;

  // Rules (1) and (3) both want the lowest un-SACKed octet above HighRxt (1.a) with something
  // SACKed above it (1.b). IsLost only weakens as the octet rises, so if that octet is not lost,
  // no higher one is: one candidate decides both rules.
  seq32 from = seq_max(recovery_->high_rxt, snd_una);
  std::size_t above = 0;  // the first range wholly above `from`
  while (above < ranges_.size() && seq_le(ranges_[above].left, from)) {
    from = seq_max(from, ranges_[above].right);
    ++above;
  }
  std::optional<next_segment> candidate;
  if (above < ranges_.size() && seq_lt(from, snd_max)) {
    const seq32 end = seq_min(from + config_.smss, ranges_[above].left);
    candidate = next_segment{next_seg_kind::retransmit, from, span_len(from, end)};
    std::uint64_t bytes_above = 0;
    for (std::size_t i = above; i < ranges_.size(); ++i) {
      bytes_above += span_len(ranges_[i].left, ranges_[i].right);
    }
    if (lost_with(ranges_.size() - above, bytes_above)) return *candidate;  // rule (1)
  }
  if (new_data_available) return new_data;  // rule (2)
  if (candidate) return *candidate;         // rule (3)

  // Rule (4): once per recovery, after HighACK passed RescueRxt, resend the segment that ends
  // with the highest un-SACKed octet, so that a loss at the tail is repaired without a timeout.
  const auto& rescue = recovery_->rescue_rxt;
  if (rescue && !seq_gt(snd_una, *rescue)) return nothing;
  seq32 hole_end = snd_max;
  for (std::size_t i = ranges_.size(); i-- > 0;) {
    if (seq_lt(ranges_[i].right, hole_end)) {
      const seq32 start = seq_max(ranges_[i].right, hole_end - config_.smss);
      return {next_seg_kind::rescue, start, span_len(start, hole_end)};
    }
    hole_end = ranges_[i].left;
  }
  if (seq_lt(snd_una, hole_end)) {
    const seq32 start = seq_max(snd_una, hole_end - config_.smss);
    return {next_seg_kind::rescue, start, span_len(start, hole_end)};
  }
  return nothing;
}

void sack_scoreboard::enter_recovery(seq32 snd_una, seq32 snd_max) {
  recovery_ = recovery{.recovery_point = snd_max, .high_rxt = snd_una, .rescue_rxt = {}};
}

void sack_scoreboard::exit_recovery() { recovery_.reset(); }

void sack_scoreboard::on_retransmit(seq32 seq, std::uint32_t len) {
  if (!recovery_) return;
  const seq32 end = seq + len;
  recovery_->high_rxt = seq_max(recovery_->high_rxt, end);
  if (!recovery_->rescue_rxt) recovery_->rescue_rxt = end;  // (4.3)
}

void sack_scoreboard::on_rescue_retransmit() {
  if (recovery_) recovery_->rescue_rxt = recovery_->recovery_point;
}

bool sack_scoreboard::is_sacked(seq32 seq) const {
  for (const sack_block& r : ranges_) {
    if (seq_in_window(seq, r.left, r.right)) return true;
  }
  return false;
}

std::optional<seq32> sack_scoreboard::highest_sacked() const {
  if (ranges_.empty()) return std::nullopt;
  return ranges_.back().right;
}

void sack_scoreboard::clear() {
  ranges_.clear();
  release_if_empty();
  recovery_.reset();
}

std::optional<seq32> sack_scoreboard::high_rxt() const {
  if (!recovery_) return std::nullopt;
  return recovery_->high_rxt;
}

std::optional<seq32> sack_scoreboard::rescue_rxt() const {
  if (!recovery_) return std::nullopt;
  return recovery_->rescue_rxt;
}

std::string to_string(const next_segment& n) {
  std::string what;
  switch (n.kind) {
    case next_seg_kind::none:
      return "none";
    case next_seg_kind::retransmit:
      what = "retransmit";
      break;
    case next_seg_kind::new_data:
      what = "new data";
      break;
    case next_seg_kind::rescue:
      what = "rescue";
      break;
  }
  return what + " " + to_string(n.seq) + ":" + to_string(n.seq + n.len);
}

std::string to_string(const sack_scoreboard& s) {
  std::string out = "sacked";
  if (s.empty()) out += " none";
  for (const sack_block& r : s.ranges()) {
    out += " [" + to_string(r.left) + "," + to_string(r.right) + ")";
  }
  if (const auto h = s.high_rxt()) out += " high_rxt " + to_string(*h);
  if (const auto r = s.rescue_rxt()) out += " rescue_rxt " + to_string(*r);
  return out;
}

}  // namespace tapstack
