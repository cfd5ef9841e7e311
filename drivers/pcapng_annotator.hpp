#pragma once
// What a device below a pcap recorder tells it about the frames passing through, for a pcapng
// capture: a comment for the frame each receive() or transmit() call moved, and the frames that
// were lost below the recorder and so never passed it. The recorder asks after each call to its
// inner device. This is the seam that keeps the recorder ignorant of which device does the
// telling (pcapng_fault_annotator speaks for a fault injector). What it hands out stays valid
// until the next call to it or to the devices below the recorder.
#include <span>
#include <string_view>

#include "drivers/pcapng_writer.hpp"
#include "stack/base/bytes.hpp"
#include "stack/base/time.hpp"

namespace tapstack {

class pcapng_annotator {
 public:
  // A frame lost below the recorder, when it was lost, and why.
  struct unseen_frame {
    packet_direction direction;
    instant at;
    const_byte_span bytes;
    std::string_view comment;
  };

  virtual ~pcapng_annotator() = default;

  // For the frame the inner device's latest receive() returned; empty when there is nothing to
  // say.
  virtual std::string_view received_comment() = 0;
  // For the frame handed to the inner device's latest transmit(); empty when nothing.
  virtual std::string_view transmitted_comment() = 0;
  // The frames lost below since the last take_unseen(), oldest first; each call forgets the
  // previous ones.
  virtual std::span<const unseen_frame> take_unseen() = 0;
};

}  // namespace tapstack
