#pragma once
// A device decorator that prints one line per frame in and out, in tcpdump notation with the
// host's own time: "0.001234 in  IP 10.0.0.1 > 10.0.0.2: ICMP echo request, id 7, seq 1, length
// 64". For watching a host live (--trace); the stream outlives the tracer.
#include <optional>
#include <ostream>

#include "drivers/device_decorator.hpp"

namespace tapstack {

class tracer final : public device_decorator {
 public:
  tracer(device& inner, std::ostream& out, bool link_level = false)
      : device_decorator{inner}, out_{out}, link_level_{link_level} {}

  std::size_t receive_offloaded(byte_span out, frame_meta& meta, instant now) override;
  bool transmit_offloaded(const_byte_span frame, const frame_meta& meta, instant now) override;
  void flush() override;

 private:
  void print(const char* direction, const_byte_span frame, const frame_meta& meta, instant now);

  std::ostream& out_;
  bool link_level_;
};

}  // namespace tapstack
