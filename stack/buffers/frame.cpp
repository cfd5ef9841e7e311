#include "stack/buffers/frame.hpp"

namespace tapstack {

frame frame_pool::take(std::size_t headroom) {
  if (free_.empty()) return frame{capacity_, headroom};
  frame f = std::move(free_.back());
  free_.pop_back();
  f.reset(headroom);
  return f;
}

void frame_pool::give(frame&& f) {
  if (free_.size() < keep_ && f.capacity() == capacity_) free_.push_back(std::move(f));
}

}  // namespace tapstack
