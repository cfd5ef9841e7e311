#pragma once
// What crossed the link, as each host of a sim::network saw it: every TCP segment a host sent and
// every one it took in (checksums intact, after the faults), with the virtual time. It answers
// what a randomised test must ask of a run whose connection failed: did the link cause it, or the
// stack? A connection may give up on its peer only if, in its last run of retransmissions (the
// same sequence number sent again and again until the timer's limit), no round trip completed:
// no retransmission reached the peer and was followed by anything from the peer reaching it. A
// peer that receives a segment answers it, and that answer, taken in, acknowledges the segment or
// tells why not; a sender that hears it and still times out is stuck, whatever the link did.
// A reset is judged as the timeout of the peer that sent it, at the instant the peer gave up.
// It also watches for storms: a virtual second in which the hosts sent many frames while neither
// took in a new acknowledgment.
//
// Memory follows the connections under way: the workload forgets a connection once it is done
// with it, and a SYN the client sends from a forgotten port starts that port's records afresh,
// so a churn of a million connections keeps the records of about one.
//
// For the sim's two hosts and their TCP only. A witness_device sits between a host and its device
// (outermost, so that what it sees taken in is what reached the host). Both outlive the run.
#include <array>
#include <bitset>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "stack/base/seq.hpp"
#include "stack/device.hpp"
#include "stack/wire/address.hpp"

namespace tapstack::sim {

enum class end_point : std::uint8_t { client, server };
std::string_view to_string(end_point e);  // "client", "server"

class link_witness {
 public:
  // A virtual second with more frames than this and no new acknowledgment is a storm. A second of
  // SACK recovery sends about two frames per segment of the window; the largest window a sim run
  // has (64 MiB buffers aside) is a few hundred segments.
  static constexpr std::uint64_t storm_frames = 2000;

  void sent(end_point from, const_byte_span frame, instant at);
  void received(end_point by, const_byte_span frame, instant at);
  // The connection from this client port will not be judged: its records go, and what its close
  // sends afterwards is not kept, until the client sends a SYN from the port again.
  void forget(std::uint16_t client_port);

  // Why the link does not explain that `who` gave up, at `at`, on the connection between these
  // ports; empty when it does.
  std::string unexplained_timeout(end_point who, std::uint16_t client_port, instant at) const;
  // The most frames sent in a virtual second in which no new acknowledgment was taken in.
  std::uint64_t busiest_idle_second() const;

 private:
  struct record {
    instant at;
    seq32 seq;
    std::uint32_t len = 0;  // sequence space: data, and one each for SYN and FIN
    std::optional<seq32> ack;
    bool rst = false;
    // The same segment, sent and taken in (or duplicated on the way).
    bool same_segment(const record& o) const {
      return seq == o.seq && len == o.len && ack == o.ack && rst == o.rst;
    }
  };
  struct half {
    std::vector<record> sent, received;
    std::optional<seq32> highest_ack;  // of what this end took in
  };
  // Per connection, by (client port, server port): the client's half, then the server's.
  using connection = std::array<half, 2>;
  struct segment {
    std::pair<std::uint16_t, std::uint16_t> ports;  // client's, server's
    record r;
    bool opens = false;  // a SYN without ACK: a connection starting
  };
  // The TCP segment in a frame that `from` sent, if its checksums hold.
  static std::optional<segment> parse(end_point from, const_byte_span frame, instant at);
  const connection* find(std::uint16_t client_port) const;
  void count_frame(instant at);

  std::map<std::pair<std::uint16_t, std::uint16_t>, connection> connections_;
  std::bitset<65536> forgotten_;  // by client port
  std::int64_t second_ = -1;
  std::uint64_t frames_this_second_ = 0;
  bool progress_this_second_ = false;
  std::uint64_t busiest_idle_ = 0;
};

// Frames not addressed to the host's MAC (nor broadcast) are not taken in, and not shown to the
// witness: an ARP reply corrupted on the way (ARP has no checksum) can teach a peer a wrong MAC,
// and what it then sends never reaches the host, however intact.
class witness_device final : public device {
 public:
  witness_device(device& inner, link_witness& witness, end_point host, mac_address mac)
      : inner_{inner}, witness_{witness}, host_{host}, mac_{mac} {}

  std::size_t receive(byte_span out, instant now) override;
  bool transmit(const_byte_span frame, instant now) override;
  void flush() override { inner_.flush(); }
  std::optional<instant> next_deadline() const override { return inner_.next_deadline(); }

 private:
  device& inner_;
  link_witness& witness_;
  end_point host_;
  mac_address mac_;
};

}  // namespace tapstack::sim
