#include "stack/buffers/frame.hpp"

namespace tapstack {

frame frame_pool::kind::take(std::size_t headroom) {
  if (free.empty()) return frame{capacity, headroom};
  frame f = std::move(free.back());
  free.pop_back();
  f.reset(headroom);
  return f;
}

void frame_pool::give(frame&& f) {
  for (kind* k : {&wire_, &large_})
    if (f.capacity() == k->capacity) {
      if (k->free.size() < k->keep) k->free.push_back(std::move(f));
      return;
    }
}

}  // namespace tapstack
