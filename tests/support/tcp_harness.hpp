#pragma once
// The packet-level TCP harness: the host under test (10.0.0.2) and a scripted peer (10.0.0.1) on
// one link. A test puts a connection in a known state, injects the peer's segments at chosen
// instants and checks exactly which segments the host sends back; a mismatch prints the expected
// fields beside the segment in tcpdump notation. Time is virtual: advance() moves it and runs the
// host's timers.
#include <optional>
#include <string>
#include <vector>

#include "stack/stack.hpp"
#include "stack/wire/tcp.hpp"

namespace tapstack::test {

// A segment the host sent, parsed; the payload copied out.
struct sent_segment {
  tcp_repr seg;
  std::vector<std::uint8_t> payload;
  std::string line;  // describe_frame's tcpdump line
};

// What a test expects of a sent segment; fields left empty are not checked.
struct expected_segment {
  std::string flags;  // tcpdump's letters: "S.", ".", "P.", "F.", "R", "R."
  std::optional<seq32> seq;
  std::optional<seq32> ack;
  std::optional<std::size_t> length;
  std::optional<std::uint16_t> window;
};

class tcp_harness {
 public:
  static constexpr std::uint16_t host_port = 80;
  static constexpr std::uint16_t peer_port = 40000;

  explicit tcp_harness(stack_config config = default_config());
  static stack_config default_config();

  // The peer's segment to the host's port, sent at now().
  void inject(tcp_flags flags, seq32 seq, seq32 ack, const std::vector<std::uint8_t>& payload = {},
              std::uint16_t window = 65535, const tcp_options& options = {},
              std::uint16_t from_port = peer_port);
  // Every segment the host has sent since the last call.
  std::vector<sent_segment> sent();
  // Moves virtual time on and runs the host's timers.
  void advance(duration d);
  instant now() const { return now_; }

  // A listener on host_port, then the peer's SYN, the host's SYN-ACK, the peer's ACK: returns the
  // accepted socket, ESTABLISHED, with peer_iss and host_iss known.
  tcp_socket_id establish_passive(std::uint16_t peer_window = 65535);
  // connect() to the peer, its SYN-ACK, our ACK.
  tcp_socket_id establish_active(std::uint16_t peer_window = 65535);

  stack host;
  tcp_socket_id listener = 0;
  seq32 peer_iss{1000};
  seq32 host_iss;
  // The peer's next sequence number and what it acknowledges, kept by the tests that script it.
  seq32 peer_nxt() const { return peer_iss + 1; }

 private:
  // Takes what the host sent into outbox_, answering its ARP requests for the peer on the way.
  void collect();

  instant now_{};
  std::vector<std::vector<std::uint8_t>> outbox_;
};

// Checks that the host sent exactly these segments, in order; on a mismatch the message lists
// both sides.
void check_sent(const std::vector<sent_segment>& actual,
                const std::vector<expected_segment>& expected);

std::vector<std::uint8_t> text(std::string_view s);

}  // namespace tapstack::test
