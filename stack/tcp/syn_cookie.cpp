#include "stack/tcp/syn_cookie.hpp"

#include <algorithm>

#include "stack/base/bytes.hpp"
#include "stack/wire/tcp.hpp"

namespace tapstack {
namespace {

// The 32 bits, before the mask is added (most significant first):
//   count (8) | hash (22) | mss index (2)
// count is the low byte of the minute counter, which is enough to tell the two accepted ages
// from everything else; the hash covers the whole counter, so a cookie 256 minutes old does not
// pass for a fresh one. Linux adds the index to its 24-bit hash and accepts a result below the
// table size; we keep the index in its own bits and under the hash instead, so that a changed
// index fails the hash rather than naming another MSS. Either way 22 bits of hash are checked.
constexpr unsigned index_bits = 2;
constexpr unsigned hash_bits = 22;
constexpr unsigned count_bits = 8;
static_assert(index_bits + hash_bits + count_bits == 32);
static_assert(syn_cookies::mss_table.size() <= (1u << index_bits));
static_assert(syn_cookies::max_age < (1u << count_bits));
constexpr unsigned count_shift = index_bits + hash_bits;
constexpr std::uint32_t index_mask = (1u << index_bits) - 1;
constexpr std::uint32_t hash_mask = (1u << hash_bits) - 1;
constexpr std::uint32_t count_mask = (1u << count_bits) - 1;

// Both hashes use the one secret, told apart by the first byte of what is hashed. Linux keeps a
// secret per hash; SipHash is a PRF, so one key over two messages that can never be equal gives
// two independent functions just the same, with one secret to seed.
enum class hash_domain : std::uint8_t { mask = 0, check = 1, ts_offset = 2 };

constexpr std::size_t tuple_len = 12;

// A hash of the tuple alone, in one of the domains. As the mask added to everything else, it hides
// the layout and the counter: without it the top byte of our ISN would be our minute clock, the
// same for every peer (RFC 6528's point about guessable ISNs). It covers the tuple only, as
// Linux's first cookie_hash(): the cookie then moves forward with the peer's ISN and the counter,
// so a new incarnation of a tuple still tends to start ahead of the old one, as RFC 6528's ISNs
// do. As the TSval offset, it is the same for every SYN on the tuple, which is what lets the ACK
// find it again.
std::uint32_t tuple_hash(const siphash_key& key, hash_domain domain, const tcp_tuple& t) {
  std::array<std::uint8_t, 1 + tuple_len> m{};
  m[0] = static_cast<std::uint8_t>(domain);
  const auto tuple = tuple_bytes(t.local, t.remote);
  std::copy(tuple.begin(), tuple.end(), m.begin() + 1);
  return static_cast<std::uint32_t>(siphash24(key, m));
}

// What proves the cookie ours: the tuple, the peer's ISN, the full counter and the MSS index.
// Linux's second cookie_hash() leaves the peer's ISN out (it is only added), so a cookie seen
// for one ISN works for any other on the same tuple by adding the difference; here it does not.
std::uint32_t check_hash(const siphash_key& key, const tcp_tuple& t, seq32 peer_isn,
                         std::uint64_t count, std::uint32_t index) {
  std::array<std::uint8_t, 1 + tuple_len + 4 + 8 + 1> m{};
  m[0] = static_cast<std::uint8_t>(hash_domain::check);
  const auto tuple = tuple_bytes(t.local, t.remote);
  std::copy(tuple.begin(), tuple.end(), m.begin() + 1);
  store_be32(&m[13], peer_isn.value());
  store_be32(&m[17], static_cast<std::uint32_t>(count >> 32));
  store_be32(&m[21], static_cast<std::uint32_t>(count));
  m[25] = static_cast<std::uint8_t>(index);
  return static_cast<std::uint32_t>(siphash24(key, m)) & hash_mask;
}

// Whole periods since the driver's epoch, rounded down (an instant before the epoch too).
std::uint64_t counter(instant now) {
  const auto ns = now.time_since_epoch().count();
  const auto p = std::chrono::duration_cast<duration>(syn_cookies::period).count();
  auto q = ns / p;
  if (ns % p < 0) --q;
  return static_cast<std::uint64_t>(q);
}

// The TSval's low bits: the window scale (0xf for none) and, above it, SACK-permitted. Linux
// has a sixth for ECN, which we do not do, so our TSval is at most 31 ticks behind, not 63.
constexpr unsigned ts_bits = 5;
constexpr std::uint32_t ts_mask = (1u << ts_bits) - 1;
constexpr std::uint32_t ts_wscale_mask = 0xf;
constexpr std::uint32_t ts_no_wscale = 0xf;
constexpr std::uint32_t ts_sack = 0x10;
static_assert(tcp::max_window_scale < ts_no_wscale);

}  // namespace

// Linux: __cookie_v4_init_sequence() and secure_tcp_syn_cookie().
syn_cookies::encoded syn_cookies::encode(const tcp_tuple& tuple, seq32 peer_isn,
                                         std::uint16_t peer_mss, instant now) const {
  // The largest entry not above the peer's MSS; below the smallest, the smallest (as Linux): 536
  // bytes of segment always get through, a host must take 576-byte datagrams (RFC 1122 3.3.2).
  auto index = static_cast<std::uint32_t>(mss_table.size() - 1);
  while (index > 0 && mss_table[index] > peer_mss) --index;
  const std::uint64_t count = counter(now);
  const std::uint32_t inner = ((static_cast<std::uint32_t>(count) & count_mask) << count_shift) |
                              (check_hash(key_, tuple, peer_isn, count, index) << index_bits) |
                              index;
  // Linux adds the peer's ISN too: our ISN then advances with it (see tuple_hash).
  const seq32 isn{tuple_hash(key_, hash_domain::mask, tuple) + peer_isn.value() + inner};
  return {isn, mss_table[index]};
}

// Linux: __cookie_v4_check() and check_tcp_syn_cookie().
std::optional<std::uint16_t> syn_cookies::validate(const tcp_tuple& tuple, seq32 peer_isn,
                                                   seq32 cookie, instant now) const {
  const std::uint32_t inner =
      cookie.value() - tuple_hash(key_, hash_domain::mask, tuple) - peer_isn.value();
  const std::uint64_t count = counter(now);
  // How many periods ago it was made, modulo 256: a cookie from the future has a negative age,
  // which wraps to a large one and is refused with the old.
  const std::uint32_t age =
      (static_cast<std::uint32_t>(count) - (inner >> count_shift)) & count_mask;
  if (age >= max_age) return std::nullopt;
  const std::uint32_t index = inner & index_mask;
  // Never true with four entries in two bits; a smaller table would make it reachable, and a
  // value from the wire never indexes unchecked (DESIGN rule 12).
  if (index >= mss_table.size()) return std::nullopt;
  if (((inner >> index_bits) & hash_mask) !=
      check_hash(key_, tuple, peer_isn, count - age, index)) {
    return std::nullopt;
  }
  return mss_table[index];
}

// Linux: secure_tcp_ts_off().
std::uint32_t syn_cookies::ts_offset(const tcp_tuple& tuple) const {
  return tuple_hash(key_, hash_domain::ts_offset, tuple);
}

// Linux: cookie_init_timestamp().
std::optional<std::uint32_t> syn_cookies::encode_ts_options(std::uint32_t tsval,
                                                            std::optional<std::uint8_t> wscale,
                                                            bool sack) {
  if (wscale && *wscale > tcp::max_window_scale) return std::nullopt;
  const std::uint32_t options = (wscale ? *wscale : ts_no_wscale) | (sack ? ts_sack : 0u);
  std::uint32_t ts = (tsval & ~ts_mask) | options;
  // Raising the low bits would put this TSval ahead of the clock, and the connection's next one,
  // read from the clock, would then go back: PAWS at the peer drops segments that do. Going one
  // span of the low bits back instead keeps them and costs at most 31 ticks of age.
  if (options > (tsval & ts_mask)) ts -= 1u << ts_bits;
  return ts;
}

// Linux: cookie_timestamp_decode().
syn_cookies::ts_options syn_cookies::decode_ts_options(std::uint32_t tsecr) {
  ts_options o;
  o.sack = (tsecr & ts_sack) != 0;
  // Four bits hold 0-15: 0-14 are the shift counts RFC 7323 allows, 15 says there was none.
  const std::uint32_t w = tsecr & ts_wscale_mask;
  if (w != ts_no_wscale) o.wscale = static_cast<std::uint8_t>(w);
  return o;
}

}  // namespace tapstack
