#pragma once
// What every program that runs a host on a tap holds, built from the host flags: the real clock,
// the device chain (tap, pcap, tracer), the log sink, the io_context and the host on it; with
// --trace, TCP state changes are printed beside the frames; with --tcp-trace, every connection's
// congestion figures go to a CSV file, complete once the app_host is destroyed. Opening the tap or
// a file throws with a message for the user; a tap that is down gets a warning on stderr.
#include <fstream>
#include <optional>
#include <string>

#include "apps/common/device_chain.hpp"
#include "apps/common/host_options.hpp"
#include "apps/common/stderr_sink.hpp"
#include "drivers/tcp_trace.hpp"
#include "stack/asio/host.hpp"

namespace tapstack {

class app_host {
 public:
  // handle_signals: SIGINT and SIGTERM stop the host; a program that must report before it
  // exits (tapstack-ping's summary) handles them itself instead.
  app_host(const std::string& program, const host_options& options, bool handle_signals = true);
  // Writes out the rest of the TCP trace; a write that failed (a full disk) is a warning.
  ~app_host();
  app_host(const app_host&) = delete;
  app_host& operator=(const app_host&) = delete;

  asio::io_context& io() { return io_; }
  host& node() { return node_; }
  const host_options& options() const { return options_; }
  const device_chain& devices() const { return devices_; }

 private:
  std::string program_;
  host_options options_;
  real_clock clock_;
  device_chain devices_;
  stderr_sink sink_;
  asio::io_context io_;
  host node_;
  // With --tcp-trace; the recorder writes to the file, so it is declared (and dies) after it.
  std::ofstream tcp_trace_file_;
  std::optional<tcp_trace> tcp_trace_;
};

}  // namespace tapstack
