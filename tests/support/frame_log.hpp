#pragma once
// A device decorator for tests that keeps a copy of every frame its host transmits while keeping
// is set: what left a host during a short exchange (how many segments, what each carried). Not
// for bulk transfers, whose every frame it would hold. Frames pass through unchanged.
#include <optional>
#include <vector>

#include "stack/device.hpp"
#include "tests/support/frames.hpp"

namespace tapstack::test {

class frame_log final : public device {
 public:
  explicit frame_log(device& inner) : inner_{inner} {}

  std::size_t receive(byte_span out, instant now) override { return inner_.receive(out, now); }
  bool transmit(const_byte_span frame, instant now) override {
    const bool taken = inner_.transmit(frame, now);
    if (taken && keeping) sent.emplace_back(frame.begin(), frame.end());
    return taken;
  }
  int wait_handle() const override { return inner_.wait_handle(); }
  std::optional<instant> next_deadline() const override { return inner_.next_deadline(); }
  void flush() override { inner_.flush(); }

  bool keeping = false;
  std::vector<byte_vector> sent;

 private:
  device& inner_;
};

}  // namespace tapstack::test
