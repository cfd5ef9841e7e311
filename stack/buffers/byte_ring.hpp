#pragma once
// A ring of bytes with a fixed capacity: a TCP connection's send buffer (written by the
// application, read at any offset for (re)transmission, consumed as data is acknowledged) and its
// receive buffer (written at offsets past the in-order data while segments arrive out of order,
// read by the application). One allocation at construction, and one more for each resize.
#include <cstddef>
#include <vector>

#include "stack/base/bytes.hpp"

namespace tapstack {

class byte_ring {
 public:
  explicit byte_ring(std::size_t capacity) : storage_(capacity) {}

  std::size_t capacity() const { return storage_.size(); }
  // Bytes held from the read position on.
  std::size_t size() const { return size_; }
  std::size_t free() const { return capacity() - size_; }
  bool empty() const { return size_ == 0; }

  // Appends as much of data as fits; returns how much that was.
  std::size_t write(const_byte_span data);
  // Copies data to offset bytes past the end of what is held, as far as it fits, without making
  // it part of size(): out-of-order data waiting for the gap before it. Returns the bytes stored.
  std::size_t write_at(std::size_t offset, const_byte_span data);
  // Makes n bytes past the end (written with write_at) part of what is held.
  void commit(std::size_t n);

  // Copies up to out.size() bytes starting offset bytes past the read position; returns how many.
  std::size_t peek(std::size_t offset, byte_span out) const;
  // Changes the capacity (at least size()), keeping the bytes held and, as far as they fit, those
  // written past them with write_at.
  void resize(std::size_t capacity);
  // Drops n bytes from the front (acknowledged, or read).
  void consume(std::size_t n);
  // peek(0, out) then consume what was copied.
  std::size_t read(byte_span out);

 private:
  std::vector<std::uint8_t> storage_;
  std::size_t head_ = 0;  // where the held bytes start
  std::size_t size_ = 0;
};

}  // namespace tapstack
