#pragma once
// The host: one network interface's worth of protocols (Ethernet, ARP, IPv4, ICMP, UDP, TCP), owned
// together and driven from outside. Frames go in with the instant they arrived; frames come out of
// a queue the driver drains; poll() runs whatever timers are due, and next_deadline() says when to
// call it next. It never reads a clock, sleeps or touches a device, so the same host runs behind a
// real tap (the Asio runner) and in virtual time (the simulator). One thread per host; no globals.
#include <optional>
#include <span>

#include "stack/base/log.hpp"
#include "stack/config.hpp"
#include "stack/context.hpp"
#include "stack/device.hpp"
#include "stack/ip/icmp_layer.hpp"
#include "stack/ip/ipv4_layer.hpp"
#include "stack/link/arp_layer.hpp"
#include "stack/link/ethernet_layer.hpp"
#include "stack/tcp/tcp_layer.hpp"
#include "stack/udp/udp_layer.hpp"

namespace tapstack {

class stack {
 public:
  // Throws std::invalid_argument for a configuration no host can run with (an MTU outside
  // min_mtu..max_mtu, an address with prefix 32 and a gateway, an ephemeral port range that is
  // empty or holds port 0).
  explicit stack(const stack_config& config, logger log = {});
  stack(const stack&) = delete;
  stack& operator=(const stack&) = delete;

  // Announces the host (gratuitous ARP). Call once, before the first receive.
  void start(instant now);
  // One frame from the device, as received, with what the device says of it: a transport
  // checksum it verified, or left partial (a frame from the kernel's own stack: nothing to verify),
  // is not summed again.
  void receive(const_byte_span frame, instant now) { receive(frame, frame_meta{}, now); }
  void receive(const_byte_span frame, const frame_meta& meta, instant now);
  // Frames that came together, in order: each is taken as receive() takes it, but what TCP would
  // send after each segment waits for the last of the batch (tcp_layer::begin_batch), so that one
  // ACK answers the batch and the data its ACKs let go leaves in one pass.
  void receive_batch(std::span<const received_frame> frames, instant now);
  // Runs the timers due at now.
  void poll(instant now);
  // When poll() next has work; nullopt when nothing is pending.
  std::optional<instant> next_deadline() const;

  // The next frame for the device, oldest first.
  std::optional<frame> pop_transmit();
  // Returns a transmitted frame's buffer for reuse.
  void recycle(frame&& f) { ctx_.pool.give(std::move(f)); }
  // drain is called when `frames` frames wait to be transmitted, for a driver that can take them
  // while the host is still at work (ethernet_layer::on_backlog).
  void on_transmit_backlog(std::size_t frames, std::function<void()> drain) {
    eth_.on_backlog(frames, std::move(drain));
  }

  const stack_config& config() const { return ctx_.config; }
  const counters& stats() const { return ctx_.stats; }
  // What the host holds now, layer by layer.
  held_resources held() const;
  counters& stats() { return ctx_.stats; }
  const logger& log() const { return ctx_.log; }
  const arp_cache& arp() const { return arp_.cache(); }
  icmp_layer& icmp() { return icmp_; }
  udp_layer& udp() { return udp_; }
  tcp_layer& tcp() { return tcp_; }

 private:
  // Demultiplexes one received frame up through the layers.
  void deliver(const_byte_span frame, bool checksum_verified, instant now);

  host_context ctx_;
  ethernet_layer eth_;
  arp_layer arp_;
  ipv4_layer ip_;
  icmp_layer icmp_;
  udp_layer udp_;
  tcp_layer tcp_;
};

}  // namespace tapstack
