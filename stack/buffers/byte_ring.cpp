#include "stack/buffers/byte_ring.hpp"

#include <algorithm>
#include <cassert>

namespace tapstack {

namespace {

// Walks len bytes of a ring of capacity cap from position pos in at most two contiguous pieces:
// copy(ring offset, offset into the flat side, length).
template <class Copy>
void for_each_piece(std::size_t cap, std::size_t pos, std::size_t len, Copy copy) {
  std::size_t done = 0;
  while (done < len) {
    const std::size_t at = (pos + done) % cap;
    const std::size_t n = std::min(len - done, cap - at);
    copy(at, done, n);
    done += n;
  }
}

}  // namespace

std::size_t byte_ring::write(const_byte_span data) {
  const std::size_t n = write_at(0, data);
  commit(n);
  return n;
}

std::size_t byte_ring::write_at(std::size_t offset, const_byte_span data) {
  if (offset >= free()) return 0;
  const std::size_t n = std::min(data.size(), free() - offset);
  for_each_piece(capacity(), head_ + size_ + offset, n,
                 [&](std::size_t at, std::size_t from, std::size_t len) {
                   std::copy_n(data.begin() + static_cast<std::ptrdiff_t>(from), len,
                               storage_.begin() + static_cast<std::ptrdiff_t>(at));
                 });
  return n;
}

void byte_ring::commit(std::size_t n) {
  assert(n <= free());
  size_ += n;
}

std::size_t byte_ring::peek(std::size_t offset, byte_span out) const {
  if (offset >= size_) return 0;
  const std::size_t n = std::min(out.size(), size_ - offset);
  for_each_piece(capacity(), head_ + offset, n,
                 [&](std::size_t at, std::size_t to, std::size_t len) {
                   std::copy_n(storage_.begin() + static_cast<std::ptrdiff_t>(at), len,
                               out.begin() + static_cast<std::ptrdiff_t>(to));
                 });
  return n;
}

void byte_ring::resize(std::size_t capacity) {
  assert(capacity >= size_);
  std::vector<std::uint8_t> bigger(capacity);
  const std::size_t kept = std::min(capacity, this->capacity());
  for_each_piece(this->capacity(), head_, kept,
                 [&](std::size_t at, std::size_t to, std::size_t len) {
                   std::copy_n(storage_.begin() + static_cast<std::ptrdiff_t>(at), len,
                               bigger.begin() + static_cast<std::ptrdiff_t>(to));
                 });
  storage_ = std::move(bigger);
  head_ = 0;
}

void byte_ring::consume(std::size_t n) {
  assert(n <= size_);
  head_ = capacity() == 0 ? 0 : (head_ + n) % capacity();
  size_ -= n;
}

std::size_t byte_ring::read(byte_span out) {
  const std::size_t n = peek(0, out);
  consume(n);
  return n;
}

}  // namespace tapstack
