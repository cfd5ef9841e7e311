#pragma once
// What a decorator that watches frames go by (tracer, pcap recorder) shares: it wraps an inner
// device and hands every frame on with its metadata. Its plain calls are its offloaded ones with
// plain metadata; the descriptor, the deadline and the offloads are the inner device's.
#include <optional>

#include "stack/device.hpp"

namespace tapstack {

class device_decorator : public device {
 public:
  explicit device_decorator(device& inner) : inner_{inner} {}

  std::size_t receive(byte_span out, instant now) final {
    frame_meta meta;
    return receive_offloaded(out, meta, now);
  }
  bool transmit(const_byte_span frame, instant now) final {
    return transmit_offloaded(frame, {}, now);
  }
  int wait_handle() const override { return inner_.wait_handle(); }
  std::optional<std::size_t> read_header_size() const override { return inner_.read_header_size(); }
  void landed(const_byte_span header, const_byte_span frame) override {
    inner_.landed(header, frame);
  }
  std::optional<instant> next_deadline() const override { return inner_.next_deadline(); }
  device_offloads offloads() const override { return inner_.offloads(); }

 protected:
  device& inner_;
};

}  // namespace tapstack
