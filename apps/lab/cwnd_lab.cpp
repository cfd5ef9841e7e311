#include "apps/lab/cwnd_lab.hpp"

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>

#include "apps/lab/lab_network.hpp"
#include "drivers/tcp_trace.hpp"
#include "stack/tcp/socket_options.hpp"

namespace tapstack::lab {
namespace {

using namespace std::chrono_literals;

// A full frame on the wire: 1500 bytes of IP and the 14-byte Ethernet header.
constexpr std::uint64_t full_frame_bytes = 1514;
// How far beyond what the path holds the sender may go: see transfer_buffer_bytes().
constexpr std::uint64_t overshoot_frames = 16;

std::uint64_t bdp_bytes(const bulk_lab_config& c) {
  // In floating point: a fast link's bits times a long RTT's nanoseconds overflow 64 bits.
  return static_cast<std::uint64_t>(static_cast<double>(c.rate_bps) / 8 *
                                    std::chrono::duration<double>(c.rtt).count());
}

}  // namespace

std::size_t bottleneck_queue_frames(const bulk_lab_config& config) {
  return std::max<std::size_t>(2, (bdp_bytes(config) + full_frame_bytes - 1) / full_frame_bytes);
}

std::size_t transfer_buffer_bytes(const bulk_lab_config& config) {
  const std::uint64_t path = bdp_bytes(config) + bottleneck_queue_frames(config) * full_frame_bytes;
  return static_cast<std::size_t>(
      std::min<std::uint64_t>(path + overshoot_frames * full_frame_bytes, max_socket_buffer));
}

bulk_result run_bulk_transfer(const bulk_lab_config& config, congestion_algorithm algorithm,
                              std::ostream* trace) {
  tcp_config tcp;
  tcp.congestion = algorithm;
  // Linux's minimum RTO rather than RFC 6298's second: the lab shows what a Linux sender does.
  tcp.min_rto = 200ms;
  tcp.send_buffer = tcp.receive_buffer = transfer_buffer_bytes(config);
  const link_config link{.latency = config.rtt / 2,
                         .loss = config.loss,
                         .seed = config.seed,
                         .rate_bps = config.rate_bps,
                         .queue_limit = bottleneck_queue_frames(config)};
  lab_network net{link, tcp, config.seed};
  std::optional<tcp_trace> tracer;
  if (trace) tracer.emplace(net.client.tcp(), *trace);
  const auto options = tcp_socket_options::defaults(tcp);
  const auto [sender, receiver] = net.connect(options, options);

  const std::vector<std::uint8_t> chunk(io_chunk, 'x');
  std::size_t sent = 0, received = 0;
  const instant start = net.sim.now();
  const bool done = net.sim.run_until(
      [&] {
        while (sent < config.bytes) {
          std::size_t n = 0;
          const auto want = std::min(chunk.size(), config.bytes - sent);
          const auto ec =
              net.client.tcp().send(sender, const_byte_span{chunk}.first(want), n, net.sim.now());
          if (ec == std::errc::operation_would_block) break;
          if (ec) throw std::runtime_error("send: " + ec.message());
          sent += n;
        }
        received += net.drain(net.server, receiver);
        return received == config.bytes;
      },
      24h);
  if (!done)
    throw std::runtime_error("the transfer did not finish within a day of virtual time (" +
                             std::to_string(received) + " of " + std::to_string(config.bytes) +
                             " bytes arrived)");
  const auto info = net.client.tcp().info(sender);
  if (!info) throw std::runtime_error("the sender's connection is gone");
  bulk_result r;
  r.algorithm = algorithm;
  r.bytes = config.bytes;
  r.completion = net.sim.now() - start;
  r.goodput_bps =
      static_cast<double>(config.bytes) * 8 / std::chrono::duration<double>(r.completion).count();
  r.retransmits = info->retransmits;
  r.fast_retransmits = info->fast_retransmits;
  r.timeouts = info->timeouts;
  r.frames_lost = net.link.dropped();
  r.queue_drops = net.link.queue_drops();
  return r;
}

}  // namespace tapstack::lab
