#include "stack/buffers/byte_ring.hpp"

#include <algorithm>
#include <cassert>
#include <cstring>
#include <utility>

namespace tapstack {

namespace {

// Walks len bytes of a ring of capacity cap from position pos in runs that stay within one chunk:
// visit(chunk index, offset in the chunk, offset on the flat side, length).
template <class Visit>
void for_each_run(std::size_t cap, std::size_t pos, std::size_t len, Visit visit) {
  std::size_t done = 0;
  while (done < len) {
    const std::size_t i = pos / byte_ring::chunk_size;
    const std::size_t at = pos % byte_ring::chunk_size;
    const std::size_t end = std::min(cap, (i + 1) * byte_ring::chunk_size);
    const std::size_t n = std::min(len - done, end - pos);
    visit(i, at, done, n);
    done += n;
    pos += n;
    if (pos == cap) pos = 0;
  }
}

}  // namespace

std::size_t byte_ring::chunk_length(std::size_t i) const {
  return std::min(chunk_size, capacity_ - i * chunk_size);
}

const std::uint8_t* byte_ring::chunk_at(std::size_t i) const {
  return i < chunks_.size() ? chunks_[i].get() : nullptr;
}

std::size_t byte_ring::position(std::size_t offset) const {
  const std::size_t pos = head_ + offset;
  return pos >= capacity_ ? pos - capacity_ : pos;
}

byte_ring::~byte_ring() {
  for (std::size_t i = 0; i < chunks_.size(); ++i)
    if (chunks_[i]) release(i);
}

byte_ring& byte_ring::operator=(byte_ring&& other) noexcept {
  std::swap(capacity_, other.capacity_);
  std::swap(chunks_, other.chunks_);
  std::swap(head_, other.head_);
  std::swap(size_, other.size_);
  std::swap(reach_, other.reach_);
  std::swap(allocated_, other.allocated_);
  std::swap(spares_, other.spares_);
  return *this;
}

void byte_ring::store(std::size_t pos, const_byte_span data) {
  if (chunks_.empty()) chunks_.resize(chunk_count());
  for_each_run(capacity_, pos, data.size(),
               [&](std::size_t i, std::size_t at, std::size_t from, std::size_t len) {
                 if (!chunks_[i]) {
                   const std::size_t n = chunk_length(i);
                   chunks_[i] = n == chunk_size ? spares_->take()
                                                : std::make_unique_for_overwrite<std::uint8_t[]>(n);
                   allocated_ += n;
                 }
                 std::memcpy(chunks_[i].get() + at, data.data() + from, len);
               });
}

void byte_ring::release(std::size_t i) {
  allocated_ -= chunk_length(i);
  if (chunk_length(i) == chunk_size)
    spares_->give(std::move(chunks_[i]));
  else
    chunks_[i].reset();
}

bool byte_ring::in_use(std::size_t i) const {
  if (reach_ == 0) return false;
  const std::size_t begin = i * chunk_size;
  if (head_ >= begin && head_ < begin + chunk_length(i)) return true;
  const std::size_t ahead = begin >= head_ ? begin - head_ : begin + capacity_ - head_;
  return ahead < reach_;
}

std::size_t byte_ring::write(const_byte_span data) {
  const std::size_t n = write_at(0, data);
  commit(n);
  return n;
}

std::size_t byte_ring::write_at(std::size_t offset, const_byte_span data) {
  if (offset >= free()) return 0;
  const std::size_t n = std::min(data.size(), free() - offset);
  if (n == 0) return 0;
  store(position(size_ + offset), data.first(n));
  reach_ = std::max(reach_, size_ + offset + n);
  return n;
}

void byte_ring::commit(std::size_t n) {
  assert(n <= free());
  size_ += n;
  reach_ = std::max(reach_, size_);
}

std::size_t byte_ring::peek(std::size_t offset, byte_span out) const {
  if (offset >= size_) return 0;
  const std::size_t n = std::min(out.size(), size_ - offset);
  for_each_run(capacity_, position(offset), n,
               [&](std::size_t i, std::size_t at, std::size_t to, std::size_t len) {
                 if (const std::uint8_t* c = chunk_at(i))
                   std::memcpy(out.data() + to, c + at, len);
                 else
                   std::memset(out.data() + to, 0, len);
               });
  return n;
}

void byte_ring::resize(std::size_t capacity) {
  assert(capacity >= size_);
  byte_ring next{capacity, *spares_};
  const std::size_t kept = std::min(reach_, capacity);
  for_each_run(capacity_, head_, kept,
               [&](std::size_t i, std::size_t at, std::size_t to, std::size_t len) {
                 if (const std::uint8_t* c = chunk_at(i)) next.store(to, {c + at, len});
               });
  next.size_ = size_;
  next.reach_ = kept;
  *this = std::move(next);
}

void byte_ring::consume(std::size_t n) {
  assert(n <= size_);
  if (n == 0) return;
  const std::size_t from = head_;
  head_ = position(n);
  size_ -= n;
  reach_ -= n;
  for_each_run(capacity_, from, n, [&](std::size_t i, std::size_t, std::size_t, std::size_t) {
    if (chunk_at(i) && !in_use(i)) release(i);
  });
  // Nothing left to keep in place: starting again at a chunk's start lets a small write that
  // follows take one chunk rather than straddle two.
  if (reach_ == 0) head_ = 0;
}

std::size_t byte_ring::read(byte_span out) {
  const std::size_t n = peek(0, out);
  consume(n);
  return n;
}

}  // namespace tapstack
