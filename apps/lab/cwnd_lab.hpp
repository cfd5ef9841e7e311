#pragma once
// The congestion-window lab: one bulk transfer from the client to the server over a bottleneck
// link (a rate, a round-trip time, seeded loss, a tail-drop queue of about one bandwidth-delay
// product), in virtual time, with the sender's congestion control chosen. It returns what a user
// compares between NewReno and CUBIC (goodput, time, retransmissions by cause) and, given a
// stream, writes the sender's congestion trace (drivers/tcp_trace.hpp) to it as it goes. Not a
// benchmark of the stack's speed: every figure is virtual time.
#include <cstddef>
#include <cstdint>
#include <ostream>

#include "stack/base/time.hpp"
#include "stack/tcp/congestion_algorithm.hpp"

namespace tapstack::lab {

struct bulk_lab_config {
  std::uint64_t rate_bps = 100'000'000;
  duration rtt = std::chrono::milliseconds{20};  // the link's latency is half of it each way
  double loss = 0.005;                           // each direction
  std::size_t bytes = std::size_t{20} << 20;
  std::uint64_t seed = 1;
};

// Frames the bottleneck queues in each direction: one bandwidth-delay product of full frames,
// and never fewer than two.
std::size_t bottleneck_queue_frames(const bulk_lab_config& config);
// The send and receive buffers the lab gives each connection: what the path and its queue hold,
// and 16 full segments more (at most 64 MiB). The congestion window, not a buffer, then decides
// when the queue overflows, so even a clean link shows each algorithm's sawtooth; and slow start
// overshoots by at most those 16 segments. Unbounded, it overshoots by up to a whole window into
// the tail-drop queue, which drops every other segment: more holes than the SACK scoreboard
// tracks (32, stack/tcp/sack_scoreboard.hpp), so recovery stalls until the RTO.
std::size_t transfer_buffer_bytes(const bulk_lab_config& config);

struct bulk_result {
  congestion_algorithm algorithm = congestion_algorithm::newreno;
  std::size_t bytes = 0;
  duration completion{};  // from the first byte written to the last byte read
  double goodput_bps = 0;
  std::uint64_t retransmits = 0;  // segments sent again, for any reason
  std::uint64_t fast_retransmits = 0;
  std::uint64_t timeouts = 0;     // retransmission timer expiries
  std::uint64_t frames_lost = 0;  // by the link's loss, both directions
  std::uint64_t queue_drops = 0;  // at the tail of the bottleneck's queue, both directions
};

// Runs the transfer; trace, when given, receives the sender's CSV trace and must outlive the call.
// Throws std::runtime_error if the connection fails or the transfer does not end within a day of
// virtual time.
bulk_result run_bulk_transfer(const bulk_lab_config& config, congestion_algorithm algorithm,
                              std::ostream* trace = nullptr);

}  // namespace tapstack::lab
