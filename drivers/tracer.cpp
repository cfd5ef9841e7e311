#include "drivers/tracer.hpp"

#include "stack/wire/describe.hpp"

namespace tapstack {

std::size_t tracer::receive(byte_span out, instant now) {
  const std::size_t n = inner_.receive(out, now);
  if (n > 0) print("in ", out.first(n), now);
  return n;
}

bool tracer::transmit(const_byte_span frame, instant now) {
  const bool sent = inner_.transmit(frame, now);
  print(sent ? "out" : "out (device full, dropped)", frame, now);
  return sent;
}

void tracer::flush() {
  out_.flush();
  inner_.flush();
}

void tracer::print(const char* direction, const_byte_span frame, instant now) {
  out_ << to_string(now) << ' ' << direction << ' ' << describe_frame(frame, link_level_) << '\n';
}

}  // namespace tapstack
