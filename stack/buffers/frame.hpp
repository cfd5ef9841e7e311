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

// What crosses the device seam beside a frame's bytes: the state of its transport checksum and
// whether it stands for several wire segments (a Linux tap's virtio_net_hdr, in the stack's
// terms). A plain frame, wire-sized with every checksum in place, has the defaults.
struct frame_meta {
  enum class checksum_state : std::uint8_t {
    complete,  // in place (or to be checked by whoever reads the frame)
    partial,   // the field holds the pseudo-header's sum: the device sums from checksum_start on
    verified,  // received: the device checked it, the stack need not
  };
  checksum_state checksum = checksum_state::complete;
  std::uint16_t checksum_start = 0;   // partial: the transport header's offset in the frame
  std::uint16_t checksum_offset = 0;  // partial: the checksum field's offset in that header
  // TCP payload bytes per wire segment when the frame is a super-segment that the device cuts up
  // (transmit) or that it coalesced (receive); 0: one frame on the wire.
  std::uint16_t segment_size = 0;

  bool plain() const { return checksum == checksum_state::complete && segment_size == 0; }
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
  // A partial checksum's start moves with the front: it counts from the frame's first byte.
  byte_span prepend(std::size_t n) {
    assert(n <= head_);
    head_ -= n;
    len_ += n;
    if (meta.checksum == frame_meta::checksum_state::partial)
      meta.checksum_start = static_cast<std::uint16_t>(meta.checksum_start + n);
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
