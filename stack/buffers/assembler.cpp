#include "stack/buffers/assembler.hpp"

#include <algorithm>

namespace tapstack {

bool assembler::add(std::size_t offset, std::size_t len) {
  if (len == 0) return true;
  range added{offset, offset + len};
  // The first range that ends at or after the new one's start may touch it; merge forward.
  auto first = std::lower_bound(ranges_.begin(), ranges_.end(), added.begin,
                                [](const range& r, std::size_t at) { return r.end < at; });
  auto last = first;
  while (last != ranges_.end() && last->begin <= added.end) {
    added.begin = std::min(added.begin, last->begin);
    added.end = std::max(added.end, last->end);
    ++last;
  }
  if (first == last) {
    if (ranges_.size() >= max_ranges_) return false;
    ranges_.insert(first, added);
    return true;
  }
  *first = added;
  ranges_.erase(first + 1, last);
  return true;
}

void assembler::advance(std::size_t n) {
  // In place, so that the ranges keep their capacity: every in-order segment passes through here
  // (tcp_input), and a segment must not cost an allocation.
  std::erase_if(ranges_, [n](const range& r) { return r.end <= n; });
  for (range& r : ranges_) r = {r.begin > n ? r.begin - n : 0, r.end - n};
}

}  // namespace tapstack
