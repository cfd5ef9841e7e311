#pragma once
// SYN cookies (RFC 4987 3.6): a listener whose queue of half-open connections is full can still
// answer a SYN without keeping anything, by putting what it must remember into the SYN-ACK's
// sequence number. The ACK that completes the handshake hands that number back (SEG.ACK - 1), and
// a keyed hash proves that we made it, for this 4-tuple and this peer ISN, within the last two
// minutes. We follow Linux's scheme (net/ipv4/syncookies.c): the MSS as an index into a small
// table, a minute counter, two keyed hashes; and, when the peer offered timestamps, its window
// scale and SACK-permitted in the low bits of our TSval, which its ACK echoes in TSecr.
//
// Not for: deciding when cookies are used (the host's call, when a listener's SYN queue is full),
// parsing or clamping options (the caller passes the values its parser already clamped), making
// the connection. A cookie keeps only the MSS, rounded down to a table entry, and (through the
// timestamps) window scale and SACK: without timestamps the connection runs with neither, as it
// does in Linux. Nor does it keep the TSval clock: the caller's TSval for the connection it makes
// at the ACK must continue the one it put in the SYN-ACK (an offset it can compute again from the
// tuple, as Linux's secure_tcp_ts_off, not one drawn at random per SYN).
//
// Lifetime: a syn_cookies holds only its secret; no call keeps anything it is given. A cookie
// validates only with an object holding the same secret, so the host makes one (secret from its
// seeded rng, DESIGN rule 7) and keeps it for its life; a new secret voids every cookie in flight.
#include <array>
#include <chrono>
#include <cstdint>
#include <optional>

#include "stack/base/seq.hpp"
#include "stack/base/siphash.hpp"
#include "stack/base/time.hpp"
#include "stack/tcp/tcp_tuple.hpp"

namespace tapstack {

class syn_cookies {
 public:
  // The MSS values a cookie can carry, smallest first (Linux's msstab for IPv4): 536, the MSS a
  // host must accept when the SYN names none (RFC 9293 3.7.1), also where any MSS below it goes;
  // 1300 for paths through tunnels and VPNs (WireGuard's MTU of 1420 gives 1380); 1440 for PPPoE
  // (MTU 1492 gives 1452) and similar encapsulations; 1460 for the Ethernet MTU of 1500, what
  // most SYNs carry. A peer's MSS is rounded down to an entry: a smaller segment than the peer
  // allows costs a little throughput, a larger one would not arrive. Four entries keep the index
  // to two bits, so that 22 bits of hash remain.
  static constexpr std::array<std::uint16_t, 4> mss_table{536, 1300, 1440, 1460};
  // The counter ticks once a period; a cookie is accepted while the counter has moved on by less
  // than max_age ticks (Linux: MAX_SYNCOOKIE_AGE), so it lives between one and two minutes: many
  // round trips and RTOs for a lost ACK, short for a replayed one.
  static constexpr std::chrono::minutes period{1};
  static constexpr std::uint32_t max_age = 2;

  // The ISN for our SYN-ACK, and the MSS the cookie carries: the largest table entry not above
  // the peer's, or the smallest entry (536) for one below it.
  struct encoded {
    seq32 isn;
    std::uint16_t mss = 0;
  };

  explicit syn_cookies(const siphash_key& secret) : key_{secret} {}

  // The cookie for a SYN on `tuple` (local = us) with ISN `peer_isn` and MSS `peer_mss` (536 if
  // it sent none). The same SYN again within the period gets the same cookie.
  encoded encode(const tcp_tuple& tuple, seq32 peer_isn, std::uint16_t peer_mss, instant now) const;
  // The MSS a completing ACK's cookie carries, given its SEG.SEQ - 1 as `peer_isn` and its
  // SEG.ACK - 1 as `cookie`; nullopt if we did not make it for this tuple and ISN within the
  // age bound. The caller still lowers the MSS to what its own MTU carries.
  std::optional<std::uint16_t> validate(const tcp_tuple& tuple, seq32 peer_isn, seq32 cookie,
                                        instant now) const;

  // The TSval clock's offset (RFC 7323 5.4) of a connection on `tuple` answered with a cookie:
  // computed again from the tuple when the ACK comes, so the connection goes on from the TSval
  // its SYN-ACK sent.
  std::uint32_t ts_offset(const tcp_tuple& tuple) const;

  // What the SYN offered that a cookie carries in our TSval's low bits.
  struct ts_options {
    std::optional<std::uint8_t> wscale;  // the peer's shift count, 0-14; nullopt: it sent none
    bool sack = false;                   // it sent SACK-permitted
    friend bool operator==(const ts_options&, const ts_options&) = default;
  };
  // The TSval for the SYN-ACK: `tsval` (what the connection's clock says now) with its low five
  // bits replaced by the options, moved back by 32 if that put it ahead of the clock, so that it
  // is never ahead and at most 31 ticks behind (the peer's PAWS sees our TSvals never go back).
  // nullopt for a window scale above 14 (RFC 7323 2.3), which the option parser never passes.
  static std::optional<std::uint32_t> encode_ts_options(std::uint32_t tsval,
                                                        std::optional<std::uint8_t> wscale,
                                                        bool sack);
  // The options back from the completing ACK's TSecr. Only for an ACK that carries timestamps:
  // one without them gets neither window scaling nor SACK. Every value decodes to something
  // valid; a peer that lies here lies only about its own connection.
  static ts_options decode_ts_options(std::uint32_t tsecr);

 private:
  siphash_key key_;
};

}  // namespace tapstack
