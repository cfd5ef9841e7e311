// Fuzzes TCP connections through their whole life against a hostile peer. One host
// (stack/stack.hpp), driven as a runner drives it, runs an echo service on port 7 and opens
// connections of its own. The peer, 10.0.0.77, is not raw bytes but a script decoded from the
// input: it sends SYNs with whatever options the input picks, completes handshakes by
// acknowledging the ISN the host chose (read from what the host sent, which raw frames almost
// never hit), then sends data, ACKs, SACK blocks, RSTs, SYNs and FINs at sequence numbers relative
// to what the host has sent and acknowledged, while the application reads or stops reading,
// writes, closes and changes socket options. The peer keeps a model of each connection from both
// sides, and checks every frame the host sends against it:
//   - it parses cleanly and fits the MTU (fuzz_host.hpp), on a tuple the peer has used;
//   - its ACK acknowledges nothing the peer never sent;
//   - its data and options fit the MSS the peer announced (536 without one, RFC 9293 3.7.1),
//     raised to tcp_config::min_snd_mss and lowered to the host's MTU less 40 (RFC 6691);
//   - new data goes in full segments unless the queue ends there, or in segments of at least half
//     the largest window the peer offered (sender silly-window avoidance, RFC 1122 4.2.3.4): with
//     the MSS floor, a peer cannot make a write go out a few bytes at a time;
//   - its data ends within a window the peer offered (RFC 9293 3.8.6; a zero-window probe may
//     carry one byte past it);
//   - the right edge of the host's own window never moves left, but for what the window scale
//     rounds off (RFC 9293 3.8.6, RFC 7323 2.4);
//   - one segment from the peer is answered by at most one pure ACK, and the ACKs that repeat the
//     last one in answer to segments with nothing to acknowledge (challenge ACKs, ACKs to invalid
//     ACKs) come no faster than tcp_config's per-connection budgets allow: no ACK storm;
// A connection a SYN cookie made (the listener's backlog was full, RFC 4987 3.6) is held to the
// same, from what the cookie gave it: its MSS is the peer's rounded down to the cookie's table
// (536 below it), its first window the completing ACK's, and its window scales those that ACK's
// TSecr decodes to (syn_cookie.hpp); the peer learns that one was made from the host's
// tcp_syn_cookies_validated counter, and that a SYN-ACK was a cookie from tcp_syn_cookies_sent.
// And, besides what it sends: the application reads exactly the bytes the peer sent, in order;
// what the host holds (held()) stays within the buffers of the connections the peer made and the
// sockets the application has open; after poll(now) no deadline is left at or before now, and an
// established connection with keep-alive on has one within keepalive_idle; and nothing crashes,
// leaks or trips ASan or UBSan.
//
// Input layout, so that seeds can be written by hand (make_corpus.py writes them):
//   byte 0    the host: bits 0-1 the MTU (1500, 576, 9000, 88: at 88 the MSS ceiling meets the
//             floor of 48); bits 2-3 every socket's buffers (256 KiB, 64 KiB, 8 KiB, 2 KiB);
//             bit 4 its SYNs offer no window scaling, timestamps or SACK; bit 5 CUBIC, not
//             NewReno; bit 6 Nagle off; bit 7 delayed ACKs off
//   actions   [opcode][arguments], until the input ends (arguments past it read as zero).
//             opcode bits 0-3 the action, bits 4-5 the connection c, bits 6-7 the variant v.
//             Connections 0-2 are the peer's, from port 40000+c to the echo service on port 7;
//             connection 3 is the host's latest connect() to the peer's port 5001 (before the
//             first, segments on it go to the closed port 9).
//   The peer's sequence numbers: isn is its SYNs' (0xfffffff0, 1, 0x7ffffff0, 0x12345678 for
//   c = 0..3 until a SYN sets another), snd.nxt the end of what it sent in order. Its ACK field is
//   all the host has sent, or what the last ack action set; "the last ACK" is the one it sent last.
//   "where" (data, rst, fin) is a byte: bits 6-7 the base (0: the peer's snd.nxt; 1: the host's
//   last ACK, its rcv.nxt; 2: the right edge of the host's last window; 3: the peer's snd.nxt plus
//   bits 0-5 times 2^26, far out), bits 0-5 for bases 0-2 a signed offset in 16-byte steps. Window
//   bytes w give the window field: 0-15 as they are, 16-254 (w - 15) * 256, 255 65535; windows
//   after the SYN are shifted by the scale the peer's SYN announced. Every segment but a SYN
//   carries the peer's timestamps once its SYN offered them.
//    0 wait [n]: time moves on by n * 10 ms (n < 200) or (n - 199) * 5 s, running the timers due
//      on the way as a runner would wake for each; v 1-3 first makes the listener's backlog v
//      (it is 4, more than the peer's three connections, until then), so that a SYN finding the
//      handshakes under way and the accept queue taking it all is answered with a SYN cookie
//    1 syn [isn, 4 bytes, if v bit 1][options][fields][window, 2 bytes]: a SYN at isn; v bit 0
//      makes it a SYN-ACK of the host's ISN + 1. options bits: 0 MSS (2 bytes follow, any value);
//      1 window scale (1 byte, any shift); 2 SACK-permitted; 3 timestamps (TSval, 4 bytes; the
//      peer's clock runs on from it); 4 one more option, kind and length bytes as given, its
//      body zeros (a length below 2 or past the 40 bytes is malformed); 5 16 bytes of data;
//      6 FIN; 7 RST
//    2 handshake: the ACK that completes a handshake: seq isn + 1, ACK the host's ISN + 1
//    3 data [where][length, 2 bytes]: the peer's bytes at where (cut to the host's MSS less
//      options); v bit 0 with FIN, v bit 1 with a timestamp from 2^30 ms ago (PAWS)
//    4 ack [mode][window]: sent v + 1 times; mode bits 0-2: 0 all the host sent (and from then
//      on), 1 the same as last time, 2 the last ACK + (k + 1) * 8, 3 the host's snd.max + 1 + k
//      (data never sent), 4 the last ACK - 2^20 - k, 5 the host's ISN, 6 the last ACK - k * 64,
//      7 the last ACK + 2^31; k is mode bits 3-7
//    5 sack [count][left, 2 bytes][length, 2 bytes]...: an ACK sent v + 1 times, with count % 4
//      + 1 SACK blocks (3 beside timestamps) from the peer's ACK + left; a length with bit 15
//      set runs backwards
//    6 rst [where]: a RST; v bit 0 with ACK, v bit 1 with 8 bytes of data
//    7 fin [where]: a FIN with ACK
//    8 options [n][n bytes]: an ACK whose options are these bytes (at most 40, padded with EOL)
//      and nothing else; v bit 0 makes it a SYN at isn instead
//    9 read [n]: the application's reads: v 0 stops reading, 1 reads whatever arrives (the
//      default), 2 and 3 read n * 64 bytes (all there is when n = 0) from c's socket once
//   10 write [length, 2 bytes]: the application writes that many bytes on c's socket, then
//      v 1 shuts it down for sending, 2 closes it, 3 aborts it
//   11 connect: the host connects to the peer's port 5001 (at most 8 times); v bit 0 offers no
//      window scaling, v bit 1 no timestamps and no SACK
//   12 options [bits]: toggles on c's socket bit 0 Nagle, 1 delayed ACKs, 2 quick ACKs,
//      3 keep-alive, 5 the congestion algorithm; bit 4 doubles the receive buffer, bit 7 the send
//      buffer (each up to 4 times the default), bit 6 shrinks the send buffer to 2 KiB
//   13 icmp [code]: an ICMP error about c's tuple: destination unreachable with code % 16, or
//      with v bit 0 time exceeded
//   14 burst [n]: n % 64 + 1 full-sized segments of the peer's next bytes, back to back
//   15 segment [flags][seq delta, 4 bytes][ack delta, 4 bytes][window, 2 bytes][length]: any
//      control bits at the peer's snd.nxt + delta, acknowledging its ACK + delta, sent 4^v
//      times (a flood in one action)
#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <initializer_list>
#include <iterator>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "stack/stack.hpp"
#include "stack/tcp/syn_cookie.hpp"
#include "stack/wire/ethernet.hpp"
#include "stack/wire/icmp.hpp"
#include "stack/wire/ipv4.hpp"
#include "stack/wire/tcp.hpp"
#include "tests/fuzz/fuzz_check.hpp"
#include "tests/fuzz/fuzz_host.hpp"

using namespace tapstack;
using namespace std::chrono_literals;

namespace {

constexpr ipv4_address peer_ip{0x0a00004d};  // 10.0.0.77
constexpr mac_address peer_mac{{0x02, 0x52, 0x46, 0x00, 0x00, 0x77}};
constexpr std::uint16_t echo_port = 7;
constexpr std::uint16_t closed_port = 9;
constexpr std::uint16_t first_peer_port = 40000;
constexpr std::uint16_t service_port = 5001;  // the peer's, which the host connects to
constexpr std::size_t passive_count = 3;
constexpr std::size_t active = 3;  // the connection the host opens
constexpr std::array<std::uint32_t, 4> default_isns{0xfffffff0, 1, 0x7ffffff0, 0x12345678};
constexpr std::size_t max_connects = 8;
constexpr std::size_t default_backlog = 4;
// How far the options action may grow a socket's buffers, from tcp_config's size.
constexpr std::size_t max_buffer_growth = 4;
// A runner wakes for every deadline; a wait that would wake it more often is a late runner's.
constexpr int max_wakeups_per_wait = 64;
constexpr std::size_t max_burst = 64;
// The IPv4 and TCP headers without options: what the MSS leaves out of the MTU.
constexpr std::size_t headers_len = 40;

enum class action : std::uint8_t {
  wait,
  syn,
  handshake,
  data,
  ack,
  sack,
  rst,
  fin,
  options,
  read,
  write,
  connect,
  socket_options,
  icmp,
  burst,
  segment,
};

stack_config host_config(std::uint8_t selector) {
  constexpr std::array<std::size_t, 4> mtus{1500, 576, 9000, 88};
  constexpr std::array<std::size_t, 4> buffers{256 * 1024, 64 * 1024, 8 * 1024, min_socket_buffer};
  stack_config c;
  c.mtu = mtus[selector & 0x03];
  c.tcp.send_buffer = c.tcp.receive_buffer = buffers[(selector >> 2) & 0x03];
  if (selector & 0x10) c.tcp.window_scaling = c.tcp.timestamps = c.tcp.sack = false;
  if (selector & 0x20) c.tcp.congestion = congestion_algorithm::cubic;
  c.tcp.no_delay = (selector & 0x40) != 0;
  c.tcp.delayed_ack = (selector & 0x80) == 0;
  // Keep-alive within reach of a few waits, should the application turn it on.
  c.tcp.keepalive_idle = 30s;
  c.tcp.keepalive_interval = 5s;
  c.tcp.keepalive_probes = 3;
  return c;
}

// The peer's byte at sequence number seq: the same each time it is sent, so that what the
// application reads can be checked byte for byte whatever overlaps the peer sent.
std::uint8_t stream_byte(seq32 seq) {
  return static_cast<std::uint8_t>((seq.value() * 0x9e3779b1u) >> 24);
}

std::uint32_t milliseconds(instant now) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch());
  return static_cast<std::uint32_t>(ms.count());
}

// The most ACKs repeating the last one that one connection may send within a second in answer to
// segments with nothing to acknowledge (no data, no FIN): challenge ACKs, at most one and a half
// times challenge_acks_per_second in each second, and ACKs to invalid ACKs, one per
// invalid_ack_interval; a second overlaps two of the first intervals and 1 s / interval + 1 of
// the second.
std::size_t repeated_ack_bound(const tcp_config& k) {
  const std::size_t challenges = k.challenge_acks_per_second + k.challenge_acks_per_second / 2 + 1;
  const duration interval = std::max(k.invalid_ack_interval, duration{1});
  const auto answers = static_cast<std::size_t>((1s + interval - duration{1}) / interval) + 1;
  return 2 * challenges + answers;
}

// The MSS a SYN cookie carries for a SYN that offered mss: the largest entry of the cookie's table
// not above it, or the smallest entry for an MSS below them all.
std::uint16_t cookie_mss(std::uint16_t mss) {
  std::uint16_t carried = syn_cookies::mss_table.front();
  for (const std::uint16_t entry : syn_cookies::mss_table)
    if (entry <= mss) carried = entry;
  return carried;
}

// Which sequence numbers the peer has sent on a tuple (a SYN and a FIN one each, data one per
// byte), as disjoint ranges of offsets from the first one it sent, merged where they touch.
class sent_units {
 public:
  void add(seq32 start, std::uint32_t len) {
    if (len == 0) return;
    if (!base_) base_ = start;
    const std::uint64_t begin = start.value() - base_->value();
    if (begin + len <= wrap) return add_offsets(begin, begin + len);
    add_offsets(begin, wrap);
    add_offsets(0, begin + len - wrap);
  }
  bool covers(seq32 start, std::uint32_t len) const {
    if (len == 0) return true;
    if (!base_) return false;
    const std::uint64_t begin = start.value() - base_->value();
    if (begin + len <= wrap) return covers_offsets(begin, begin + len);
    return covers_offsets(begin, wrap) && covers_offsets(0, begin + len - wrap);
  }

 private:
  static constexpr std::uint64_t wrap = std::uint64_t{1} << 32;

  void add_offsets(std::uint64_t begin, std::uint64_t end) {
    auto it = ranges_.upper_bound(begin);
    if (it != ranges_.begin() && std::prev(it)->second >= begin) {
      --it;
      begin = it->first;
      end = std::max(end, it->second);
      it = ranges_.erase(it);
    }
    for (; it != ranges_.end() && it->first <= end; it = ranges_.erase(it))
      end = std::max(end, it->second);
    ranges_.emplace(begin, end);
  }
  bool covers_offsets(std::uint64_t begin, std::uint64_t end) const {
    auto it = ranges_.upper_bound(begin);
    if (it == ranges_.begin()) return false;
    return end <= std::prev(it)->second;
  }

  std::optional<seq32> base_;
  std::map<std::uint64_t, std::uint64_t> ranges_;  // begin -> end, within [0, 2^32]
};

// A SYN the peer sent, with what the host takes from it if it is the one it answers.
struct peer_syn {
  seq32 seq;
  std::optional<std::uint16_t> mss;
  bool window_scale = false;
  std::uint16_t window = 0;  // never scaled on a SYN (RFC 7323 2.2)
  friend bool operator==(const peer_syn&, const peer_syn&) = default;
};

using tuple_key = std::pair<std::uint16_t, std::uint16_t>;  // the host's port, the peer's

// One tuple as the peer sees it, across the connections that come and go on it. What the peer
// sent stays for good (an ACK of it is never wrong); what it knows of the host starts afresh with
// each connection the host makes on the tuple, which begins with the host's SYN or SYN-ACK.
struct tuple_state {
  tuple_key key;

  // The peer's side.
  seq32 isn;
  seq32 snd_nxt;
  sent_units sent;
  std::vector<peer_syn> syns;  // those the host can read, each once
  std::uint8_t max_shift = 0;  // the largest window scale a SYN announced, as the host reads it
  bool timestamps = false;     // its last SYN offered them: every later segment carries them
  std::uint32_t ts_start = 0;  // its TSval at time zero
  bool ack_all = true;         // its ACK field is all the host sent, rather than ack
  seq32 ack;
  std::optional<seq32> last_ack;  // the ACK field it last sent
  std::uint16_t window = 0xffff;

  // The host's connection on the tuple.
  std::optional<seq32> host_iss;
  std::optional<seq32> irs;                 // the peer's ISN that the host acknowledged
  std::optional<std::uint8_t> host_wscale;  // what the host's SYN or SYN-ACK offered
  std::optional<std::uint8_t> host_shift;   // how its windows scale; nullopt while not known
  seq32 host_max;                           // the end of the highest sequence number it sent
  std::optional<seq32> host_ack;
  std::optional<seq32> host_right;    // the furthest right edge of a window it advertised
  std::optional<seq32> window_limit;  // the furthest right edge of a window the peer offered
  std::uint32_t host_tsval = 0;
  std::deque<instant> repeated_acks;  // when it repeated its last ACK to a dataless segment
  // Its last SYN-ACK was a SYN cookie, or its connection was made from one: the MSS is then the
  // cookie's rounding of the SYN's. Such a connection started from the window of the ACK that
  // completed it, not the SYN's.
  bool cookie = false;
  std::optional<std::uint16_t> first_window;

  void host_connects(seq32 iss) {
    host_iss = iss;
    irs.reset();
    host_wscale.reset();
    host_shift.reset();
    host_max = iss;
    host_ack.reset();
    host_right.reset();
    window_limit.reset();
    repeated_acks.clear();
    cookie = false;
    first_window.reset();
  }
  seq32 current_ack() const { return ack_all ? host_max : ack; }
  std::uint32_t ts_val(instant now) const { return ts_start + milliseconds(now); }
  // The SYNs the host may have taken its options from: those at the ISN it acknowledged.
  template <typename F>
  void for_each_taken_syn(F&& f) const {
    if (!irs) return;
    for (const peer_syn& s : syns)
      if (s.seq == *irs) f(s);
  }
};

// Option bytes as the peer writes them, well-formed or not, padded with EOL to the 4-byte multiple
// the data offset counts in. An option that does not fit in the 40 bytes is left out whole.
class option_bytes {
 public:
  void add(std::initializer_list<std::uint8_t> bytes) { add(const_byte_span{bytes}); }
  void add(const_byte_span bytes) {
    if (bytes.size() > bytes_.size() - len_) return;
    std::copy(bytes.begin(), bytes.end(), bytes_.begin() + static_cast<std::ptrdiff_t>(len_));
    len_ += bytes.size();
  }
  void add_timestamps(std::uint32_t val, std::uint32_t ecr) {
    std::array<std::uint8_t, tcp::timestamps_option_len> o{tcp::option::nop, tcp::option::nop,
                                                           tcp::option::timestamps, 10};
    store_be32(&o[4], val);
    store_be32(&o[8], ecr);
    add(o);
  }
  // Kind and length as given, then zeros for the body, as far as the 40 bytes go: a length below
  // 2, or one that runs past them, makes the list malformed.
  void add_any(std::uint8_t kind, std::uint8_t len) {
    if (bytes_.size() - len_ < 2) return;
    bytes_[len_++] = kind;
    bytes_[len_++] = len;
    const std::size_t body = len < 2 ? 0 : std::min<std::size_t>(len - 2, bytes_.size() - len_);
    len_ += body;  // the array is zero past len_
  }
  std::size_t padded_len() const { return (len_ + 3) / 4 * 4; }
  const_byte_span padded() const { return const_byte_span{bytes_}.first(padded_len()); }

 private:
  std::array<std::uint8_t, tcp::max_options_len> bytes_{};
  std::size_t len_ = 0;
};

struct segment_out {
  tcp_flags flags;
  seq32 seq;
  seq32 ack;
  std::uint16_t window = 0;
  option_bytes options;
  std::uint32_t payload_len = 0;

  std::uint32_t len() const { return payload_len + (flags.syn ? 1 : 0) + (flags.fin ? 1 : 0); }
  seq32 data_seq() const { return seq + (flags.syn ? 1u : 0u); }
};

// A frame from the peer to the host with its Ethernet and IPv4 headers written; the caller writes
// the payload behind them.
std::vector<std::uint8_t> packet_to_host(const stack_config& c, ip_protocol protocol,
                                         std::size_t payload_len) {
  std::vector<std::uint8_t> frame(ethernet::header_len + ipv4::min_header_len + payload_len);
  ethernet_repr{.src = peer_mac, .dst = c.mac, .type = ethertype::ipv4}.emit(frame);
  ipv4_repr{.src = peer_ip,
            .dst = c.address.address,
            .protocol = protocol,
            .dont_fragment = true,
            .payload_len = payload_len}
      .emit(byte_span{frame}.subspan(ethernet::header_len));
  return frame;
}

bool is_pure_ack(const tcp_repr& seg) {
  return seg.flags.ack && !seg.flags.syn && !seg.flags.fin && !seg.flags.rst && seg.payload.empty();
}

// The peer: sends what the script asks, answers the host's ARP requests at once, and checks every
// frame the host sends against what it knows of the connections.
class peer {
 public:
  explicit peer(stack& host)
      : host_{host},
        config_{host.config()},
        repeated_ack_bound_{repeated_ack_bound(host.config().tcp)} {
    for (std::size_t c = 0; c < passive_count; ++c) state(passive_key(c), default_isns[c]);
    state(active_key_, default_isns[active]);
  }

  static tuple_key passive_key(std::size_t c) {
    return {echo_port, static_cast<std::uint16_t>(first_peer_port + c)};
  }
  tuple_state& connection(std::size_t c) {
    return tuples_.at(c == active ? active_key_ : passive_key(c));
  }
  const tuple_state* find(tuple_key key) const {
    const auto it = tuples_.find(key);
    return it == tuples_.end() ? nullptr : &it->second;
  }
  // The most a segment of the peer's with these options carries: the MSS the host announced.
  std::uint32_t room(const option_bytes& o) const {
    return static_cast<std::uint32_t>(config_.mtu - headers_len - o.padded_len());
  }
  // The options on the peer's segments other than its SYNs; a stale timestamp fails PAWS.
  option_bytes options(const tuple_state& t, instant now, bool stale = false) const {
    option_bytes o;
    if (t.timestamps) o.add_timestamps(t.ts_val(now) - (stale ? 1u << 30 : 0u), t.host_tsval);
    return o;
  }

  // Delivers one segment, then takes and checks all the host sent about it.
  void send(tuple_state& t, const segment_out& s, instant now) {
    remember(t, s);
    const std::size_t header_len = tcp::min_header_len + s.options.padded_len();
    std::vector<std::uint8_t> frame =
        packet_to_host(config_, ip_protocol::tcp, header_len + s.payload_len);
    const byte_span seg = byte_span{frame}.subspan(ethernet::header_len + ipv4::min_header_len);
    store_be16(&seg[tcp::field::src_port], t.key.second);
    store_be16(&seg[tcp::field::dst_port], t.key.first);
    store_be32(&seg[tcp::field::seq], s.seq.value());
    store_be32(&seg[tcp::field::ack], s.flags.ack ? s.ack.value() : 0);
    seg[tcp::field::data_offset] = static_cast<std::uint8_t>(header_len / 4 << 4);
    seg[tcp::field::flags] = s.flags.bits();
    store_be16(&seg[tcp::field::window], s.window);
    const const_byte_span o = s.options.padded();
    std::copy(o.begin(), o.end(), seg.begin() + tcp::field::options);
    for (std::uint32_t i = 0; i < s.payload_len; ++i)
      seg[header_len + i] = stream_byte(s.data_seq() + i);
    store_be16(&seg[tcp::field::checksum],
               transport_checksum(ip_protocol::tcp, peer_ip, config_.address.address, seg));
    answer a{.key = t.key, .end = s.seq + s.len(), .dataless = s.payload_len == 0 && !s.flags.fin};
    answer_ = &a;
    const counters& stats = host_.stats();
    const std::uint64_t cookies_sent = stats[event::tcp_syn_cookies_sent];
    const std::uint64_t cookies_validated = stats[event::tcp_syn_cookies_validated];
    // The frame is freed right after, so ASan reports any pointer the host keeps into it.
    host_.receive(frame, now);
    if (stats[event::tcp_syn_cookies_validated] != cookies_validated) cookie_connection(t, s);
    drain(now);
    // After the SYN-ACK itself was seen, which starts what the peer knows afresh.
    if (stats[event::tcp_syn_cookies_sent] != cookies_sent) t.cookie = true;
    answer_ = nullptr;
    TAPSTACK_FUZZ_CHECK(a.pure_acks <= 1);
  }

  // An ICMP error from the peer about the last segment the host sent on t's tuple.
  void send_icmp_error(const tuple_state& t, icmp_type type, std::uint8_t code, instant now) {
    std::array<std::uint8_t, ipv4::min_header_len + 8> quote{};
    ipv4_repr{.src = config_.address.address,
              .dst = peer_ip,
              .protocol = ip_protocol::tcp,
              .dont_fragment = true,
              .payload_len = tcp::min_header_len}
        .emit(quote);
    const byte_span start = byte_span{quote}.subspan(ipv4::min_header_len);
    store_be16(&start[tcp::field::src_port], t.key.first);
    store_be16(&start[tcp::field::dst_port], t.key.second);
    store_be32(&start[tcp::field::seq], t.host_max.value());
    const icmp_repr message{.type = type, .code = code, .next_hop_mtu = 576, .data = quote};
    std::vector<std::uint8_t> frame =
        packet_to_host(config_, ip_protocol::icmp, message.buffer_len());
    message.emit(byte_span{frame}.subspan(ethernet::header_len + ipv4::min_header_len));
    host_.receive(frame, now);
    drain(now);
  }

  // Takes every frame the host has queued, checks it and learns from it.
  void drain(instant now) {
    while (auto f = host_.pop_transmit()) {
      fuzz::check_sent(config_, f->bytes());
      observe(f->bytes(), now);
      host_.recycle(std::move(*f));
    }
  }

 private:
  // The segment being delivered, and the pure ACKs the host answered it with.
  struct answer {
    tuple_key key;
    seq32 end;  // its seq + SEG.LEN: what a RST answering it acknowledges
    bool dataless = false;
    unsigned pure_acks = 0;
  };

  tuple_state& state(tuple_key key, std::uint32_t isn) {
    const auto [it, added] = tuples_.try_emplace(key);
    if (added) {
      it->second.key = key;
      it->second.isn = seq32{isn};
      it->second.snd_nxt = seq32{isn} + 1;
    }
    return it->second;
  }

  void remember(tuple_state& t, const segment_out& s) {
    if (s.flags.syn) {
      t.sent.add(s.seq, 1);
      // The host drops a SYN whose options it cannot read: there is nothing it could take.
      if (const auto o = tcp_options::parse(s.options.padded())) {
        const peer_syn syn{.seq = s.seq,
                           .mss = o->mss,
                           .window_scale = o->window_scale.has_value(),
                           .window = s.window};
        // Once each: a flood of SYNs would otherwise make every check walk them all.
        if (std::find(t.syns.begin(), t.syns.end(), syn) == t.syns.end()) t.syns.push_back(syn);
        t.max_shift = std::max(t.max_shift, o->window_scale.value_or(0));
      }
    }
    t.sent.add(s.data_seq(), s.payload_len);
    if (s.flags.fin) t.sent.add(s.data_seq() + s.payload_len, 1);
    if (s.flags.ack) t.last_ack = s.ack;
    const seq32 end = s.seq + s.len();
    if (seq_le(s.seq, t.snd_nxt) && seq_gt(end, t.snd_nxt)) t.snd_nxt = end;
    offer_window(t, s);
  }

  // A window the host may take: one on an ACK of what it sent (from its ISN, as an ACK that far
  // from the rest is on the wrong side of the sequence space), shifted by the largest scale any
  // SYN announced, so that the edge is the furthest it can be.
  static void offer_window(tuple_state& t, const segment_out& s) {
    if (s.flags.ack && t.host_iss && seq_ge(s.ack, *t.host_iss) && seq_le(s.ack, t.host_max)) {
      const seq32 edge = s.ack + (std::uint32_t{s.window} << (s.flags.syn ? 0 : t.max_shift));
      t.window_limit = t.window_limit ? seq_max(*t.window_limit, edge) : edge;
    }
  }

  // The ACK s handed back a SYN cookie, and the host made a connection from it: its ISN the
  // cookie, the peer's ISN the one before s, and window scaling only if s's TSecr carries the
  // peer's scale (as the cookie's SYN-ACK put it there, or as the peer forged it). The host's
  // scale is the one its SYN-ACK announced; had that none, the host's windows cannot be read.
  void cookie_connection(tuple_state& t, const segment_out& s) const {
    const std::optional<std::uint8_t> announced = t.host_wscale;
    t.host_connects(s.ack - 1);
    t.host_max = s.ack;
    t.irs = s.seq - 1;
    t.cookie = true;
    t.first_window = s.window;
    t.host_shift = 0;
    const auto options = tcp_options::parse(s.options.padded());
    if (options && options->timestamps) {
      const auto offered = syn_cookies::decode_ts_options(options->timestamps->ecr);
      if (offered.wscale) {
        t.max_shift = std::max(t.max_shift, *offered.wscale);
        if (config_.tcp.window_scaling) t.host_shift = announced;
      }
    }
    offer_window(t, s);
  }

  void observe(const_byte_span frame, instant now) {
    const ethernet_repr link = ethernet_repr::parse(*ethernet_view::check(frame));
    const const_byte_span packet = frame.subspan(ethernet::header_len);
    if (link.type == ethertype::arp)
      return answer_arp(*arp_repr::parse(*arp_view::check(packet)), now);
    const auto view = ipv4_view::check(packet);
    const auto ip = ipv4_repr::parse(*view);
    if (ip->protocol != ip_protocol::tcp) return;
    TAPSTACK_FUZZ_CHECK(ip->dst == peer_ip && link.dst == peer_mac);
    const auto tcp = tcp_view::check(view->payload());
    const auto seg = tcp_repr::parse(*tcp, ip->src, ip->dst);
    const tuple_key key{seg->src_port, seg->dst_port};
    if (seg->flags.syn && !seg->flags.ack && key.second == service_port) {
      state(key, default_isns[active]);
      active_key_ = key;
    }
    const auto it = tuples_.find(key);
    TAPSTACK_FUZZ_CHECK(it != tuples_.end());  // only where the peer sent or a connect() went
    check(it->second, *seg, tcp->header_len() - tcp::min_header_len, now);
  }

  void answer_arp(const arp_repr& request, instant now) {
    if (request.operation != arp_operation::request || request.target_ip != peer_ip) return;
    std::vector<std::uint8_t> frame(ethernet::min_frame_len);
    ethernet_repr{.src = peer_mac, .dst = request.sender_mac, .type = ethertype::arp}.emit(frame);
    arp_repr{.operation = arp_operation::reply,
             .sender_mac = peer_mac,
             .sender_ip = peer_ip,
             .target_mac = request.sender_mac,
             .target_ip = request.sender_ip}
        .emit(byte_span{frame}.subspan(ethernet::header_len));
    host_.receive(frame, now);
  }

  void check(tuple_state& t, const tcp_repr& seg, std::size_t options_len, instant now) {
    if (seg.options.timestamps) t.host_tsval = seg.options.timestamps->val;
    if (seg.flags.syn) learn_syn(t, seg);
    if (seg.flags.ack && !seg.flags.rst && !t.irs) {
      // The host took a SYN-ACK in SYN-SENT: its first ACK names the ISN it took.
      t.irs = seg.ack - 1;
      t.host_shift = shift_when_connecting(t);
    }
    if (seg.flags.ack) check_ack(t, seg);
    if (seg.flags.rst) return;
    if (!seg.payload.empty()) check_data(t, seg, options_len);
    t.host_max = seq_max(t.host_max, seg.seq + seg.segment_len());
    if (seg.flags.ack) check_window(t, seg, now);
  }

  // Every SYN of the host's starts what the peer knows of its connection afresh: a SYN-ACK sent
  // again and one from a new connection on the same tuple in the same instant (RFC 6528: the
  // same ISNs) look alike, and need not be told apart, as there is nothing else to know before
  // the handshake completes.
  void learn_syn(tuple_state& t, const tcp_repr& seg) {
    t.host_connects(seg.seq);
    if (!seg.flags.ack) {
      t.host_wscale = seg.options.window_scale;
      return;
    }
    t.irs = seg.ack - 1;
    // A SYN-ACK carries the host's window scale only when it is in force.
    t.host_wscale = seg.options.window_scale;
    t.host_shift = seg.options.window_scale.value_or(0);
  }

  // When the host took a SYN-ACK in SYN-SENT, its windows scale if its SYN offered a scale and
  // the SYN-ACK did too; nullopt while the SYN-ACKs it may have taken disagree.
  std::optional<std::uint8_t> shift_when_connecting(const tuple_state& t) const {
    std::optional<bool> scaled;
    bool agree = true;
    t.for_each_taken_syn([&](const peer_syn& s) {
      agree = agree && (!scaled || *scaled == s.window_scale);
      scaled = s.window_scale;
    });
    if (!agree || !scaled) return std::nullopt;
    return *scaled && t.host_wscale ? *t.host_wscale : 0;
  }

  // The ACK acknowledges nothing the peer never sent: everything from one of its SYNs up to the
  // ACK was sent. A RST answering a segment that found no connection may acknowledge that segment
  // whole (RFC 9293 3.10.7.1), whatever came before it.
  void check_ack(const tuple_state& t, const tcp_repr& seg) const {
    if (seg.flags.rst && answer_ && answer_->key == t.key && seg.ack == answer_->end) return;
    TAPSTACK_FUZZ_CHECK(t.irs.has_value());
    const bool syn_sent = std::any_of(t.syns.begin(), t.syns.end(),
                                      [&](const peer_syn& s) { return s.seq == *t.irs; });
    TAPSTACK_FUZZ_CHECK(syn_sent);
    TAPSTACK_FUZZ_CHECK(seq_gt(seg.ack, *t.irs));
    TAPSTACK_FUZZ_CHECK(t.sent.covers(*t.irs, static_cast<std::uint32_t>(seg.ack - *t.irs)));
  }

  // The largest and smallest MSS the host may be using: the peer's (536 without one; on a cookie's
  // connection the cookie's rounding of it), raised to the floor and lowered to what the host's
  // MTU carries, of each SYN it may have taken.
  std::optional<std::pair<std::size_t, std::size_t>> mss_range(const tuple_state& t) const {
    std::optional<std::pair<std::size_t, std::size_t>> range;
    t.for_each_taken_syn([&](const peer_syn& s) {
      const std::uint16_t offered = s.mss.value_or(536);
      const std::size_t raised =
          std::max<std::size_t>(t.cookie ? cookie_mss(offered) : offered, config_.tcp.min_snd_mss);
      const std::size_t mss = std::min(raised, config_.mtu - headers_len);
      range = range ? std::pair{std::min(range->first, mss), std::max(range->second, mss)}
                    : std::pair{mss, mss};
    });
    return range;
  }

  // The least window the host's connection may have started with: the largest it has been
  // offered since (which silly-window avoidance halves) is no smaller.
  std::uint16_t least_first_window(const tuple_state& t) const {
    if (t.first_window) return *t.first_window;
    std::optional<std::uint16_t> least;
    t.for_each_taken_syn(
        [&](const peer_syn& s) { least = std::min(least.value_or(s.window), s.window); });
    return least.value_or(0);
  }

  void check_data(const tuple_state& t, const tcp_repr& seg, std::size_t options_len) const {
    const std::size_t len = seg.payload.size();
    // Within a window the peer offered; a zero-window probe may carry one byte past it.
    TAPSTACK_FUZZ_CHECK(t.window_limit.has_value());
    const seq32 end = seg.seq + static_cast<std::uint32_t>(len);
    TAPSTACK_FUZZ_CHECK(seq_le(end, *t.window_limit) || (len == 1 && seg.seq == *t.window_limit));
    // RFC 6691: the options come out of the MSS.
    const auto range = mss_range(t);
    TAPSTACK_FUZZ_CHECK(range.has_value());
    const auto room = [&](std::size_t mss) { return mss > options_len ? mss - options_len : 1; };
    TAPSTACK_FUZZ_CHECK(len <= room(range->second));
    // New data short of a full segment, with more queued behind it (no PSH), is sent only when
    // it is at least half the largest window the peer offered (RFC 1122 4.2.3.4).
    const bool new_data = seq_ge(seg.seq, t.host_max);
    if (new_data && !seg.flags.psh && !seg.flags.fin)
      TAPSTACK_FUZZ_CHECK(len >=
                          std::min<std::size_t>(room(range->first), least_first_window(t) / 2));
  }

  // The host's window and how it answers: its right edge never moves left but by what its scale
  // rounds off; one pure ACK at most per segment of the peer's; and ACKs that repeat the last in
  // answer to segments with nothing to acknowledge within the per-connection budgets.
  void check_window(tuple_state& t, const tcp_repr& seg, instant now) {
    if (is_pure_ack(seg) && answer_ && answer_->key == t.key) {
      ++answer_->pure_acks;
      if (answer_->dataless && t.host_ack == seg.ack) {
        t.repeated_acks.push_back(now);
        while (now - t.repeated_acks.front() >= 1s) t.repeated_acks.pop_front();
        TAPSTACK_FUZZ_CHECK(t.repeated_acks.size() <= repeated_ack_bound_);
      }
    }
    t.host_ack = seg.ack;
    if (!t.host_shift) return;
    const seq32 right =
        seg.ack + (std::uint32_t{seg.window} << (seg.flags.syn ? 0 : *t.host_shift));
    // A SYN-ACK's window is never scaled (RFC 7323 2.2): one sent again after a scaled ACK may
    // offer less than that ACK did, and cannot do otherwise.
    if (t.host_right && !seg.flags.syn) {
      const std::uint32_t rounding = (1u << *t.host_shift) - 1;
      TAPSTACK_FUZZ_CHECK(seq_ge(right + rounding, *t.host_right));
    }
    t.host_right = t.host_right ? seq_max(*t.host_right, right) : right;
  }

  stack& host_;
  const stack_config& config_;
  const std::size_t repeated_ack_bound_;
  std::map<tuple_key, tuple_state> tuples_;
  tuple_key active_key_{closed_port, service_port};
  answer* answer_ = nullptr;
};

// The application: an echo service on port 7 that accepts every connection, and the connections
// the host opens to the peer. What it reads is checked byte for byte against the peer's stream.
class application {
 public:
  application(stack& host, const peer& p) : config_{host.config()}, tcp_{host.tcp()}, peer_{p} {
    listener_ = tcp_.open();
    TAPSTACK_FUZZ_CHECK(!tcp_.bind(listener_, {ipv4_address::any(), echo_port}));
    listen(default_backlog);
  }

  // The listener's backlog from now on: listen() again, as a program may.
  void listen(std::size_t backlog) { TAPSTACK_FUZZ_CHECK(!tcp_.listen(listener_, backlog)); }

  std::size_t open_sockets() const { return sockets_.size(); }
  std::size_t connects() const { return connects_; }
  void read_always(bool on) { reading_ = on; }

  // An established connection with keep-alive on always has a timer that ends its idleness: the
  // host may be left alone until its next deadline, and a silent peer must not hold the
  // connection for good.
  void check_keepalive(std::optional<instant> next_deadline, instant now) const {
    const duration wait = std::max(config_.tcp.keepalive_idle, config_.tcp.keepalive_interval);
    for (const open_socket& s : sockets_) {
      const auto info = tcp_.info(s.id);
      if (tcp_.options(s.id)->keepalive && info && info->state == tcp_state::established)
        TAPSTACK_FUZZ_CHECK(next_deadline && *next_deadline <= now + wait);
    }
  }

  // What it does whenever it runs: accepts, and reads (and echoes) what is there if it reads.
  void run(instant now) {
    tcp_socket_id id = 0;
    while (!tcp_.accept(listener_, id)) {
      const auto remote = tcp_.remote_endpoint(id);
      TAPSTACK_FUZZ_CHECK(remote && remote->address == peer_ip);
      TAPSTACK_FUZZ_CHECK(remote->port >= first_peer_port &&
                          remote->port < first_peer_port + passive_count);
      sockets_.push_back({.id = id,
                          .key = {echo_port, remote->port},
                          .connection = std::size_t{remote->port} - first_peer_port});
      start_stream(sockets_.back());
    }
    for (open_socket& s : sockets_)
      if (!s.next && tcp_.connected(s.id)) start_stream(s);
    if (reading_) std::erase_if(sockets_, [&](open_socket& s) { return !read(s, SIZE_MAX, now); });
  }

  void read_once(std::size_t connection, std::size_t limit, instant now) {
    const auto s = newest(connection);
    if (s != sockets_.end() && !read(*s, limit, now)) sockets_.erase(s);
  }

  // Writes len bytes, then (then = 1, 2, 3) shuts down sending, closes or aborts.
  void write(std::size_t connection, std::size_t len, std::uint8_t then, instant now) {
    const auto s = newest(connection);
    if (s == sockets_.end()) return;
    std::vector<std::uint8_t> data(len);
    for (std::size_t i = 0; i < len; ++i) data[i] = static_cast<std::uint8_t>('a' + i % 26);
    std::size_t queued = 0;
    tcp_.send(s->id, data, queued, now);
    if (then == 1) tcp_.shutdown_send(s->id, now);
    if (then == 2) tcp_.close(s->id, now);
    if (then == 3) tcp_.abort(s->id, now);
    if (then >= 2) sockets_.erase(s);
  }

  void connect(bool no_window_scaling, bool no_timestamps_or_sack, instant now) {
    if (connects_ == max_connects) return;
    ++connects_;
    const tcp_socket_id id = tcp_.open();
    tcp_socket_options o = *tcp_.options(id);
    o.window_scaling = !no_window_scaling;
    o.timestamps = o.sack = !no_timestamps_or_sack;
    TAPSTACK_FUZZ_CHECK(!tcp_.set_options(id, o, now));
    TAPSTACK_FUZZ_CHECK(!tcp_.connect(id, {peer_ip, service_port}, now));
    sockets_.push_back(
        {.id = id, .key = {tcp_.local_endpoint(id)->port, service_port}, .connection = active});
  }

  void toggle_options(std::size_t connection, std::uint8_t bits, instant now) {
    const auto s = newest(connection);
    if (s == sockets_.end()) return;
    tcp_socket_options o = *tcp_.options(s->id);
    o.no_delay ^= (bits & 0x01) != 0;
    o.delayed_ack ^= (bits & 0x02) != 0;
    o.quick_ack ^= (bits & 0x04) != 0;
    o.keepalive ^= (bits & 0x08) != 0;
    if (bits & 0x10)
      o.receive_buffer =
          std::min(2 * o.receive_buffer, max_buffer_growth * config_.tcp.receive_buffer);
    if (bits & 0x20)
      o.congestion = o.congestion == congestion_algorithm::newreno ? congestion_algorithm::cubic
                                                                   : congestion_algorithm::newreno;
    if (bits & 0x40) o.send_buffer = min_socket_buffer;
    if (bits & 0x80)
      o.send_buffer = std::min(2 * o.send_buffer, max_buffer_growth * config_.tcp.send_buffer);
    // A send buffer smaller than what it holds is refused; that is the point of trying.
    tcp_.set_options(s->id, o, now);
  }

 private:
  struct open_socket {
    tcp_socket_id id = 0;
    tuple_key key;
    std::size_t connection = 0;
    std::optional<seq32> next;  // the peer's sequence number of the next byte to read
  };

  std::vector<open_socket>::iterator newest(std::size_t connection) {
    const auto it = std::find_if(sockets_.rbegin(), sockets_.rend(),
                                 [&](const open_socket& s) { return s.connection == connection; });
    return it == sockets_.rend() ? sockets_.end() : std::prev(it.base());
  }

  // The stream starts after the ISN the host acknowledged, which the peer saw it do.
  void start_stream(open_socket& s) {
    const tuple_state* t = peer_.find(s.key);
    TAPSTACK_FUZZ_CHECK(t && t->irs);
    s.next = *t->irs + 1;
  }

  // Reads up to limit bytes, echoing them on the service's connections. False when the stream
  // ended or failed, and the socket is closed.
  bool read(open_socket& s, std::size_t limit, instant now) {
    std::array<std::uint8_t, 4096> buf;
    while (limit > 0) {
      std::size_t n = 0;
      const auto ec = tcp_.receive(s.id, byte_span{buf}.first(std::min(limit, buf.size())), n, now);
      if (ec == std::errc::operation_would_block) return true;
      if (ec || n == 0) {
        tcp_.close(s.id, now);
        return false;
      }
      if (!s.next) start_stream(s);
      for (std::size_t i = 0; i < n; ++i)
        TAPSTACK_FUZZ_CHECK(buf[i] == stream_byte(*s.next + static_cast<std::uint32_t>(i)));
      *s.next += static_cast<std::uint32_t>(n);
      limit -= n;
      if (s.connection != active) {
        // What does not fit in the send buffer is not echoed.
        std::size_t queued = 0;
        tcp_.send(s.id, const_byte_span{buf}.first(n), queued, now);
      }
    }
    return true;
  }

  const stack_config& config_;
  tcp_layer& tcp_;
  const peer& peer_;
  tcp_socket_id listener_ = 0;
  std::vector<open_socket> sockets_;
  std::size_t connects_ = 0;
  bool reading_ = true;
};

// The input, decoded into actions and played against the host.
class script {
 public:
  script(stack& host, fuzz::input_reader& in)
      : host_{host}, in_{in}, peer_{host}, app_{host, peer_} {
    peer_.drain(now_);
  }

  void run() {
    while (!in_.empty()) {
      const std::uint8_t opcode = in_.byte();
      perform(static_cast<action>(opcode & 0x0f), (opcode >> 4) & 0x03, opcode >> 6);
      app_.run(now_);
      peer_.drain(now_);
      advance(now_);
      check_held();
      app_.check_keepalive(host_.next_deadline(), now_);
    }
  }

 private:
  void perform(action a, std::size_t c, std::uint8_t v) {
    tuple_state& t = peer_.connection(c);
    switch (a) {
      case action::wait: {
        if (v != 0) app_.listen(v);
        const std::uint8_t n = in_.byte();
        return advance(now_ + (n < 200 ? n * 10ms : (n - 199) * duration{5s}));
      }
      case action::syn:
        return syn(t, v);
      case action::handshake: {
        // Before anything else, the peer's data starts right after its SYN.
        if (t.host_ack == t.isn + 1) t.snd_nxt = t.isn + 1;
        t.ack_all = true;
        return send_ack(t, t.isn + 1, t.host_iss.value_or(seq32{}) + 1);
      }
      case action::data: {
        const seq32 seq = where(t, in_.byte());
        const std::uint16_t len = in_.be16();
        segment_out s = segment(t, tcp_flags{.fin = (v & 1) != 0, .ack = true}, seq, (v & 2) != 0);
        s.payload_len = std::min<std::uint32_t>(len, peer_.room(s.options));
        s.flags.psh = s.payload_len > 0;
        return peer_.send(t, s, now_);
      }
      case action::ack: {
        ack_mode(t, in_.byte());
        t.window = window_field(in_.byte());
        for (unsigned i = 0; i <= v; ++i) send_ack(t, t.snd_nxt, t.current_ack());
        return;
      }
      case action::sack:
        return sack(t, v);
      case action::rst: {
        segment_out s =
            segment(t, tcp_flags{.rst = true, .ack = (v & 1) != 0}, where(t, in_.byte()));
        s.payload_len = v & 2 ? 8 : 0;
        return peer_.send(t, s, now_);
      }
      case action::fin:
        return peer_.send(t, segment(t, tcp_flags{.fin = true, .ack = true}, where(t, in_.byte())),
                          now_);
      case action::options:
        return raw_options(t, v);
      case action::read: {
        const std::size_t n = in_.byte();
        if (v < 2) return app_.read_always(v == 1);
        return app_.read_once(c, n == 0 ? SIZE_MAX : n * 64, now_);
      }
      case action::write:
        return app_.write(c, in_.be16(), v, now_);
      case action::connect:
        return app_.connect((v & 1) != 0, (v & 2) != 0, now_);
      case action::socket_options:
        return app_.toggle_options(c, in_.byte(), now_);
      case action::icmp: {
        const std::uint8_t code = in_.byte();
        if (v & 1) return peer_.send_icmp_error(t, icmp_type::time_exceeded, code & 1, now_);
        return peer_.send_icmp_error(t, icmp_type::dest_unreachable, code & 0x0f, now_);
      }
      case action::burst:
        return burst(t, in_.byte() % max_burst + 1);
      case action::segment: {
        const tcp_flags flags = tcp_flags::from_bits(in_.byte());
        const seq32 seq = t.snd_nxt + in_.be32();
        const seq32 ack = t.current_ack() + in_.be32();
        segment_out s = segment(t, flags, seq);
        s.ack = ack;
        s.window = in_.be16();
        s.payload_len = std::min<std::uint32_t>(in_.byte(), peer_.room(s.options));
        for (unsigned i = 0; i < 1u << 2 * v; ++i) peer_.send(t, s, now_);
        return;
      }
    }
  }

  // A segment other than a SYN, with the peer's ACK, window and options as they stand.
  segment_out segment(const tuple_state& t, tcp_flags flags, seq32 seq, bool stale = false) const {
    segment_out s;
    s.flags = flags;
    s.seq = seq;
    s.ack = t.current_ack();
    s.window = t.window;
    s.options = peer_.options(t, now_, stale);
    return s;
  }

  void send_ack(tuple_state& t, seq32 seq, seq32 ack) {
    segment_out s = segment(t, tcp_flags{.ack = true}, seq);
    s.ack = ack;
    peer_.send(t, s, now_);
  }

  void syn(tuple_state& t, std::uint8_t v) {
    if (v & 2) {
      t.isn = seq32{in_.be32()};
      t.snd_nxt = t.isn + 1;
    }
    const std::uint8_t o = in_.byte();
    segment_out s;
    s.flags = {.fin = (o & 0x40) != 0, .syn = true, .rst = (o & 0x80) != 0, .ack = (v & 1) != 0};
    s.seq = t.isn;
    s.ack = t.host_iss.value_or(seq32{}) + 1;
    if (o & 0x01) {
      const std::uint16_t mss = in_.be16();
      s.options.add({tcp::option::mss, 4, static_cast<std::uint8_t>(mss >> 8),
                     static_cast<std::uint8_t>(mss)});
    }
    if (o & 0x02) s.options.add({tcp::option::nop, tcp::option::window_scale, 3, in_.byte()});
    if (o & 0x04)
      s.options.add({tcp::option::nop, tcp::option::nop, tcp::option::sack_permitted, 2});
    t.timestamps = (o & 0x08) != 0;
    if (t.timestamps) {
      const std::uint32_t val = in_.be32();
      t.ts_start = val - milliseconds(now_);
      s.options.add_timestamps(val, t.host_tsval);
    }
    if (o & 0x10) {
      const std::uint8_t kind = in_.byte();
      s.options.add_any(kind, in_.byte());
    }
    if (o & 0x20) s.payload_len = 16;
    s.window = in_.be16();
    t.ack_all = true;
    peer_.send(t, s, now_);
  }

  void sack(tuple_state& t, std::uint8_t v) {
    const std::size_t blocks = std::min<std::size_t>(in_.byte() % 4 + 1, t.timestamps ? 3 : 4);
    segment_out s = segment(t, tcp_flags{.ack = true}, t.snd_nxt);
    std::array<std::uint8_t, 4 + 8 * tcp::max_sack_blocks> o{
        tcp::option::nop, tcp::option::nop, tcp::option::sack,
        static_cast<std::uint8_t>(2 + 8 * blocks)};
    for (std::size_t i = 0; i < blocks; ++i) {
      const seq32 left = s.ack + in_.be16();
      const std::uint16_t len = in_.be16();
      const seq32 right = len & 0x8000 ? left - (len & 0x7fffu) : left + len;
      store_be32(&o[4 + 8 * i], left.value());
      store_be32(&o[8 + 8 * i], right.value());
    }
    s.options.add(const_byte_span{o}.first(4 + 8 * blocks));
    for (unsigned i = 0; i <= v; ++i) peer_.send(t, s, now_);
  }

  void raw_options(tuple_state& t, std::uint8_t v) {
    const const_byte_span bytes = in_.take(std::min<std::size_t>(in_.byte(), tcp::max_options_len));
    segment_out s;
    s.options.add(bytes);
    if (v & 1) {
      s.flags.syn = true;
      s.seq = t.isn;
      s.window = t.window;
      const auto parsed = tcp_options::parse(s.options.padded());
      t.timestamps = parsed && parsed->timestamps;
      if (t.timestamps) t.ts_start = parsed->timestamps->val - milliseconds(now_);
    } else {
      s.flags.ack = true;
      s.seq = t.snd_nxt;
      s.ack = t.current_ack();
      s.window = t.window;
    }
    peer_.send(t, s, now_);
  }

  void burst(tuple_state& t, std::size_t segments) {
    for (std::size_t i = 0; i < segments; ++i) {
      segment_out s = segment(t, tcp_flags{.ack = true}, t.snd_nxt);
      s.payload_len = peer_.room(s.options);
      s.flags.psh = i + 1 == segments;
      peer_.send(t, s, now_);
    }
  }

  // The base and offset a "where" byte names (the layout at the top).
  static seq32 where(const tuple_state& t, std::uint8_t w) {
    const std::uint32_t low = w & 0x3f;
    const auto steps = static_cast<std::int32_t>(low ^ 0x20) - 0x20;
    const auto offset = static_cast<std::uint32_t>(steps * 16);
    switch (w >> 6) {
      case 0:
        return t.snd_nxt + offset;
      case 1:
        return t.host_ack.value_or(t.snd_nxt) + offset;
      case 2:
        return t.host_right.value_or(t.snd_nxt) + offset;
      default:
        return t.snd_nxt + (low << 26);
    }
  }

  static std::uint16_t window_field(std::uint8_t w) {
    if (w < 16) return w;
    if (w == 255) return 0xffff;
    return static_cast<std::uint16_t>((w - 15) << 8);
  }

  static void ack_mode(tuple_state& t, std::uint8_t mode) {
    const std::uint32_t k = mode >> 3;
    const seq32 last = t.last_ack.value_or(t.current_ack());
    switch (mode & 0x07) {
      case 0:
        t.ack_all = true;
        return;
      case 1:
        t.ack = last;
        break;
      case 2:
        t.ack = last + (k + 1) * 8;
        break;
      case 3:
        t.ack = t.host_max + 1 + k;
        break;
      case 4:
        t.ack = last - (1u << 20) - k;
        break;
      case 5:
        t.ack = t.host_iss.value_or(last);
        break;
      case 6:
        t.ack = last - k * 64;
        break;
      default:
        t.ack = last + 0x80000000u;
        break;
    }
    t.ack_all = false;
  }

  // What a runner does while time moves on to until: wakes at each deadline on the way, runs the
  // timers and the application, and sends what they made.
  void advance(instant until) {
    for (int i = 0; i < max_wakeups_per_wait; ++i) {
      const auto due = host_.next_deadline();
      if (!due || *due > until) break;
      now_ = std::max(now_, *due);
      poll();
    }
    now_ = until;
    if (const auto due = host_.next_deadline(); due && *due <= now_) poll();
  }

  void poll() {
    host_.poll(now_);
    const auto next = host_.next_deadline();
    TAPSTACK_FUZZ_CHECK(!next || *next > now_);
    peer_.drain(now_);
    app_.run(now_);
    peer_.drain(now_);
  }

  // Within the buffers of the connections there can be, and the sockets the application holds.
  void check_held() const {
    const held_resources h = host_.held();
    const tcp_config& k = host_.config().tcp;
    TAPSTACK_FUZZ_CHECK(h.tcp_sockets == 1 + app_.open_sockets());
    TAPSTACK_FUZZ_CHECK(h.tcp_connections <= passive_count + app_.connects());
    TAPSTACK_FUZZ_CHECK(h.tcp_bytes <=
                        h.tcp_connections * max_buffer_growth * (k.send_buffer + k.receive_buffer));
    TAPSTACK_FUZZ_CHECK(h.udp_sockets == 0 && h.udp_bytes == 0 && h.fragment_bytes == 0);
    TAPSTACK_FUZZ_CHECK(h.arp_waiting == 0 && h.transmit_queue == 0);
  }

  stack& host_;
  fuzz::input_reader& in_;
  instant now_{};
  peer peer_;
  application app_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::drive_host({data, size}, host_config, [](stack& host, fuzz::input_reader& in) {
    script{host, in}.run();
  });
  return 0;
}
