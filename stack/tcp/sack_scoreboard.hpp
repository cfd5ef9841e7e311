#pragma once
// The SACK sender's scoreboard of RFC 6675: which parts of [snd.una, snd.max) the peer reported
// holding, and the loss-recovery state that goes with it (HighRxt, RescueRxt), so the TCP layer can
// ask what is lost (IsLost), how much is in flight (SetPipe) and what to send next (NextSeg). It
// does not send, time or count duplicate ACKs: DupAcks, RecoveryPoint, cwnd and the decision to
// enter or leave recovery are the layer's. One per connection, owned by the TCB; it holds no
// pointers, and everything it is told is copied. Sequence numbers are compared modulo 2^32, so
// the wrap is invisible here; every range it holds lies within [snd.una, snd.max).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "stack/base/seq.hpp"
#include "stack/wire/tcp.hpp"

namespace tapstack {

// RFC 5681 section 2's duplicate ACK threshold (its three duplicate ACKs), as RFC 6675 2's
// DupThresh: fast retransmit and limited transmit count with it, and the scoreboard by default.
inline constexpr std::uint32_t dup_thresh = 3;

struct sack_scoreboard_config {
  std::uint32_t smss = 536;  // the sender's maximum segment size, RFC 6675's SMSS
  std::uint32_t dup_thresh = tapstack::dup_thresh;
  // How many separate SACKed ranges are kept: each one is a hole the peer can make us track.
  std::size_t max_ranges = 32;
};

// What NextSeg () chose.
enum class next_seg_kind {
  none,        // nothing may be sent now
  retransmit,  // rule (1) or (3): resend [seq, seq + len), then call on_retransmit
  new_data,    // rule (2): send up to len bytes of new data from seq (snd.max), if any remain
  rescue,      // rule (4): resend [seq, seq + len), then call on_rescue_retransmit
};

struct next_segment {
  next_seg_kind kind = next_seg_kind::none;
  seq32 seq;
  std::uint32_t len = 0;
  friend bool operator==(const next_segment&, const next_segment&) = default;
};

class sack_scoreboard {
 public:
  explicit sack_scoreboard(const sack_scoreboard_config& c);

  // The sender's MSS changed (the peer's MSS option arrived after the TCB was made).
  void set_smss(std::uint32_t smss) { config_.smss = smss; }

  // RFC 6675 Update (): called for every acceptable ACK, with the snd.una it leaves and the SACK
  // blocks it carried (none is fine: what snd.una passed is still forgotten). A D-SACK block (RFC
  // 2883: a first block below snd.una, or within the second) reports a duplicate, not a hole, and
  // is skipped. A block counts only if its right edge lies in (snd.una, snd.max] and it is not
  // empty; a part below snd.una is clipped. Returns how many bytes this ACK SACKed that were not
  // SACKed before: RFC 6675 2 calls an ACK a duplicate only if that is non-zero.
  std::uint32_t update(seq32 snd_una, seq32 snd_max, std::span<const sack_block> blocks);

  // RFC 6675 IsLost (SeqNum): at least DupThresh discontiguous SACKed ranges lie above seq, or more
  // than (DupThresh - 1) * SMSS SACKed bytes do. False for an octet that is SACKed or below
  // snd.una: it has arrived.
  bool is_lost(seq32 seq) const;

  // RFC 6675 SetPipe (), counted in octets over [snd_una, snd_max): every octet that is not SACKed
  // counts once unless IsLost says it left the network, and once more if it was retransmitted in
  // this recovery (it is below HighRxt).
  std::uint32_t pipe(seq32 snd_una, seq32 snd_max) const;

  // RFC 6675 NextSeg (). Outside recovery only rule (2) applies: new data or nothing.
  // new_data_available: unsent data exists and the peer's window allows some (rule 2's terms).
  next_segment next_seg(seq32 snd_una, seq32 snd_max, bool new_data_available) const;

  // RFC 6675 5 (4.1)-(4.3): loss recovery begins. HighRxt starts at snd.una (nothing
  // retransmitted yet); RecoveryPoint, kept here only because rule (4) sets RescueRxt to it, is
  // snd.max. The retransmission that (4.3) sends next, of snd.una, is told to on_retransmit.
  void enter_recovery(seq32 snd_una, seq32 snd_max);
  // Recovery ended (snd.una reached RecoveryPoint, or a timeout): HighRxt and RescueRxt have no
  // meaning outside a recovery. The SACKed ranges stay.
  void exit_recovery();
  bool in_recovery() const { return recovery_.has_value(); }

  // [seq, seq + len) was retransmitted, by (4.3) or by NextSeg rule (1) or (3): HighRxt moves up
  // to its end (RFC 6675 5 (C.3)). The first one after enter_recovery is (4.3)'s, which also sets
  // RescueRxt to its end so that no rescue comes before it is acknowledged. Ignored outside
  // recovery, where HighRxt is undefined.
  void on_retransmit(seq32 seq, std::uint32_t len);
  // NextSeg's rule (4) segment was sent: RescueRxt becomes RecoveryPoint, so there is at most one
  // rescue per recovery; HighRxt stays where it was, as rule (4) requires.
  void on_rescue_retransmit();

  bool is_sacked(seq32 seq) const;
  // One past the highest SACKed octet (a block's right edge); nullopt when nothing is SACKed.
  std::optional<seq32> highest_sacked() const;
  bool empty() const { return ranges_.empty(); }
  // Bytes of range storage held now: none until a SACK block is first kept, and none again once
  // every range is forgotten, so a connection that is not recovering from a loss pays nothing.
  std::size_t allocated() const { return ranges_.capacity() * sizeof(sack_block); }
  // Forgets every SACKed range: after a retransmission timeout, since the peer may have reneged
  // (RFC 2018 8, RFC 6675 5.1), and the recovery state with them.
  void clear();

  // Sorted, disjoint, not touching, within [snd.una, snd.max).
  std::span<const sack_block> ranges() const { return ranges_; }
  // One past the highest octet retransmitted in this recovery; nullopt outside recovery.
  std::optional<seq32> high_rxt() const;
  // One past RFC 6675's RescueRxt; nullopt while undefined.
  std::optional<seq32> rescue_rxt() const;
  const sack_scoreboard_config& config() const { return config_; }

 private:
  struct recovery {
    seq32 recovery_point;
    seq32 high_rxt;
    std::optional<seq32> rescue_rxt;
  };

  void forget_below(seq32 snd_una);
  // Frees the storage of ranges_ when it holds none.
  void release_if_empty();
  std::uint32_t add(seq32 left, seq32 right);
  // IsLost for every octet of a hole with `ranges_above` SACKed ranges holding `bytes_above`.
  bool lost_with(std::size_t ranges_above, std::uint64_t bytes_above) const;

  sack_scoreboard_config config_;
  // Capacity max_ranges from the first range kept until none is left: one allocation per
  // episode of SACKs, none while its ranges come and go.
  std::vector<sack_block> ranges_;
  std::optional<seq32> high_ack_;  // snd.una at the last update
  std::optional<recovery> recovery_;
};

// "retransmit 1200:1300", "new data 1800:1900", "rescue 1900:2000", "none": what and which octets.
std::string to_string(const next_segment& n);
// "sacked [1100,1200) [1300,2000) high_rxt 1100 rescue_rxt 1100", absolute sequence numbers.
std::string to_string(const sack_scoreboard& s);

}  // namespace tapstack
