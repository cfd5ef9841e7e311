#include "drivers/tracer.hpp"

#include <string>

#include "stack/wire/describe.hpp"

namespace tapstack {
namespace {

// What the tap is to do, or did, beyond the wire frame the line describes: a super-segment is
// one line here, as tcpdump on the tap shows it, and its checksum is the device's to complete.
std::string describe_offload(const frame_meta& meta) {
  std::string text;
  if (meta.segment_size > 0)
    text += " [super-segment: " + std::to_string(meta.segment_size) + " bytes per wire segment]";
  if (meta.checksum == frame_meta::checksum_state::partial) text += " [checksum partial]";
  if (meta.checksum == frame_meta::checksum_state::verified) text += " [checksum verified]";
  return text;
}

}  // namespace

std::size_t tracer::receive_offloaded(byte_span out, frame_meta& meta, instant now) {
  const std::size_t n = inner_.receive_offloaded(out, meta, now);
  if (n > 0) print("in ", out.first(n), meta, now);
  return n;
}

bool tracer::transmit_offloaded(const_byte_span frame, const frame_meta& meta, instant now) {
  const bool sent = inner_.transmit_offloaded(frame, meta, now);
  print(sent ? "out" : "out (device full, dropped)", frame, meta, now);
  return sent;
}

void tracer::flush() {
  out_.flush();
  inner_.flush();
}

void tracer::print(const char* direction, const_byte_span frame, const frame_meta& meta,
                   instant now) {
  out_ << to_string(now) << ' ' << direction << ' '
       << describe_frame(frame, link_level_, meta.checksum != frame_meta::checksum_state::complete)
       << describe_offload(meta) << '\n';
}

}  // namespace tapstack
