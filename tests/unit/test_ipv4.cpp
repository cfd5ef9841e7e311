// The IPv4 header (RFC 791) against the kernel's: fields, options, padding, each malformation
// with its drop reason, byte-exact emit.
#include <functional>
#include <vector>

#include <doctest/doctest.h>

#include "stack/wire/checksum.hpp"
#include "stack/wire/ethernet.hpp"
#include "stack/wire/ipv4.hpp"
#include "tests/support/frames.hpp"
#include "tests/support/golden.hpp"

namespace tapstack::test {
namespace {

// The IPv4 packet of a golden frame, as it follows the Ethernet header.
byte_vector ip_packet(const golden_frame& g) {
  return {g.bytes.begin() + ethernet::header_len, g.bytes.end()};
}

parse_result<ipv4_repr> parse_ipv4(const_byte_span packet) {
  const auto view = ipv4_view::check(packet);
  if (!view) return view.error();
  return ipv4_repr::parse(*view);
}

void set_header_checksum(byte_vector& packet) {
  const std::size_t header_len = (packet[0] & 0x0f) * 4u;
  store_be16(&packet[ipv4::field::checksum], 0);
  store_be16(&packet[ipv4::field::checksum],
             internet_checksum(const_byte_span{packet}.first(header_len)));
}

TEST_CASE("the kernel's echo request parses to the fields tcpdump -v printed") {
  const auto g = load_golden("echo-request");
  const auto packet = ip_packet(g);
  const auto view = ipv4_view::check(packet);
  REQUIRE(view);
  CHECK(view->header_len() == 20);
  CHECK(view->total_len() == 84);
  CHECK(view->verify_checksum());
  CHECK(view->payload().size() == 64);
  CHECK(view->payload().data() == packet.data() + 20);

  const auto repr = ipv4_repr::parse(*view);
  REQUIRE(repr);
  CHECK(repr->src == capture::peer_ip);
  CHECK(repr->dst == capture::host_ip);
  CHECK(repr->protocol == ip_protocol::icmp);
  CHECK(repr->ttl == 64);
  CHECK(repr->tos == 0);
  CHECK(repr->ident == g.tcpdump_number("-nv", "id"));
  CHECK(repr->dont_fragment);
  CHECK_FALSE(repr->more_fragments);
  CHECK(repr->frag_offset == 0);
  CHECK(repr->payload_len == 64);
  CHECK_FALSE(repr->is_fragment());
}

TEST_CASE("options are skipped but honoured in the header length (ping -R)") {
  const auto packet = ip_packet(load_golden("echo-request-record-route"));
  const auto view = ipv4_view::check(packet);
  REQUIRE(view);
  CHECK(view->header_len() == 60);
  CHECK(view->header().size() == 60);
  CHECK(view->verify_checksum());
  // The payload starts after the options: with the ICMP echo request's type byte.
  REQUIRE(view->payload().size() == 64);
  CHECK(view->payload()[0] == 8);
  const auto repr = ipv4_repr::parse(*view);
  REQUIRE(repr);
  CHECK(repr->payload_len == 64);
  CHECK(repr->total_len() == 84);  // what we would send: no options
  CHECK(repr->src == capture::peer_ip);
  CHECK(repr->dst == capture::host_ip);
}

TEST_CASE("Ethernet padding after the total length is ignored") {
  // ping -s 0: 28 bytes of IP in a frame that a NIC pads to 60 (here with non-zero bytes, which
  // would break the ICMP checksum and the payload length if they were counted).
  auto packet = ip_packet(load_golden("echo-request-empty"));
  REQUIRE(packet.size() == 28);
  packet.resize(ethernet::min_frame_len - ethernet::header_len, 0xaa);
  const auto view = ipv4_view::check(packet);
  REQUIRE(view);
  CHECK(view->payload().size() == 8);
  const auto repr = ipv4_repr::parse(*view);
  REQUIRE(repr);
  CHECK(repr->payload_len == 8);
}

TEST_CASE("each malformed header gives its drop reason") {
  struct bad {
    const char* what;
    const char* golden;
    std::function<void(byte_vector&)> edit;
    drop_reason why;
  };
  const auto total_len = [](std::uint16_t n) {
    return [n](byte_vector& p) { store_be16(&p[ipv4::field::total_len], n); };
  };
  const auto ver_ihl = [](std::uint8_t v) { return [v](byte_vector& p) { p[0] = v; }; };
  const auto cut = [](std::size_t n) { return [n](byte_vector& p) { p.resize(n); }; };
  const std::vector<bad> cases{
      {"cut to 19 bytes", "echo-request", cut(19), drop_reason::ip_truncated},
      {"empty", "echo-request", cut(0), drop_reason::ip_truncated},
      {"version 6", "echo-request", ver_ihl(0x65), drop_reason::ip_bad_version},
      {"version 0", "echo-request", ver_ihl(0x05), drop_reason::ip_bad_version},
      {"header length 16", "echo-request", ver_ihl(0x44), drop_reason::ip_bad_header_len},
      {"header length 0", "echo-request", ver_ihl(0x40), drop_reason::ip_bad_header_len},
      {"header length 60 in a 28-byte packet", "echo-request-empty", ver_ihl(0x4f),
       drop_reason::ip_bad_header_len},
      {"60 bytes of header and options cut to 40", "echo-request-record-route", cut(40),
       drop_reason::ip_bad_header_len},
      {"total length 0", "echo-request", total_len(0), drop_reason::ip_bad_total_len},
      {"total length 19, shorter than the header", "echo-request", total_len(19),
       drop_reason::ip_bad_total_len},
      {"total length 40, shorter than 60 bytes of header and options", "echo-request-record-route",
       total_len(40), drop_reason::ip_bad_total_len},
      {"total length 85 with 84 bytes there", "echo-request", total_len(85),
       drop_reason::ip_bad_total_len},
      {"total length 84 with the packet cut to 83", "echo-request", cut(83),
       drop_reason::ip_bad_total_len},
  };
  for (const bad& b : cases) {
    INFO(b.what);
    auto packet = ip_packet(load_golden(b.golden));
    b.edit(packet);
    // The edit is the only fault: the checksum is made right again wherever it can be computed.
    const std::size_t header_len = (packet.empty() ? 0 : packet[0] & 0x0f) * 4u;
    if (header_len >= 20 && header_len <= packet.size()) set_header_checksum(packet);
    const auto view = ipv4_view::check(packet);
    REQUIRE_FALSE(view);
    CHECK(view.error() == b.why);
  }
}

TEST_CASE("a header whose checksum does not verify is ip_bad_checksum") {
  auto packet = ip_packet(load_golden("echo-request"));
  packet[ipv4::field::ttl] = 63;  // as a router would, without fixing the checksum
  const auto view = ipv4_view::check(packet);
  REQUIRE(view);
  CHECK_FALSE(view->verify_checksum());
  const auto repr = ipv4_repr::parse(*view);
  REQUIRE_FALSE(repr);
  CHECK(repr.error() == drop_reason::ip_bad_checksum);
}

TEST_CASE("the checksum covers the options too") {
  auto packet = ip_packet(load_golden("echo-request-record-route"));
  packet[25] ^= 0x01;  // a byte of the record route's second slot
  const auto repr = parse_ipv4(packet);
  REQUIRE_FALSE(repr);
  CHECK(repr.error() == drop_reason::ip_bad_checksum);
}

TEST_CASE("emit writes the kernel's headers byte for byte, checksum included") {
  for (const char* name : {"echo-request", "echo-reply", "echo-request-max", "echo-request-empty",
                           "echo-request-broadcast", "echo-reply-max"}) {
    INFO(name);
    const auto packet = ip_packet(load_golden(name));
    const auto repr = parse_ipv4(packet);
    REQUIRE(repr);
    byte_vector header(ipv4_repr::header_len(), 0xee);
    repr->emit(header);
    CHECK(header == byte_vector(packet.begin(), packet.begin() + 20));
  }
}

TEST_CASE("parse(emit(x)) == x for fragments, flags, TOS and TTL") {
  ipv4_repr first;
  first.src = capture::host_ip;
  first.dst = capture::peer_ip;
  first.protocol = ip_protocol::udp;
  first.ident = 0xbeef;
  first.more_fragments = true;
  first.payload_len = 1480;
  ipv4_repr last = first;
  last.more_fragments = false;
  last.frag_offset = 8 * 0x1fff;  // the largest offset the 13 bits hold
  last.payload_len = 8;
  ipv4_repr marked = first;
  marked.more_fragments = false;
  marked.dont_fragment = true;
  marked.tos = 0xb8;
  marked.ttl = 1;
  marked.protocol = ip_protocol::tcp;
  for (const ipv4_repr& r : {first, last, marked}) {
    const auto packet = emit_ipv4(r, byte_vector(r.payload_len, 0x5a));
    const auto back = parse_ipv4(packet);
    REQUIRE(back);
    CHECK(*back == r);
    CHECK(back->is_fragment() == (r.more_fragments || r.frag_offset != 0));
  }
}

TEST_CASE("to_string is what tcpdump -v printed for the header") {
  for (const char* name : {"echo-request", "echo-reply", "echo-request-max"}) {
    INFO(name);
    const auto g = load_golden(name);
    CHECK(to_string(*parse_ipv4(ip_packet(g))) == g.tcpdump_line("-nv"));
  }
}

}  // namespace
}  // namespace tapstack::test
