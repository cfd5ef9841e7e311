#pragma once
// The out-of-order range assembler: which byte ranges past the in-order point a receiver holds,
// so TCP can keep segments that arrive ahead of a gap (and report them as SACK blocks) and know
// how much becomes in order when the gap fills. Offsets count from the in-order point. A bounded
// number of separate ranges (each one a hole a peer could make us track); beyond it new ranges are
// refused, and the data is dropped rather than the bound grown.
#include <cstddef>
#include <vector>

namespace tapstack {

class assembler {
 public:
  struct range {
    std::size_t begin;
    std::size_t end;  // one past the last byte
    friend bool operator==(const range&, const range&) = default;
  };

  explicit assembler(std::size_t max_ranges = 32) : max_ranges_{max_ranges} {}

  // Records [offset, offset + len), merging with what it touches or overlaps. False, and nothing
  // changed, when it would need a range beyond the bound.
  bool add(std::size_t offset, std::size_t len);
  // The in-order point moves forward by n bytes (data at the front was delivered or arrived in
  // order); ranges are renumbered, and what they held before the new point is forgotten.
  void advance(std::size_t n);
  // Bytes held contiguously from offset 0: what becomes in order now.
  std::size_t front() const {
    return ranges_.empty() || ranges_[0].begin != 0 ? 0 : ranges_[0].end;
  }

  const std::vector<range>& ranges() const { return ranges_; }
  bool empty() const { return ranges_.empty(); }

 private:
  std::size_t max_ranges_;
  std::vector<range> ranges_;  // sorted, disjoint and not touching
};

}  // namespace tapstack
