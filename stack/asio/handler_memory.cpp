#include "stack/asio/handler_memory.hpp"

#include <new>
#include <utility>

namespace tapstack {

handler_memory::~handler_memory() {
  for (void* p : free_)
    if (p) release(p);
}

void* handler_memory::allocate(std::size_t size) {
  if (size > block_size_) {
    // The blocks held are too small from now on.
    block_size_ = size;
    for (void*& p : free_)
      if (p) release(std::exchange(p, nullptr));
  }
  for (void*& p : free_)
    if (p) return std::exchange(p, nullptr);
  auto* h = static_cast<header*>(::operator new(sizeof(header) + block_size_));
  h->size = block_size_;
  return h + 1;
}

void handler_memory::deallocate(void* p) {
  if (static_cast<header*>(p)[-1].size == block_size_)
    for (void*& slot : free_)
      if (!slot) {
        slot = p;
        return;
      }
  release(p);
}

void handler_memory::release(void* p) { ::operator delete(static_cast<header*>(p) - 1); }

}  // namespace tapstack
