// IPv4 input through the host (RFC 791, RFC 1122 3.2.1): what it accepts and answers, and each
// malformed or misaddressed packet counted under its drop reason with nothing sent back.
#include <algorithm>
#include <functional>
#include <set>
#include <vector>

#include <doctest/doctest.h>

#include "stack/stack.hpp"
#include "stack/wire/describe.hpp"
#include "tests/support/frames.hpp"
#include "tests/support/golden.hpp"

namespace tapstack::test {
namespace {

constexpr std::size_t ip_at = ethernet::header_len;

TEST_CASE_FIXTURE(host_fixture, "the kernel's ping is accepted and answered") {
  learn_peer(t0);
  const auto out = receive(load_golden("echo-request").bytes, t0);
  INFO(describe_all(out));
  CHECK(out.size() == 1);
  CHECK(host.stats()[event::ip_packets_in] == 1);
  CHECK(host.stats()[event::ip_packets_out] == 1);
  CHECK(host.stats().total_drops() == 0);
}

TEST_CASE_FIXTURE(host_fixture, "each packet sent carries a new identification") {
  // RFC 6864 4.1: with DF clear, as on our replies, the identification must not repeat for the
  // same source, destination and protocol while a fragment of the earlier packet may be around.
  learn_peer(t0);
  std::set<std::uint16_t> idents;
  const std::size_t count = 5;
  for (std::size_t i = 0; i < count; ++i) {
    const auto out = receive(load_golden("echo-request").bytes, t0);
    REQUIRE(out.size() == 1);
    CHECK(load_be16(&out[0][ip_at + ipv4::field::flags_frag]) == 0);
    idents.insert(ipv4_ident(out[0]));
  }
  CHECK(idents.size() == count);
}

TEST_CASE_FIXTURE(host_fixture, "Ethernet padding after the total length is ignored") {
  learn_peer(t0);
  const auto g = load_golden("echo-request-empty");
  auto padded = g.bytes;
  padded.resize(ethernet::min_frame_len, 0xaa);
  const auto out = receive(padded, t0);
  INFO(describe_all(out));
  REQUIRE(out.size() == 1);
  // The reply carries the 8 bytes of ICMP that were sent, none of the padding.
  CHECK(out[0].size() == ethernet::header_len + ipv4::min_header_len + icmp::header_len);
  CHECK(host.stats().total_drops() == 0);
}

TEST_CASE_FIXTURE(host_fixture, "a request with IPv4 options (ping -R) is answered without them") {
  learn_peer(t0);
  const auto request = load_golden("echo-request-record-route");
  const auto out = receive(request.bytes, t0);
  INFO(describe_all(out));
  REQUIRE(out.size() == 1);
  const std::size_t options_len = 40;
  const byte_vector message(request.bytes.begin() + ip_at + ipv4::min_header_len + options_len,
                            request.bytes.end());
  CHECK(out[0].size() == ethernet::header_len + ipv4::min_header_len + message.size());
  // Same identifier, sequence and data: only the type and the checksum differ.
  CHECK(byte_vector(out[0].begin() + ip_at + ipv4::min_header_len + 4, out[0].end()) ==
        byte_vector(message.begin() + 4, message.end()));
}

TEST_CASE_FIXTURE(host_fixture, "source-routed requests (LSRR, SSRR) are dropped unanswered") {
  // RFC 7126 4.3, 4.4. The record-route capture (ping -R writes a NOP, then the option) with its
  // option turned into a source route of the same layout.
  learn_peer(t0);
  for (const std::uint8_t type :
       {ipv4::option::loose_source_route, ipv4::option::strict_source_route}) {
    auto frame = load_golden("echo-request-record-route").bytes;
    const std::size_t options_at = ip_at + ipv4::min_header_len;
    REQUIRE(frame[options_at] == ipv4::option::nop);
    REQUIRE(frame[options_at + 1] == 7);  // record route
    frame[options_at + 1] = type;
    refresh_ipv4_checksum(frame);
    CHECK(receive(frame, t0).empty());
  }
  CHECK(host.stats()[drop_reason::ip_source_route] == 2);
  CHECK(host.stats()[event::icmp_echo_replies_out] == 0);
}

TEST_CASE("each malformed or misaddressed packet is counted under its reason, unanswered") {
  struct bad {
    const char* what;
    std::function<void(byte_vector&)> edit;
    drop_reason why;
  };
  const auto set_byte = [](std::size_t at, std::uint8_t v) {
    return [=](byte_vector& f) { f[ip_at + at] = v; };
  };
  const auto set_16 = [](std::size_t at, std::uint16_t v) {
    return [=](byte_vector& f) { store_be16(&f[ip_at + at], v); };
  };
  const auto set_32 = [](std::size_t at, std::uint32_t v) {
    return [=](byte_vector& f) { store_be32(&f[ip_at + at], v); };
  };
  const std::vector<bad> cases{
      {"cut to 19 bytes of IP", [](byte_vector& f) { f.resize(ip_at + 19); },
       drop_reason::ip_truncated},
      {"version 6", set_byte(ipv4::field::ver_ihl, 0x65), drop_reason::ip_bad_version},
      {"header length 16", set_byte(ipv4::field::ver_ihl, 0x44), drop_reason::ip_bad_header_len},
      {"header length 60 in a packet cut to 56 bytes",
       [](byte_vector& f) {
         f[ip_at] = 0x4f;
         f.resize(ip_at + 56);
       },
       drop_reason::ip_bad_header_len},
      {"total length 19", set_16(ipv4::field::total_len, 19), drop_reason::ip_bad_total_len},
      {"total length past the frame", set_16(ipv4::field::total_len, 85),
       drop_reason::ip_bad_total_len},
      {"bad header checksum", set_16(ipv4::field::checksum, 0x1234), drop_reason::ip_bad_checksum},
      {"source 255.255.255.255", set_32(ipv4::field::src, 0xffffffff), drop_reason::ip_bad_source},
      {"source 10.0.0.255, our subnet's broadcast", set_32(ipv4::field::src, 0x0a0000ff),
       drop_reason::ip_bad_source},
      {"source 224.0.0.1, multicast", set_32(ipv4::field::src, 0xe0000001),
       drop_reason::ip_bad_source},
      {"source 0.0.0.0, this host on this network", set_32(ipv4::field::src, 0),
       drop_reason::ip_bad_source},
      {"source 127.0.0.1, loopback", set_32(ipv4::field::src, 0x7f000001),
       drop_reason::ip_bad_source},
      {"source 10.0.0.2, our own address", set_32(ipv4::field::src, 0x0a000002),
       drop_reason::ip_bad_source},
      {"destination 10.0.0.3, another host", set_32(ipv4::field::dst, 0x0a000003),
       drop_reason::ip_not_for_us},
      {"destination 10.0.1.255, another subnet's broadcast", set_32(ipv4::field::dst, 0x0a0001ff),
       drop_reason::ip_not_for_us},
      {"protocol 253 (experimental)", set_byte(ipv4::field::protocol, 253),
       drop_reason::ip_unknown_protocol},
  };
  for (const bad& b : cases) {
    INFO(b.what);
    host_fixture f;
    f.learn_peer(f.t0);  // so that an accepted ping would be answered at once
    auto frame = load_golden("echo-request").bytes;
    b.edit(frame);
    // The edit is the only fault: the checksum is made right again where a header is there to sum.
    const std::size_t header_len = (frame[ip_at] & 0x0f) * 4u;
    if (b.why != drop_reason::ip_bad_checksum && header_len >= ipv4::min_header_len &&
        ip_at + header_len <= frame.size())
      refresh_ipv4_checksum(frame);
    const auto out = f.receive(frame, f.t0);
    INFO(describe_all(out));
    // An unknown protocol is answered with protocol unreachable (RFC 1122 3.2.2.1); see below.
    CHECK(out.size() == (b.why == drop_reason::ip_unknown_protocol ? 1u : 0u));
    CHECK(f.host.stats()[b.why] == 1);
    CHECK(f.host.stats().total_drops() == 1);
    // Only an unknown protocol gets past IP: the host took the packet and has no one to give it to.
    CHECK(f.host.stats()[event::ip_packets_in] == (b.why == drop_reason::ip_unknown_protocol));
  }
}

TEST_CASE_FIXTURE(host_fixture, "an unknown protocol is answered with protocol unreachable") {
  learn_peer(t0);
  auto frame = load_golden("echo-request").bytes;
  frame[ip_at + ipv4::field::protocol] = 253;
  refresh_ipv4_checksum(frame);
  const auto out = receive(frame, t0);
  REQUIRE(out.size() == 1);
  const auto eth = ethernet_view::check(out[0]);
  const auto ip = ipv4_view::check(eth->payload());
  CHECK(ip->dst() == capture::peer_ip);
  const auto icmp = icmp_repr::parse(*icmp_view::check(ip->payload()));
  REQUIRE(icmp);
  CHECK(icmp->type == icmp_type::dest_unreachable);
  CHECK(icmp->code == 2);
  // The quote is the offending packet from its header on, as it arrived (here all of it).
  const auto quoted = const_byte_span{frame}.subspan(ip_at);
  CHECK(std::equal(quoted.begin(), quoted.end(), icmp->data.begin(), icmp->data.end()));
}

TEST_CASE_FIXTURE(host_fixture,
                  "packets to the limited and the subnet broadcast are accepted as broadcasts") {
  learn_peer(t0);
  for (const std::uint32_t dst : {0xffffffffu, 0x0a0000ffu}) {
    INFO(to_string(ipv4_address{dst}));
    auto frame = load_golden("echo-request-broadcast").bytes;
    store_be32(&frame[ip_at + ipv4::field::dst], dst);
    refresh_ipv4_checksum(frame);
    CHECK(receive(frame, t0).empty());
  }
  CHECK(host.stats()[event::ip_packets_in] == 2);
  CHECK(host.stats()[drop_reason::icmp_broadcast_echo] == 2);
}

TEST_CASE_FIXTURE(host_fixture,
                  "nothing is sent to 0/8, loopback or our own address (RFC 1122 3.2.1.3)") {
  learn_peer(t0);
  const std::uint8_t data[8] = {};
  for (const std::uint32_t dst : {0x00000000u, 0x00000001u, 0x7f000001u, 0x0a000002u}) {
    INFO(to_string(ipv4_address{dst}));
    CHECK_FALSE(host.icmp().send_echo_request(ipv4_address{dst}, 1, 1, data, t0));
    CHECK(drain(host).empty());
  }
  CHECK(host.icmp().send_echo_request(capture::peer_ip, 1, 1, data, t0));
  CHECK(drain(host).size() == 1);
}

TEST_CASE("on a /31 (RFC 3021) the other address is a host, not a broadcast") {
  stack_config config;
  config.address = ipv4_cidr{ipv4_address{0x0a000002}, 31};
  config.gateway.reset();
  host_fixture f{config};
  auto frame = load_golden("echo-request").bytes;
  store_be32(&frame[ip_at + ipv4::field::src], 0x0a000003);
  refresh_ipv4_checksum(frame);
  const auto out = f.receive(frame, f.t0);
  // Answered: the reply waits for ARP to find 10.0.0.3, so the request for it is what goes out.
  REQUIRE(out.size() == 1);
  CHECK(describe_frame(out[0]) == "ARP, Request who-has 10.0.0.3 tell 10.0.0.2, length 28");
  CHECK(f.host.stats().total_drops() == 0);
}

TEST_CASE("on a /32 our own address is not a broadcast: a ping to it is answered") {
  stack_config config;
  config.address = ipv4_cidr{ipv4_address{0x0a000002}, 32};
  config.gateway.reset();
  host_fixture f{config};
  CHECK(f.receive(load_golden("echo-request").bytes, f.t0).empty());
  CHECK(f.host.stats()[event::icmp_echo_replies_out] == 1);
  CHECK(f.host.stats()[drop_reason::icmp_broadcast_echo] == 0);
  // With no on-link peer and no gateway the reply has nowhere to go, and says so.
  CHECK(f.host.stats()[drop_reason::ip_no_route] == 1);
}

}  // namespace
}  // namespace tapstack::test
