// The TCP header and options (RFC 9293 3.1, RFC 7323, RFC 2018) against the kernel's segments:
// fields, options, byte-exact emit in the kernel's option layout, tcpdump -S notation, and every
// way a header or an option list can be malformed.
#include <algorithm>
#include <string>

#include <doctest/doctest.h>

#include "stack/wire/checksum.hpp"
#include "stack/wire/describe.hpp"
#include "stack/wire/ethernet.hpp"
#include "stack/wire/ipv4.hpp"
#include "stack/wire/tcp.hpp"
#include "tests/support/frames.hpp"
#include "tests/support/golden.hpp"

namespace tapstack::test {
namespace {

constexpr std::size_t ip_at = ethernet::header_len;
constexpr std::size_t tcp_at = ip_at + ipv4::min_header_len;

const char* const tcp_frames[] = {
    "tcp-syn",           "tcp-syn-ack", "tcp-ack",  "tcp-data",        "tcp-fin",
    "tcp-fin-from-host", "tcp-rst",     "tcp-sack", "tcp-syn-to-peer", "tcp-rst-from-peer",
};

// A golden frame's segment with the addresses its checksum was computed over.
struct captured_segment {
  byte_vector bytes;
  ipv4_address src;
  ipv4_address dst;
};

captured_segment segment_of(const golden_frame& g) {
  const auto ip = ipv4_view::check(const_byte_span{g.bytes}.subspan(ip_at));
  REQUIRE(ip);
  REQUIRE(ip->protocol() == static_cast<std::uint8_t>(ip_protocol::tcp));
  return {{ip->payload().begin(), ip->payload().end()}, ip->src(), ip->dst()};
}

parse_result<tcp_repr> parse_tcp(const captured_segment& s) {
  const auto view = tcp_view::check(s.bytes);
  if (!view) return view.error();
  return tcp_repr::parse(*view, s.src, s.dst);
}

tcp_repr parsed(const char* name) {
  const auto s = segment_of(load_golden(name));
  const auto r = parse_tcp(s);
  REQUIRE(r);
  // The payload would point into s, which goes out of scope: keep only the header fields.
  tcp_repr header = *r;
  header.payload = {};
  return header;
}

// The segment after a 16-bit word of its header changed, with the checksum that goes with it, so
// that the edit is the only thing wrong with it.
void set_word(byte_vector& segment, std::size_t at, std::uint16_t value) {
  const std::uint16_t old = load_be16(&segment[at]);
  store_be16(&segment[at], value);
  store_be16(&segment[tcp::field::checksum],
             checksum_update(load_be16(&segment[tcp::field::checksum]), old, value));
}

// A segment from the peer to the host whose option list is exactly `options` (a multiple of 4
// bytes): emitted with them as payload, which the data offset then takes into the header.
captured_segment with_raw_options(const byte_vector& options) {
  REQUIRE(options.size() % 4 == 0);
  tcp_repr r;
  r.src_port = 40000;
  r.dst_port = 9000;
  r.flags.syn = true;
  r.payload = options;
  captured_segment s{byte_vector(r.buffer_len()), capture::peer_ip, capture::host_ip};
  r.emit(s.bytes, s.src, s.dst);
  const std::size_t words = (tcp::min_header_len + options.size()) / 4;
  set_word(s.bytes, tcp::field::data_offset,
           static_cast<std::uint16_t>(words << 12 | s.bytes[tcp::field::flags]));
  return s;
}

TEST_CASE("every kernel segment parses and emits again byte for byte, options in its order") {
  for (const char* name : tcp_frames) {
    INFO(name);
    const auto g = load_golden(name);
    const auto s = segment_of(g);
    const auto r = parse_tcp(s);
    REQUIRE(r);
    CHECK(r->payload.size() == g.tcpdump_number("-nS", "length"));
    CHECK(r->header_len() + r->payload.size() == s.bytes.size());
    byte_vector out(r->buffer_len());
    r->emit(out, s.src, s.dst);
    CHECK(out == s.bytes);
  }
}

TEST_CASE("every kernel segment reads as tcpdump -n -S printed it") {
  for (const char* name : tcp_frames) {
    INFO(name);
    const auto g = load_golden(name);
    CHECK(describe_frame(g.bytes) == g.tcpdump_line("-nS"));
    // A repr that came from no bytes prints its options in emit's layout: the kernel's.
    const auto s = segment_of(g);
    const auto r = parse_tcp(s);
    REQUIRE(r);
    CHECK(describe_frame(g.bytes).ends_with(to_string(*r)));
  }
  const auto syn = load_golden("tcp-syn");
  CHECK(describe_frame(syn.bytes, true) == syn.tcpdump_line("-en"));
}

TEST_CASE("a SYN: ports, ISN, window and the kernel's options") {
  const auto g = load_golden("tcp-syn");
  const auto syn = parsed("tcp-syn");
  CHECK(syn.src_port == 40000);
  CHECK(syn.dst_port == 9000);
  CHECK(syn.flags == tcp_flags{.syn = true});
  CHECK(syn.seq == seq32{static_cast<std::uint32_t>(g.tcpdump_number("-nS", "seq"))});
  CHECK(syn.window == g.tcpdump_number("-nS", "win"));
  CHECK(syn.segment_len() == 1);
  CHECK(syn.options.mss == 1460);
  CHECK(syn.options.sack_permitted);
  // tcpdump_number wants a space before the key; in the option list a comma precedes it.
  const std::string& line = g.tcpdump_line("-nS");
  CHECK(syn.options.window_scale == std::stoul(line.substr(line.find("wscale ") + 7)));
  REQUIRE(syn.options.timestamps);
  CHECK(syn.options.timestamps->val == g.tcpdump_number("-nS", "val"));
  CHECK(syn.options.timestamps->ecr == 0);
  CHECK(syn.options.sack().empty());
  CHECK(syn.header_len() == 40);
}

TEST_CASE("the handshake: each side acknowledges the other's ISN and echoes its timestamp") {
  const auto syn = parsed("tcp-syn");
  const auto syn_ack = parsed("tcp-syn-ack");
  const auto ack = parsed("tcp-ack");
  CHECK(syn_ack.flags == tcp_flags{.syn = true, .ack = true});
  CHECK(syn_ack.src_port == syn.dst_port);
  CHECK(syn_ack.dst_port == syn.src_port);
  CHECK(syn_ack.ack == syn.seq + 1);
  CHECK(syn_ack.options.timestamps->ecr == syn.options.timestamps->val);
  CHECK(syn_ack.options.mss == 1460);

  CHECK(ack.flags == tcp_flags{.ack = true});
  CHECK(ack.seq == syn.seq + 1);
  CHECK(ack.ack == syn_ack.seq + 1);
  CHECK(ack.segment_len() == 0);
  // After the SYN only timestamps go on every segment (RFC 7323 3.2); the window is scaled now.
  CHECK(ack.options.timestamps->ecr == syn_ack.options.timestamps->val);
  CHECK_FALSE(ack.options.mss);
  CHECK_FALSE(ack.options.window_scale);
  CHECK_FALSE(ack.options.sack_permitted);
  CHECK(ack.header_len() == 32);
}

TEST_CASE("data with PSH, then FIN: the payload in place, and the sequence space each takes") {
  const auto s = segment_of(load_golden("tcp-data"));
  const auto data = parse_tcp(s);
  REQUIRE(data);
  CHECK(data->flags == tcp_flags{.psh = true, .ack = true});
  CHECK(std::string(data->payload.begin(), data->payload.end()) == "hello\n");
  CHECK(data->payload.data() == s.bytes.data() + 32);
  CHECK(data->segment_len() == 6);

  const auto fin = parsed("tcp-fin");
  CHECK(fin.flags == tcp_flags{.fin = true, .ack = true});
  CHECK(fin.seq == data->seq + 6);
  CHECK(fin.segment_len() == 1);
  const auto host_fin = parsed("tcp-fin-from-host");
  CHECK(host_fin.ack == fin.seq + 1);
}

TEST_CASE("RST-ACK for a SYN to a closed port: seq 0, ack past the SYN, no options, window 0") {
  const auto rst = parsed("tcp-rst");
  CHECK(rst.flags == tcp_flags{.rst = true, .ack = true});
  CHECK(rst.seq == seq32{0});
  CHECK(rst.window == 0);
  CHECK(rst.header_len() == tcp::min_header_len);
  CHECK(rst.options == tcp_options{});
  CHECK(rst.segment_len() == 0);

  // RFC 9293 3.10.7.1: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>, here from the kernel peer.
  const auto syn = parsed("tcp-syn-to-peer");
  const auto refusal = parsed("tcp-rst-from-peer");
  CHECK(refusal.flags == tcp_flags{.rst = true, .ack = true});
  CHECK(refusal.seq == seq32{0});
  CHECK(refusal.ack == syn.seq + syn.segment_len());
  CHECK(refusal.src_port == syn.dst_port);
  CHECK(refusal.dst_port == syn.src_port);
}

TEST_CASE("a duplicate ACK with SACK: the block is the data held beyond the ACK") {
  const auto sack = parsed("tcp-sack");
  CHECK(sack.flags == tcp_flags{.ack = true});
  REQUIRE(sack.options.sack().size() == 1);
  // The capture injected 6 bytes 10 bytes past what the peer had sent.
  CHECK(sack.options.sack()[0] == sack_block{sack.ack + 10, sack.ack + 16});
  CHECK(sack.options.timestamps);
  CHECK(sack.header_len() == 44);
}

TEST_CASE("emit does not copy a payload already in place, and sends reserved bits as zero") {
  const auto s = segment_of(load_golden("tcp-data"));
  auto r = *parse_tcp(s);
  byte_vector out(r.buffer_len(), 0xee);
  std::copy(r.payload.begin(), r.payload.end(), out.begin() + r.header_len());
  r.payload = const_byte_span{out}.subspan(r.header_len());
  r.emit(out, s.src, s.dst);
  CHECK(out == s.bytes);

  // RFC 9293 3.1: the reserved bits are ignored on receipt and zero when sent.
  auto reserved = s;
  set_word(reserved.bytes, tcp::field::data_offset,
           load_be16(&reserved.bytes[tcp::field::data_offset]) | 0x0f00);
  const auto with_reserved = parse_tcp(reserved);
  REQUIRE(with_reserved);
  byte_vector again(with_reserved->buffer_len());
  with_reserved->emit(again, s.src, s.dst);
  CHECK(again == s.bytes);
}

TEST_CASE("an ICMP error's quote of a segment: 8 bytes give the ports, fewer are truncated") {
  const auto s = segment_of(load_golden("tcp-syn"));
  const auto full = tcp_view::check(s.bytes);
  REQUIRE(full);
  const const_byte_span quote = const_byte_span{s.bytes}.first(tcp::min_quoted_len);
  CHECK(tcp_view::check(quote).error() == drop_reason::tcp_truncated);
  const auto quoted = quoted_tcp_view::check(quote);
  REQUIRE(quoted);
  CHECK(quoted->src_port() == full->src_port());
  CHECK(quoted->dst_port() == full->dst_port());
  CHECK(quoted_tcp_view::check(quote.first(7)).error() == drop_reason::tcp_truncated);
}

TEST_CASE("header checks: truncated, data offset below 5 words or past the segment") {
  const auto s = segment_of(load_golden("tcp-syn"));
  const const_byte_span bytes{s.bytes};
  CHECK(tcp_view::check(bytes.first(19)).error() == drop_reason::tcp_truncated);
  CHECK(tcp_view::check({}).error() == drop_reason::tcp_truncated);
  // The SYN's 40-byte header cut to 39 bytes.
  CHECK(tcp_view::check(bytes.first(39)).error() == drop_reason::tcp_bad_header_len);
  REQUIRE(tcp_view::check(bytes.first(40)));
  CHECK(tcp_view::check(bytes.first(40))->payload().empty());

  for (const std::uint8_t words : {0, 4}) {
    INFO(int{words});
    auto bad = s.bytes;
    bad[tcp::field::data_offset] = static_cast<std::uint8_t>(words << 4);
    CHECK(tcp_view::check(bad).error() == drop_reason::tcp_bad_header_len);
  }
  auto fifteen = s.bytes;
  fifteen[tcp::field::data_offset] = 0xf0;
  CHECK(tcp_view::check(fifteen).error() == drop_reason::tcp_bad_header_len);
  fifteen.resize(60);
  CHECK(tcp_view::check(fifteen)->header_len() == tcp::max_header_len);
}

TEST_CASE("the checksum covers the pseudo header, and zero is not a way to send none") {
  const auto s = segment_of(load_golden("tcp-data"));
  auto bad = s;
  bad.bytes.back() ^= 0x01;
  CHECK(parse_tcp(bad).error() == drop_reason::tcp_bad_checksum);
  // UDP lets a sender leave the checksum zero; TCP does not.
  bad = s;
  store_be16(&bad.bytes[tcp::field::checksum], 0);
  CHECK(parse_tcp(bad).error() == drop_reason::tcp_bad_checksum);
  bad = s;
  bad.src = ipv4_address{0x0a000009};
  CHECK(parse_tcp(bad).error() == drop_reason::tcp_bad_checksum);
  // A damaged segment is a checksum failure even when the damage is to an option length.
  bad = s;
  bad.bytes[tcp::min_header_len + 3] = 0;  // the timestamp option's length
  CHECK(parse_tcp(bad).error() == drop_reason::tcp_bad_checksum);
}

TEST_CASE("illegal option lengths are a drop reason, never a crash (RFC 9293 3.2)") {
  const struct {
    const char* what;
    byte_vector options;
  } cases[] = {
      {"length 0", {tcp::option::mss, 0, 5, 180}},
      {"length 1", {tcp::option::timestamps, 1, 0, 0}},
      {"unknown kind, length 0", {99, 0, 0, 0}},
      {"unknown kind, length 1", {99, 1, 0, 0}},
      {"length past the end", {tcp::option::nop, tcp::option::mss, 4, 5}},
      {"no room for the length byte", {1, 1, 1, tcp::option::window_scale}},
      {"unknown kind past the end", {1, 1, 99, 3}},
      {"MSS of length 3", {tcp::option::mss, 3, 5, 1}},
      {"window scale of length 4", {tcp::option::window_scale, 4, 7, 0}},
      {"SACK-permitted of length 3", {tcp::option::sack_permitted, 3, 0, 0}},
      {"timestamps of length 8", {tcp::option::timestamps, 8, 0, 0, 0, 0, 0, 0}},
      {"SACK without a block", {1, 1, tcp::option::sack, 2}},
      {"SACK of length 14", {1, 1, tcp::option::sack, 14, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3}},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    CHECK(tcp_options::parse(c.options).error() == drop_reason::tcp_bad_option);
    // The same list in a segment: the whole segment is refused with that reason.
    CHECK(parse_tcp(with_raw_options(c.options)).error() == drop_reason::tcp_bad_option);
  }
  // SACK's length is 2 + 8 per block; a longer list than a header holds is refused, not cut.
  byte_vector five_blocks = {tcp::option::sack, 42};
  five_blocks.resize(42);
  CHECK(tcp_options::parse(five_blocks).error() == drop_reason::tcp_bad_option);
}

TEST_CASE("unknown options are skipped by their length; EOL ends the list; NOPs pad") {
  const auto unknown = tcp_options::parse(
      byte_vector{99, 4, 0xab, 0xcd, 254, 2, tcp::option::mss, 4, 0x05, 0xb4, 1, 1});
  REQUIRE(unknown);
  CHECK(unknown->mss == 1460);

  // After EOL come padding bytes, whatever they hold: here an option that would be illegal.
  const auto eol = tcp_options::parse(
      byte_vector{tcp::option::mss, 4, 0x05, 0xb4, 1, tcp::option::eol, tcp::option::mss, 0});
  REQUIRE(eol);
  CHECK(eol->mss == 1460);
  CHECK_FALSE(eol->timestamps);

  const auto padded = tcp_options::parse(byte_vector{1, 1, 1, tcp::option::window_scale, 3, 7});
  REQUIRE(padded);
  CHECK(padded->window_scale == 7);
  CHECK(tcp_options::parse(byte_vector{})->encoded_len() == 0);

  // The segment's options as they were received, unknown kinds and EOL included.
  const auto s = with_raw_options({99, 4, 0xab, 0xcd, tcp::option::mss, 4, 0x05, 0xb4, 1, 0, 0, 0});
  const auto r = parse_tcp(s);
  REQUIRE(r);
  CHECK(to_string(*r, tcp_view::check(s.bytes)->options()) ==
        "Flags [S], seq 0, win 0, options [unknown-99 0xabcd,mss 1460,nop,eol], length 0");
  CHECK(to_string(*r) == "Flags [S], seq 0, win 0, options [mss 1460], length 0");
  // Bytes parse would refuse still print, up to where they stop making sense.
  CHECK(to_string(*r, byte_vector{1, tcp::option::mss, 0, 0}).find("options [nop,[bad opt]]") !=
        std::string::npos);
}

TEST_CASE("a window scale above 14 is used as 14 (RFC 7323 2.3)") {
  for (const std::uint8_t shift : {14, 15, 255}) {
    INFO(int{shift});
    const auto o = tcp_options::parse(byte_vector{tcp::option::window_scale, 3, shift});
    REQUIRE(o);
    CHECK(o->window_scale == tcp::max_window_scale);
  }
  // tcpdump shows what the sender wrote.
  const auto s = with_raw_options({1, tcp::option::window_scale, 3, 15});
  const auto r = parse_tcp(s);
  REQUIRE(r);
  CHECK(to_string(*r, tcp_view::check(s.bytes)->options()).find("options [nop,wscale 15]") !=
        std::string::npos);
}

TEST_CASE("SACK blocks: one to four, counted by the option's length") {
  for (std::size_t blocks = 1; blocks <= tcp::max_sack_blocks; ++blocks) {
    INFO(blocks);
    byte_vector option = {tcp::option::sack, static_cast<std::uint8_t>(2 + 8 * blocks)};
    for (std::uint32_t i = 0; i < 2 * blocks; ++i) {
      option.resize(option.size() + 4);
      store_be32(&option[option.size() - 4], 1000 * (i + 1));
    }
    const auto o = tcp_options::parse(option);
    REQUIRE(o);
    REQUIRE(o->sack().size() == blocks);
    CHECK(o->sack().front() == sack_block{seq32{1000}, seq32{2000}});
    CHECK(o->sack().back() == sack_block{seq32{2000 * static_cast<std::uint32_t>(blocks) - 1000},
                                         seq32{2000 * static_cast<std::uint32_t>(blocks)}});
  }
}

TEST_CASE("emit lays options out as Linux does, and they parse back the same") {
  const auto bytes_of = [](const tcp_options& o) {
    byte_vector out(o.encoded_len());
    o.emit(out);
    return out;
  };
  tcp_options o;
  o.mss = 536;
  CHECK(bytes_of(o) == byte_vector{2, 4, 0x02, 0x18});
  o = {};
  o.sack_permitted = true;
  CHECK(bytes_of(o) == byte_vector{1, 1, 4, 2});
  o.window_scale = 0;
  CHECK(bytes_of(o) == byte_vector{1, 1, 4, 2, 1, 3, 3, 0});
  o = {};
  o.timestamps = tcp_timestamps{1, 2};
  CHECK(bytes_of(o) == byte_vector{1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2});
  CHECK(to_string(o) == "nop,nop,TS val 1 ecr 2");

  // Three blocks beside timestamps fill the 40 bytes.
  o.sack_blocks = {
      sack_block{seq32{10}, seq32{20}}, {seq32{30}, seq32{40}}, {seq32{50}, seq32{60}}};
  o.sack_count = 3;
  const auto full = bytes_of(o);
  CHECK(full.size() == tcp::max_options_len);
  CHECK(byte_vector(full.begin() + 12, full.begin() + 16) == byte_vector{1, 1, 5, 26});
  const auto reparsed = tcp_options::parse(full);
  REQUIRE(reparsed);
  CHECK(*reparsed == o);
  CHECK(to_string(o) == "nop,nop,TS val 1 ecr 2,nop,nop,sack 3 {10:20}{30:40}{50:60}");

  tcp_repr r;
  r.options = o;
  CHECK(r.header_len() == tcp::max_header_len);
}

TEST_CASE("tcpdump notation: flag letters, seq range, urgent pointer") {
  CHECK(to_string(tcp_flags{}) == "none");
  CHECK(to_string(tcp_flags::from_bits(0xff)) == "FSRP.UEW");
  CHECK(tcp_flags::from_bits(0x12) == tcp_flags{.syn = true, .ack = true});
  for (unsigned b = 0; b < 256; ++b)
    CHECK(tcp_flags::from_bits(static_cast<std::uint8_t>(b)).bits() == b);
  CHECK(tcp_flags{.fin = true, .psh = true, .cwr = true}.bits() == 0x89);

  const byte_vector data(100, 'x');
  tcp_repr r;
  r.src_port = 9000;
  r.dst_port = 40000;
  r.seq = seq32{0xffffffc0};
  r.ack = seq32{7};
  r.flags = {.psh = true, .ack = true, .urg = true};
  r.window = 502;
  r.urgent = 3;
  r.payload = data;
  // The range wraps past 2^32, as sequence numbers do.
  CHECK(to_string(r) == "Flags [P.U], seq 4294967232:36, ack 7, win 502, urg 3, length 100");
}

TEST_CASE("malformed TCP segments are described with the reason") {
  auto frame = load_golden("tcp-data").bytes;
  frame.back() ^= 0x01;
  CHECK(describe_frame(frame) == "IP 10.0.0.1 > 10.0.0.2: TCP [malformed: tcp_bad_checksum]");

  // The IP total length cut to 30: ten bytes of TCP header.
  frame = load_golden("tcp-syn").bytes;
  store_be16(&frame[ip_at + ipv4::field::total_len], 30);
  refresh_ipv4_checksum(frame);
  CHECK(describe_frame(frame) == "IP 10.0.0.1 > 10.0.0.2: TCP [malformed: tcp_truncated]");
}

}  // namespace
}  // namespace tapstack::test
