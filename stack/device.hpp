#pragma once
// The one seam between a host and the outside: a non-blocking frame device. The tap, the in-memory
// pair link and the decorators (pcap recorder, tracer, fault injector) implement it, and
// decorators wrap one another like middleware: tracer(pcap(tap)). Every call takes the current
// instant, so a decorator can timestamp or delay without reading a clock.
#include <cstddef>
#include <optional>
#include <span>

#include "stack/base/bytes.hpp"
#include "stack/base/time.hpp"
#include "stack/buffers/frame.hpp"
#include "stack/offloads.hpp"

namespace tapstack {

// One place in a batch of received frames: the storage a frame lands in (the driver's), then its
// length (0: none came) and what the device said of it.
struct received_frame {
  byte_span storage;
  std::size_t size = 0;
  frame_meta meta;

  const_byte_span bytes() const { return storage.first(size); }
};

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
  // Batches: up to batch.size() frames received, one per place, in order, and the number that
  // came; frames handed over in order, and the number the device took (the others had no room
  // and are lost). What these defaults do, a frame at a time through the calls above, is all a tap
  // can do: its descriptor moves one frame per read or write. A device that moves many frames in
  // one call (a socket's recvmmsg and sendmmsg) overrides them. Decorators keep the defaults, so
  // they see every frame of a batch through their calls above.
  virtual std::size_t receive_batch(std::span<received_frame> batch, instant now) {
    std::size_t n = 0;
    for (; n < batch.size(); ++n) {
      received_frame& f = batch[n];
      f.size = receive_offloaded(f.storage, f.meta, now);
      if (f.size == 0) break;
    }
    return n;
  }
  virtual std::size_t transmit_batch(std::span<const frame> frames, instant now) {
    std::size_t taken = 0;
    for (const frame& f : frames) taken += transmit_offloaded(f.bytes(), f.meta, now) ? 1 : 0;
    return taken;
  }
  // A descriptor that becomes readable when receive would return a frame, for the Asio runner to
  // wait on; -1 for devices driven by a simulator instead.
  virtual int wait_handle() const { return -1; }
  // Reading for the device. One whose descriptor gives a frame per read (a tap) can let the
  // driver's event loop make that read: read_header_size() is how many bytes of the device's
  // own header come before the frame (nullopt: it cannot be read for), and landed() hands over
  // what one read put in the driver's storage, for the next receive to return with no system
  // call of its own. The Asio runner waits with such a read rather than a bare wait for
  // readability: Asio tries the read at once and arms its wait only when the read would block,
  // where a bare wait re-arms the descriptor's epoll registration every time (Asio 1.74), a
  // system call per wake-up. Decorators pass both on.
  virtual std::optional<std::size_t> read_header_size() const { return std::nullopt; }
  virtual void landed([[maybe_unused]] const_byte_span header,
                      [[maybe_unused]] const_byte_span frame) {}
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
