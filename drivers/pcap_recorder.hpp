#pragma once
// A device decorator that records every frame received and transmitted through it to a capture
// file that Wireshark and `tcpdump -r` open, Ethernet link type. Timestamps come from the instants
// the host is driven with, placed on the wall clock by the epoch given at construction, so a
// virtual-time run records virtual time. Records only frames the inner device accepted, plus the
// frames an annotator reports lost below it. The file is flushed when the recorder is destroyed or
// flush() is called (the runner does after each wake-up).
//
// Two formats. Classic pcap (microsecond timestamps, nothing but the frames) unless either of:
// - an annotator is given: a device below, such as a fault injector, has things to say about the
//   frames, and only pcapng can carry them (see pcapng_annotator.hpp);
// - the path ends in ".pcapng": the user asked for the format by name.
// Then pcapng (pcapng_writer.hpp): nanosecond timestamps, each frame marked inbound or outbound,
// and the annotator's comments on the frames it has something to say about. Either way the same
// frames at the same instants give the same bytes: the file names no machine and no clock but the
// epoch. The annotator, when given, must outlive the recorder.
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "drivers/device_decorator.hpp"
#include "drivers/pcapng_annotator.hpp"
#include "drivers/pcapng_writer.hpp"

namespace tapstack {

class pcap_recorder final : public device_decorator {
 public:
  // Throws std::runtime_error naming the path when the file cannot be written.
  pcap_recorder(device& inner, const std::string& path,
                std::chrono::system_clock::time_point epoch = {},
                pcapng_annotator* annotator = nullptr);

  std::size_t receive_offloaded(byte_span out, frame_meta& meta, instant now) override;
  bool transmit_offloaded(const_byte_span frame, const frame_meta& meta, instant now) override;
  void flush() override;
  // Frames written, those an annotator reported lost included.
  std::size_t frames_written() const { return frames_; }
  bool pcapng() const { return pcapng_.has_value(); }

 private:
  void record(const_byte_span frame, instant now, packet_direction direction,
              std::string_view comment);
  void record_unseen();

  std::string path_;
  std::chrono::system_clock::time_point epoch_;
  pcapng_annotator* annotator_;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file_;
  std::optional<pcapng_writer> pcapng_;
  std::size_t frames_ = 0;
};

}  // namespace tapstack
