#pragma once
// Recycled memory for one socket's asynchronous operations and for what they post (completions,
// readiness notices), so that a steady read/write loop allocates nothing per operation. Asio's
// own sockets recycle handler memory per thread, but Boost 1.74 keeps one block per thread there:
// too few for a read, a write and their completions in flight at once. Not a general pool: a
// few blocks, all of the largest size asked so far (operations of one socket differ little).
// handler_allocator is the Allocator that draws on it, used where a handler has no allocator of
// its own (Asio's associated_allocator); it shares ownership of the memory, so a completion still
// queued when its socket is gone frees into live memory. Not thread-safe: one thread (the one
// running the io_context) uses a memory; made with none, the allocator uses the heap, for an
// operation started on another thread. allocated_handler gives a handler one. The runner keeps a
// memory for its own waits.
#include <array>
#include <cstddef>
#include <memory>
#include <utility>

namespace tapstack {

class handler_memory {
 public:
  handler_memory() = default;
  handler_memory(const handler_memory&) = delete;
  handler_memory& operator=(const handler_memory&) = delete;
  ~handler_memory();

  void* allocate(std::size_t size);
  void deallocate(void* p);

 private:
  // A block's size sits in a header before it, so that a block made before the size grew is
  // freed rather than kept.
  struct header {
    alignas(std::max_align_t) std::size_t size;
  };
  static void release(void* p);

  // A read, a write, and the completion each posts before it is freed.
  std::array<void*, 4> free_{};
  std::size_t block_size_ = 0;
};

template <class T>
class handler_allocator {
 public:
  using value_type = T;

  explicit handler_allocator(std::shared_ptr<handler_memory> memory) : memory_{std::move(memory)} {}
  template <class U>
  handler_allocator(const handler_allocator<U>& other) : memory_{other.memory_} {}

  T* allocate(std::size_t n) {
    static_assert(alignof(T) <= alignof(std::max_align_t));
    return static_cast<T*>(memory_ ? memory_->allocate(n * sizeof(T))
                                   : ::operator new(n * sizeof(T)));
  }
  void deallocate(T* p, std::size_t) {
    if (memory_)
      memory_->deallocate(p);
    else
      ::operator delete(p);
  }

  template <class U>
  bool operator==(const handler_allocator<U>& other) const {
    return memory_ == other.memory_;
  }

 private:
  template <class>
  friend class handler_allocator;
  std::shared_ptr<handler_memory> memory_;
};

// A handler whose associated allocator is alloc, so that Asio makes the operation that holds it
// in alloc's memory (Boost 1.74 has no asio::bind_allocator).
template <class Handler, class Alloc>
struct allocated_handler {
  using allocator_type = Alloc;
  allocator_type get_allocator() const noexcept { return alloc; }
  template <class... Args>
  void operator()(Args&&... args) {
    std::move(handler)(std::forward<Args>(args)...);
  }

  Handler handler;
  Alloc alloc;
};

}  // namespace tapstack
