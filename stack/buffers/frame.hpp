#pragma once
// A frame under construction or on its way out: contiguous bytes with headroom in front, so each
// layer prepends its header in place without copying the payload. The metadata beside the bytes is
// where offload hints (checksum still to do, segmentation size) will live. Move-only; frames are
// recycled through a frame_pool so the steady state allocates nothing.
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "stack/base/bytes.hpp"

namespace tapstack {

struct frame_meta {
  bool checksum_needed = false;  // a later offload path leaves the transport checksum to the device
  std::uint16_t segment_size = 0;  // 0: one frame on the wire
};

class frame {
 public:
  frame() = default;
  frame(std::size_t capacity, std::size_t headroom) : storage_(capacity), head_{headroom} {
    assert(headroom <= capacity);
  }
  frame(frame&&) noexcept = default;
  frame& operator=(frame&&) noexcept = default;
  frame(const frame&) = delete;
  frame& operator=(const frame&) = delete;

  byte_span bytes() { return {storage_.data() + head_, len_}; }
  const_byte_span bytes() const { return {storage_.data() + head_, len_}; }
  std::size_t size() const { return len_; }
  std::size_t headroom() const { return head_; }

  // Sets the length of the content that starts at the current head.
  void resize(std::size_t len) {
    assert(len <= storage_.size() - head_);
    len_ = len;
  }
  // Grows the content at the front by n bytes and returns them, for a header to be written into.
  byte_span prepend(std::size_t n) {
    assert(n <= head_);
    head_ -= n;
    len_ += n;
    return {storage_.data() + head_, n};
  }
  // Empties the frame and places the head headroom bytes in.
  void reset(std::size_t headroom) {
    assert(headroom <= storage_.size());
    head_ = headroom;
    len_ = 0;
    meta = {};
  }
  std::size_t capacity() const { return storage_.size(); }

  frame_meta meta;

 private:
  std::vector<std::uint8_t> storage_;
  std::size_t head_ = 0;
  std::size_t len_ = 0;
};

// Hands out frames of one capacity and takes them back. Frames it gives are independent objects:
// one dropped instead of returned is simply freed.
class frame_pool {
 public:
  frame_pool(std::size_t frame_capacity, std::size_t keep_at_most)
      : capacity_{frame_capacity}, keep_{keep_at_most} {}

  // An empty frame whose head is headroom bytes in.
  frame take(std::size_t headroom);
  void give(frame&& f);
  std::size_t frame_capacity() const { return capacity_; }

 private:
  std::size_t capacity_;
  std::size_t keep_;
  std::vector<frame> free_;
};

}  // namespace tapstack
