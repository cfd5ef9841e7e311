#pragma once
// A device decorator that records every frame received and transmitted through it to a pcap file
// (Ethernet link type, microsecond timestamps) that Wireshark and `tcpdump -r` open. Timestamps
// come from the instants the host is driven with, placed on the wall clock by the epoch given at
// construction, so a virtual-time run records virtual time. Records only frames the inner device
// accepted. The file is flushed when the recorder is destroyed or flush() is called (the runner
// does after each wake-up).
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "stack/device.hpp"

namespace tapstack {

class pcap_recorder final : public device {
 public:
  // Throws std::runtime_error naming the path when the file cannot be written.
  pcap_recorder(device& inner, const std::string& path,
                std::chrono::system_clock::time_point epoch = {});

  std::size_t receive(byte_span out, instant now) override;
  bool transmit(const_byte_span frame, instant now) override;
  int wait_handle() const override { return inner_.wait_handle(); }
  std::optional<instant> next_deadline() const override { return inner_.next_deadline(); }
  void flush() override;
  std::size_t frames_written() const { return frames_; }

 private:
  void record(const_byte_span frame, instant now);

  device& inner_;
  std::string path_;
  std::chrono::system_clock::time_point epoch_;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file_;
  std::size_t frames_ = 0;
};

}  // namespace tapstack
