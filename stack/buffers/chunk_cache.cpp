#include "stack/buffers/chunk_cache.hpp"

#include "stack/buffers/byte_ring.hpp"

namespace tapstack {

chunk_cache::chunk_cache(std::size_t keep_at_most) : keep_{keep_at_most} { spare_.reserve(keep_); }

chunk_cache::chunk chunk_cache::take() {
  if (spare_.empty()) return std::make_unique_for_overwrite<std::uint8_t[]>(byte_ring::chunk_size);
  chunk c = std::move(spare_.back());
  spare_.pop_back();
  return c;
}

void chunk_cache::give(chunk c) {
  if (spare_.size() < keep_) spare_.push_back(std::move(c));
}

}  // namespace tapstack
