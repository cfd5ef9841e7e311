#include "drivers/pcapng_fault_annotator.hpp"

#include <string_view>

namespace tapstack {
namespace {

// Why a frame was lost, for a reader who has not seen the injector's flags.
std::string_view drop_reason(fault_kind k) {
  switch (k) {
    case fault_kind::loss:
      return "uniform loss";
    case fault_kind::burst:
      return "burst loss";
    case fault_kind::queue:
      return "rate limit: queue full, tail drop";
    case fault_kind::mtu:
      return "larger than the MTU";
    case fault_kind::rule:
      return "a targeted drop rule";
    case fault_kind::device_full:
      return "device full when its delay ended";
    default:
      return "";
  }
}

void begin(std::string& out, direction d) {
  out = "tapstack fault injector, ";
  out += name(d);
  out += ": ";
}

void dropped(std::string& out, direction d, fault_kind k) {
  begin(out, d);
  out += "dropped (";
  out += drop_reason(k);
  out += d == direction::in ? "); the host never received this frame"
                            : "); this frame never reached the wire";
}

// The comment for a frame that went through, empty when it met no fault. A recorder above the
// injector sees inbound frames as faulted and outgoing ones as the host sent them: the words say
// which bytes differ where.
void describe(std::string& out, direction d, const frame_faults& met, duration reorder_delay) {
  out.clear();
  if (met.kinds.none()) return;
  for (std::size_t i = 0; i < met.kinds.size(); ++i)
    if (met.kinds.test(i) && drops(static_cast<fault_kind>(i)))
      return dropped(out, d, static_cast<fault_kind>(i));
  begin(out, d);
  std::string_view separator;
  const auto part = [&](std::string_view text) {
    out += separator;
    out += text;
    separator = "; ";
  };
  if (met.met(fault_kind::corrupted)) {
    part(d == direction::in ? "corrupted: bits flipped in "
                            : "corrupted after capture: flipped in ");
    out += met.corrupted.size() == 1 ? "byte " : "bytes ";
    for (std::size_t i = 0; i < met.corrupted.size(); ++i) {
      if (i > 0) out += ", ";
      out += std::to_string(met.corrupted[i]);
    }
    out += d == direction::in ? " (checksums should reject it)"
                              : " on the wire (the receiver's checksums should reject it)";
  }
  if (met.met(fault_kind::delayed)) {
    part("delayed ");
    out += to_string(met.delay);
  }
  if (met.met(fault_kind::reordered)) {
    part("reordered: held back ");
    out += to_string(reorder_delay);
    out += " so later frames overtake it";
  }
  if (met.met(fault_kind::duplicated)) {
    if (met.copy)
      part("duplicated: this is the copy of the frame before it");
    else if (d == direction::in)
      part("duplicated: a copy follows");
    else
      part("duplicated: the wire carries it twice");
  }
}

}  // namespace

pcapng_fault_annotator::pcapng_fault_annotator(fault_injector& faults) : faults_{faults} {
  faults_.on_fault([this](direction d, fault_kind k, const_byte_span frame, instant now) {
    lost(d, k, frame, now);
  });
}

pcapng_fault_annotator::~pcapng_fault_annotator() { faults_.on_fault({}); }

std::string_view pcapng_fault_annotator::received_comment() {
  describe(comment_, direction::in, faults_.last_received(),
           faults_.config(direction::in).reorder_delay);
  return comment_;
}

std::string_view pcapng_fault_annotator::transmitted_comment() {
  describe(comment_, direction::out, faults_.last_transmitted(),
           faults_.config(direction::out).reorder_delay);
  return comment_;
}

std::span<const pcapng_annotator::unseen_frame> pcapng_fault_annotator::take_unseen() {
  unseen_.clear();
  for (std::size_t i = 0; i < lost_count_; ++i)
    unseen_.push_back({lost_[i].direction, lost_[i].at, lost_[i].bytes, lost_[i].comment});
  lost_count_ = 0;
  return unseen_;
}

void pcapng_fault_annotator::lost(direction d, fault_kind k, const_byte_span frame, instant now) {
  // An outgoing frame dropped on admission passed the recorder, which hears of it through
  // transmitted_comment(); one held and refused later is a new event the capture shows apart.
  const bool unseen = d == direction::in ? drops(k) : k == fault_kind::device_full;
  if (!unseen) return;
  if (lost_count_ == lost_.size()) lost_.emplace_back();
  lost_frame& f = lost_[lost_count_++];
  f.direction = d == direction::in ? packet_direction::inbound : packet_direction::outbound;
  f.at = now;
  f.bytes.assign(frame.begin(), frame.end());
  dropped(f.comment, d, k);
  if (k == fault_kind::device_full)
    f.comment += "; the host's transmission of it is recorded earlier";
}

}  // namespace tapstack
