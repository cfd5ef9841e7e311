#pragma once
// The one seam between a host and the outside: a non-blocking frame device. The tap, the in-memory
// pair link and the decorators (pcap recorder, tracer, fault injector) implement it, and
// decorators wrap one another like middleware: tracer(pcap(tap)). Every call takes the current
// instant, so a decorator can timestamp or delay without reading a clock.
#include <cstddef>
#include <optional>

#include "stack/base/bytes.hpp"
#include "stack/base/time.hpp"
#include "stack/buffers/frame.hpp"
#include "stack/offloads.hpp"

namespace tapstack {

class device {
 public:
  virtual ~device() = default;

  // Copies one waiting frame into out and returns its length, or 0 when none is waiting. A frame
  // longer than out is truncated to it.
  virtual std::size_t receive(byte_span out, instant now) = 0;
  // Hands one frame to the device; false when the device has no room for it now.
  virtual bool transmit(const_byte_span frame, instant now) = 0;
  // The same with the frame's metadata. A device with offloads overrides both; one without keeps
  // these: what it receives is plain, and it is never handed a frame that is not (the host asks
  // only for the offloads() a device offers). Decorators pass the metadata on.
  virtual std::size_t receive_offloaded(byte_span out, frame_meta& meta, instant now) {
    meta = {};
    return receive(out, now);
  }
  virtual bool transmit_offloaded(const_byte_span frame, const frame_meta&, instant now) {
    return transmit(frame, now);
  }
  virtual device_offloads offloads() const { return {}; }
  // A descriptor that becomes readable when receive would return a frame, for the Asio runner to
  // wait on; -1 for devices driven by a simulator instead.
  virtual int wait_handle() const { return -1; }
  // Called after each batch of work so that recorders make what they hold visible (a pcap file
  // can be read while the host runs); decorators pass it on.
  virtual void flush() {}
  // When the device will have something to deliver or do without being handed a frame: a frame
  // in flight that becomes receivable, a held frame due to be sent on. The driver calls receive
  // at that instant (the simulator jumps to it, the runner sets its timer for it). nullopt when
  // only the outside can bring something, as for a tap. Decorators answer with the earlier of
  // their own and their inner device's.
  virtual std::optional<instant> next_deadline() const { return std::nullopt; }
};

}  // namespace tapstack
