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
// so a churn of a million connections keeps the records of about one. Within a connection, only
// records a verdict may still read are kept: those since the start of either end's last run of
// retransmissions, unless a round trip already completed during that run (the verdict is then
// known, and kept instead). A gigabyte of bulk keeps a few round trips' worth, not every segment.
//
// Checksums: a host's own frames carry what it computed, and a frame no fault changed reaches the
// peer as it left; so the checksums of frames taken in are verified only when the link may
// corrupt them (as the host then does, dropping what fails), and those sent never.
//
// For the sim's two hosts and their TCP only. A witness_device sits between a host and its device
// (outermost, so that what it sees taken in is what reached the host). Both outlive the run.
#include <array>
#include <bitset>
#include <cstdint>
#include <deque>
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

  // corruption: whether a fault may corrupt frames on their way.
  explicit link_witness(bool corruption = false) : verify_received_{corruption} {}

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
  // The segments recorded, sent and taken in, over every connection: what the witness holds.
  std::size_t records() const;

 private:
  struct record {
    instant at;
    seq32 seq;
    seq32 ack;              // meaningful only with has_ack
    std::uint32_t len = 0;  // sequence space: data, and one each for SYN and FIN
    bool has_ack = false;
    bool rst = false;
    // The same segment, sent and taken in (or duplicated on the way).
    bool same_segment(const record& o) const {
      return seq == o.seq && len == o.len && has_ack == o.has_ack && (!has_ack || ack == o.ack) &&
             rst == o.rst;
    }
  };
  // An end's last run of retransmissions: its segments with sequence space (ACKs carry none),
  // from the last one sent back to the first of those at the same sequence number.
  struct run {
    seq32 seq;
    instant first;
  };
  // A round trip completed during a run: the first of its segments reached the peer at `reached`,
  // and a segment the peer sent after that reached the end at `answered`.
  struct round_trip {
    instant reached, answered;
  };
  struct half {
    std::deque<record> sent, received;
    std::optional<seq32> highest_ack;  // of what this end took in
    std::optional<run> last_run;
    std::optional<round_trip> settled;  // of last_run, once one completed before a pruning
  };
  // Per connection, by (client port, server port): the client's half, then the server's; and the
  // number of records that makes the next pruning worth its walk.
  struct connection {
    static constexpr std::size_t first_prune = 1024;
    std::array<half, 2> halves;
    std::size_t prune_at = first_prune;
  };
  struct segment {
    std::pair<std::uint16_t, std::uint16_t> ports;  // client's, server's
    record r;
    bool opens = false;  // a SYN without ACK: a connection starting
  };
  // The TCP segment in a frame that `from` sent; with verify, only if its checksums hold.
  static std::optional<segment> parse(end_point from, const_byte_span frame, instant at,
                                      bool verify);
  const connection* find(std::uint16_t client_port) const;
  void count_frame(instant at);
  // The first round trip completed during who's last run, with what reached the peer and what
  // reached `who` both before `before`.
  static std::optional<round_trip> round_trip_in(const connection& c, end_point who,
                                                 instant before);
  // Drops the records no verdict can read any more, settling the runs that completed a round trip.
  static void prune(connection& c, instant now);

  bool verify_received_;
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
