#pragma once
// Reassembly of IPv4 fragments into datagrams (RFC 791 3.2, RFC 815, RFC 1122 3.3.2) for the IP
// layer. Pure data in virtual time, like the ARP cache: it never sends, counts or reads a clock; it
// tells its caller what became of each fragment. Not for fragmenting outgoing datagrams (the IP
// layer does that) and not for IPv6.
//
// A datagram is keyed by (source, destination, protocol, identification), as RFC 791 says, and
// completes when its fragments cover every byte up to the end the last fragment (MF clear) gives.
// Any overlap between fragments drops the whole datagram: RFC 5722's rule, written for IPv6 and
// applied here to IPv4 (as Linux has done since 2018), because overlapping fragments only come
// from attacks that want one reader of the wire to see other bytes than the receiver. An exact
// duplicate is harmless and only itself dropped. Datagrams live in an ordered map, so a
// simulation walks them in the same order every run.
//
// Lifetime: fragment bytes given to add() are copied. A completed datagram comes back as spans
// into storage the reassembler owns, valid until the next call to add() or poll().
#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "stack/base/counters.hpp"
#include "stack/config.hpp"
#include "stack/wire/ipv4.hpp"

namespace tapstack {

class reassembler {
 public:
  struct datagram {
    // Fragment zero's header, made to describe the whole datagram: no MF, offset 0, its length.
    ipv4_repr header;
    // Fragment zero's header with its options, rewritten the same way (as Linux's ip_frag_reasm()
    // does), so that an ICMP error quoting it describes the datagram it is about.
    const_byte_span header_bytes;
    const_byte_span payload;
  };

  // What became of one fragment. At most one of complete and dropped is set.
  struct outcome {
    std::optional<datagram> complete;
    // The fragment was dropped, and with it fragments_dropped - 1 fragments of its datagram that
    // were held (when the datagram as a whole was given up on).
    std::optional<drop_reason> dropped;
    std::size_t fragments_dropped = 0;
    // Fragments of datagrams whose time ran out before this fragment came (see poll).
    std::size_t timed_out = 0;
  };

  explicit reassembler(const ipv4_config& config) : config_{config} {}
  reassembler(const reassembler&) = delete;
  reassembler& operator=(const reassembler&) = delete;

  // Takes one fragment (ip.is_fragment()): its parsed header, its header as received and its
  // payload. Datagrams whose time is up are forgotten first, so a host that polls late never
  // completes a datagram from fragments older than the timeout.
  outcome add(const ipv4_repr& ip, const_byte_span header, const_byte_span payload, instant now);
  // Forgets datagrams whose time is up; returns how many fragments they held. RFC 1122 3.3.2 asks
  // for an ICMP time exceeded (code 1) when fragment zero was among them; not sent yet.
  std::size_t poll(instant now);
  std::optional<instant> next_deadline() const;

  // Datagrams in reassembly, those remembered as dropped included.
  std::size_t size() const { return entries_.size(); }
  // Buffer bytes reserved for them, what max_reassembly_bytes bounds.
  std::size_t bytes_held() const { return bytes_held_; }
  std::size_t fragments_held() const;

 private:
  struct key {
    ipv4_address src;
    ipv4_address dst;
    ip_protocol protocol = ip_protocol::icmp;
    std::uint16_t ident = 0;
    friend auto operator<=>(const key&, const key&) = default;
  };
  // Payload bytes [begin, end) of one fragment.
  struct range {
    std::size_t begin = 0;
    std::size_t end = 0;
  };
  struct entry {
    // Fixed when the first fragment arrives (RFC 1122 3.3.2: a fixed value, not the TTL).
    instant deadline;
    // Set when the datagram was dropped as a whole (overlap, disagreeing ends, too big). The entry
    // stays until its deadline, empty, so that the fragments still to come die the same way:
    // RFC 5722 discards "any constituent fragments, including those not yet received". Without
    // it they would start a new datagram that could only time out, or complete with other bytes.
    std::optional<drop_reason> discarded;
    // The fragments held: sorted by begin, never overlapping, one range per fragment (not
    // merged), so that an exact duplicate can be told from an overlap.
    std::vector<range> ranges;
    // Bytes of the payload at their offsets, as long as the furthest end held.
    std::vector<std::uint8_t> payload;
    std::size_t received = 0;          // sum of the ranges' lengths
    std::optional<std::size_t> total;  // payload length, once the last fragment is held
    // Fragment zero's header, once it is held (first_header_len is 0 until then).
    ipv4_repr first;
    std::array<std::uint8_t, 60> first_header{};
    std::size_t first_header_len = 0;
  };
  using iterator = std::map<key, entry>::iterator;

  static outcome drop(drop_reason why, std::size_t fragments);
  // Drops the fragment and the datagram it belongs to (if one is held), remembering why.
  outcome discard(iterator it, drop_reason why);
  iterator forget(iterator it);
  // Makes room for payload bytes up to end; false when that would pass max_reassembly_bytes.
  bool reserve(entry& e, std::size_t end);
  datagram deliver(entry& e);

  ipv4_config config_;
  std::map<key, entry> entries_;
  std::size_t bytes_held_ = 0;
  // The last datagram handed out. Released by the next call, so that a caller keeping a span past
  // its delivery reads freed memory, which the sanitizers of the fuzz build catch.
  std::vector<std::uint8_t> delivered_;
  std::array<std::uint8_t, 60> delivered_header_{};
};

}  // namespace tapstack
