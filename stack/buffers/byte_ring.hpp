#pragma once
// A ring of bytes with a capacity: a TCP connection's send buffer (written by the application, read
// at any offset for (re)transmission, consumed as data is acknowledged) and its receive buffer
// (written at offsets past the in-order data while segments arrive out of order, read by the
// application). Not a general container, and not the out-of-order bookkeeping: which bytes past
// the held data are valid is the assembler's to know.
//
// Memory follows use (DESIGN rule 11): the capacity is only a limit, and construction allocates
// nothing. Ring positions are cut into chunks of chunk_size bytes (the last one shorter when the
// capacity is not a multiple), so a ring never holds more than its capacity. A chunk is taken,
// uninitialised, when a byte is first written into it (write_at far past the data takes only the
// chunks it touches, not the gap) and given back as soon as no byte held or written past the held
// data is left in it: a drained ring holds no chunk. Whole chunks come from the host's chunk_cache
// and go back to it, so that a ring draining and filling again in steady state does not go to the
// heap each time; a last chunk shorter than chunk_size comes from the heap and goes back there.
// The chunk pointers live in an index of one slot per chunk of capacity (8 bytes per 16 KiB),
// made at the first write and kept until resize or destruction, for the same reason.
// Lifetime: spans passed in are copied at once and never kept. The ring owns its chunks and gives
// them back to the cache when it goes, so the cache outlives it; it moves and does not copy.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "stack/base/bytes.hpp"
#include "stack/buffers/chunk_cache.hpp"

namespace tapstack {

class byte_ring {
 public:
  // 16 KiB: small enough that a lightly used connection (a request, a reply) holds one chunk per
  // direction instead of its whole 256 KiB buffer, large enough that bulk transfer does not notice
  // the chunks: with 1448-byte segments one copy in eleven splits in two at a boundary, and taking
  // and giving back a chunk per 16 KiB is nothing against copying them, even as a malloc/free pair
  // (~25 ns in glibc, under its mmap threshold, so no system call or page fault). Measured through
  // a 256 KiB ring in 1448-byte segments: about as fast as the flat ring it replaced (~25 GB/s)
  // while data stays held, where 4 KiB chunks lost a fifth and 64 KiB gained nothing. A power of
  // two, so a position splits into chunk and offset with a shift and a mask.
  static constexpr std::size_t chunk_size = 16 * 1024;

  byte_ring(std::size_t capacity, chunk_cache& spares) : capacity_{capacity}, spares_{&spares} {}
  ~byte_ring();
  byte_ring(byte_ring&&) noexcept = default;
  // Swaps, so that the ring moved from gives this one's chunks back when it goes.
  byte_ring& operator=(byte_ring&& other) noexcept;

  std::size_t capacity() const { return capacity_; }
  // Bytes held from the read position on.
  std::size_t size() const { return size_; }
  std::size_t free() const { return capacity_ - size_; }
  bool empty() const { return size_ == 0; }
  // Bytes of chunk memory held now (not counting the index): what the host reports as this ring's
  // memory. 0 when nothing is held or written past the held data; never more than capacity().
  std::size_t allocated() const { return allocated_; }

  // Appends as much of data as fits; returns how much that was.
  std::size_t write(const_byte_span data);
  // Copies data to offset bytes past the end of what is held, as far as it fits, without making
  // it part of size(): out-of-order data waiting for the gap before it. Returns the bytes stored.
  std::size_t write_at(std::size_t offset, const_byte_span data);
  // Makes n bytes past the end (written with write_at) part of what is held. Bytes committed
  // without ever being written read as zeros where no chunk holds them.
  void commit(std::size_t n);

  // Copies up to out.size() bytes starting offset bytes past the read position; returns how many.
  std::size_t peek(std::size_t offset, byte_span out) const;
  // Changes the capacity (at least size()), keeping the bytes held and, as far as they fit, those
  // written past them with write_at. Copies what it keeps into chunks laid out for the new
  // capacity, so for a moment both sets are held.
  void resize(std::size_t capacity);
  // Drops n bytes from the front (acknowledged, or read), freeing the chunks this empties.
  void consume(std::size_t n);
  // peek(0, out) then consume what was copied.
  std::size_t read(byte_span out);

 private:
  using chunk = chunk_cache::chunk;

  std::size_t chunk_count() const { return (capacity_ + chunk_size - 1) / chunk_size; }
  std::size_t chunk_length(std::size_t i) const;
  // Chunk i's bytes, or null if it holds none (or the index is not made yet).
  const std::uint8_t* chunk_at(std::size_t i) const;
  // The ring position offset bytes past the read position (offset <= capacity).
  std::size_t position(std::size_t offset) const;
  // Copies data to the ring from position pos on, taking the chunks it lands in.
  void store(std::size_t pos, const_byte_span data);
  // Gives chunk i back (to the cache if it is whole).
  void release(std::size_t i);
  // Whether chunk i holds any of the reach_ bytes from the read position on.
  bool in_use(std::size_t i) const;

  std::size_t capacity_;
  // Chunk i holds positions [i * chunk_size, (i + 1) * chunk_size), or is null while none of them
  // is in use; the index is empty until the first write.
  std::vector<chunk> chunks_;
  std::size_t head_ = 0;  // where the held bytes start
  std::size_t size_ = 0;
  // From the read position, the end of the furthest byte held or written with write_at: every
  // allocated chunk lies within it, and a chunk left wholly outside it is freed.
  std::size_t reach_ = 0;
  std::size_t allocated_ = 0;
  chunk_cache* spares_;
};

}  // namespace tapstack
