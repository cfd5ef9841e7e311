#pragma once
// A device decorator that prints one line per frame in and out, in tcpdump notation with the
// host's own time: "0.001234 in  IP 10.0.0.1 > 10.0.0.2: ICMP echo request, id 7, seq 1, length
// 64". For watching a host live (--trace); the stream outlives the tracer.
#include <optional>
#include <ostream>

#include "stack/device.hpp"

namespace tapstack {

class tracer final : public device {
 public:
  tracer(device& inner, std::ostream& out, bool link_level = false)
      : inner_{inner}, out_{out}, link_level_{link_level} {}

  std::size_t receive(byte_span out, instant now) override;
  bool transmit(const_byte_span frame, instant now) override;
  int wait_handle() const override { return inner_.wait_handle(); }
  std::optional<instant> next_deadline() const override { return inner_.next_deadline(); }
  void flush() override;

 private:
  void print(const char* direction, const_byte_span frame, instant now);

  device& inner_;
  std::ostream& out_;
  bool link_level_;
};

}  // namespace tapstack
