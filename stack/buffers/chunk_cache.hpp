#pragma once
// A host's spare byte-ring chunks: a ring gives the chunks it drains back here and takes the ones
// it fills from here, so that a connection moving data in steady state does not go to the heap
// for every chunk_size bytes it passes through, while a drained ring still holds nothing
// (byte_ring.hpp). Bounded: a chunk given back past keep_at_most spares is freed, so what a host
// keeps idle is at most keep_at_most chunks, however many connections it has. Only whole chunks
// of byte_ring::chunk_size come and go here.
// One per host, in its host_context: it outlives every ring that uses it.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace tapstack {

class chunk_cache {
 public:
  using chunk = std::unique_ptr<std::uint8_t[]>;

  // Makes room for its spares at once, so that giving a chunk back never allocates.
  explicit chunk_cache(std::size_t keep_at_most);

  // A chunk of byte_ring::chunk_size bytes, uninitialised: a spare if there is one.
  chunk take();
  void give(chunk c);
  std::size_t spares() const { return spare_.size(); }

 private:
  std::size_t keep_;
  std::vector<chunk> spare_;
};

}  // namespace tapstack
