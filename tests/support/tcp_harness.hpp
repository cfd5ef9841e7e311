#pragma once
// The packet-level TCP harness: the host under test (10.0.0.2) and a scripted peer (10.0.0.1) on
// one link. A test puts a connection in a known state, injects the peer's segments at chosen
// instants and checks exactly which segments the host sends back; a mismatch prints the expected
// fields beside the segment in tcpdump notation. Time is virtual: advance() moves it and runs the
// host's timers. reach() puts a connection in any state of RFC 9293 3.10.7 with the fewest
// segments, and says where both sides' sequence numbers stand.
#include <doctest/doctest.h>

#include <optional>
#include <ostream>
#include <source_location>
#include <string>
#include <system_error>
#include <vector>

#include "stack/stack.hpp"
#include "stack/wire/tcp.hpp"

namespace tapstack::test {

// How the host's side of a connection opened: from a listener (the peer sent the first SYN) or
// by connect() (the host did).
enum class open_kind { passive, active };

// What the application reads from a socket until it would block: the bytes, then the end of the
// stream (no error), the connection's error, or operation_would_block when more may come.
struct received {
  std::string data;
  std::error_code error;
  friend bool operator==(const received&, const received&) = default;
};
std::ostream& operator<<(std::ostream& out, const received& r);
inline const std::error_code would_block = std::make_error_code(std::errc::operation_would_block);

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
  // The peer's data with the URG bit: `urgent` counts from seq to the byte after the urgent data
  // (RFC 9293 3.1, RFC 6093).
  void inject_urgent(seq32 seq, seq32 ack, const std::vector<std::uint8_t>& payload,
                     std::uint16_t urgent);
  // The peer's segments injected between these two come to the host as one batch, as the runner
  // hands them over (stack::receive_batch), at end_batch().
  void begin_batch() { batch_.emplace(); }
  void end_batch();
  // Every segment the host has sent since the last call.
  std::vector<sent_segment> sent();
  // Moves virtual time on and runs the host's timers.
  void advance(duration d);
  instant now() const { return now_; }

  // Drives the connection with the peer into state `to`, checking each segment the host sends on
  // the way, and leaves nothing unread in sent(). Passive: a listener on host_port (LISTEN), the
  // peer's SYN (SYN-RECEIVED), its ACK (ESTABLISHED). Active: connect() (SYN-SENT), then the
  // peer's SYN alone (SYN-RECEIVED, a simultaneous open) or its SYN-ACK (ESTABLISHED). From
  // ESTABLISHED, the host's shutdown_send() and the peer's FIN and ACK lead to the closing states;
  // the peer sends no data. The peer's SYN offers peer_syn_options, and its other segments carry
  // peer_options(). Returns the host's socket: the listener in LISTEN, nothing (0) in
  // SYN-RECEIVED from a listener, since nothing has been accepted yet.
  tcp_socket_id reach(tcp_state to, open_kind how = open_kind::passive);
  // The state of the connection between host_port and the peer; CLOSED once it left the table.
  tcp_state state();
  // Reads socket s as the application would, until it would block, ends or fails.
  received read(tcp_socket_id s);

  // The timestamps option for the peer's next segment (RFC 7323 3.2): its clock, peer_tsval,
  // and the host's latest TSval echoed. Empty options unless peer_syn_options offer timestamps,
  // so that reach()'s segments suit either kind of connection.
  tcp_options peer_options() const;

  stack host;
  tcp_socket_id listener = 0;
  std::uint16_t peer_window = 65535;  // what the peer's SYN or SYN-ACK offers
  // The options the peer's SYN or SYN-ACK carries in reach(): its MSS alone unless a test offers
  // window scaling, SACK or timestamps (a timestamps option's TSval is replaced by peer_tsval).
  tcp_options peer_syn_options{.mss = 1460};
  // The peer's timestamp clock, which the test moves on as it likes.
  std::uint32_t peer_tsval = 1;
  // The TSval of the latest segment the host sent with timestamps, as sent() found it.
  std::uint32_t host_tsval = 0;
  // The options of the host's SYN or SYN-ACK in reach().
  tcp_options host_syn_options;
  seq32 peer_iss{1000};
  seq32 host_iss;
  // Where reach() left the host's rcv.nxt, snd.una and snd.nxt, as the peer counts them: the
  // sequence number its next segment carries, the highest it has acknowledged, and the most it
  // may.
  seq32 rcv_nxt;
  seq32 snd_una;
  seq32 snd_nxt;

 private:
  // Takes what the host sent into outbox_, answering its ARP requests for the peer on the way.
  void collect();
  void send_from_peer(const tcp_repr& seg);
  void open_listener();
  tcp_socket_id open_active();
  // The peer's FIN at rcv_nxt, acknowledging `ack`; the host acknowledges it.
  void peer_fin(seq32 ack);
  // The host's FIN, by shutdown_send().
  void host_fin(tcp_socket_id s);

  instant now_{};
  std::vector<std::vector<std::uint8_t>> outbox_;
  std::optional<std::vector<std::vector<std::uint8_t>>> batch_;  // begin_batch's frames
};

// A state of 3.10.7.4 and the open that led to it, for a row that several states share.
struct start {
  tcp_state state;
  open_kind how = open_kind::passive;
};
std::string to_string(start s);  // "SYN-RECEIVED (active open)"

// Runs a row once per start, each in its own doctest subcase named after the state, on a fresh
// harness that reach()ed it: row(harness, the host's socket, the start).
template <typename Row>
void for_each_state(const std::vector<start>& starts, Row row) {
  for (const start& s : starts) {
    SUBCASE(to_string(s).c_str()) {
      tcp_harness t;
      const tcp_socket_id socket = t.reach(s.state, s.how);
      row(t, socket, s);
    }
  }
}

// Checks that the host sent exactly these segments, in order; on a mismatch the failure, reported
// at the caller's line, lists both sides.
void check_sent(const std::vector<sent_segment>& actual,
                const std::vector<expected_segment>& expected,
                std::source_location where = std::source_location::current());

std::vector<std::uint8_t> text(std::string_view s);

}  // namespace tapstack::test

namespace tapstack {
// doctest finds this by argument-dependent lookup and prints states in failed checks as the RFC
// spells them, rather than as numbers.
doctest::String toString(tcp_state s);
}  // namespace tapstack
