// ICMPv4 messages (RFC 792) against the kernel's: echo fields and data, checksum, the error types,
// byte-exact emit.
#include <algorithm>

#include <doctest/doctest.h>

#include "stack/wire/checksum.hpp"
#include "stack/wire/ethernet.hpp"
#include "stack/wire/icmp.hpp"
#include "stack/wire/ipv4.hpp"
#include "tests/support/frames.hpp"
#include "tests/support/golden.hpp"

namespace tapstack::test {
namespace {

// The ICMP message of a golden frame: what follows the IPv4 header, up to the total length.
byte_vector icmp_message(const golden_frame& g) {
  const auto ip = ipv4_view::check(const_byte_span{g.bytes}.subspan(ethernet::header_len));
  REQUIRE(ip);
  return {ip->payload().begin(), ip->payload().end()};
}

parse_result<icmp_repr> parse_icmp(const_byte_span message) {
  const auto view = icmp_view::check(message);
  if (!view) return view.error();
  return icmp_repr::parse(*view);
}

void set_checksum(byte_vector& message) {
  store_be16(&message[icmp::field::checksum], 0);
  store_be16(&message[icmp::field::checksum], internet_checksum(message));
}

TEST_CASE("the kernel's echo request parses to the id and seq tcpdump printed, data untouched") {
  const auto g = load_golden("echo-request");
  const auto message = icmp_message(g);
  const auto view = icmp_view::check(message);
  REQUIRE(view);
  CHECK(view->verify_checksum());
  const auto repr = icmp_repr::parse(*view);
  REQUIRE(repr);
  CHECK(repr->type == icmp_type::echo_request);
  CHECK(repr->code == 0);
  CHECK(repr->ident == g.tcpdump_number("-n", "id"));
  CHECK(repr->seq == g.tcpdump_number("-n", "seq"));
  CHECK(repr->buffer_len() == g.tcpdump_number("-n", "length"));
  // ping -s 56: 56 bytes of data, pointing into the message (no copy).
  REQUIRE(repr->data.size() == 56);
  CHECK(repr->data.data() == message.data() + icmp::header_len);
}

TEST_CASE("the kernel's echo reply carries the request's id, seq and data") {
  const auto request_message = icmp_message(load_golden("echo-request"));
  const auto reply_message = icmp_message(load_golden("echo-reply"));
  const auto request = parse_icmp(request_message);
  const auto reply = parse_icmp(reply_message);
  REQUIRE(request);
  REQUIRE(reply);
  CHECK(reply->type == icmp_type::echo_reply);
  CHECK(reply->ident == request->ident);
  CHECK(reply->seq == request->seq);
  CHECK(std::ranges::equal(reply->data, request->data));
}

TEST_CASE("an echo without data (ping -s 0) and one of 1472 bytes parse") {
  const auto empty = parse_icmp(icmp_message(load_golden("echo-request-empty")));
  REQUIRE(empty);
  CHECK(empty->data.empty());
  const auto max_message = icmp_message(load_golden("echo-request-max"));
  const auto max = parse_icmp(max_message);
  REQUIRE(max);
  CHECK(max->data.size() == 1472);
}

TEST_CASE("a message shorter than 8 bytes is icmp_truncated") {
  const auto message = icmp_message(load_golden("echo-request"));
  for (std::size_t n = 0; n < icmp::header_len; ++n) {
    CAPTURE(n);
    const auto view = icmp_view::check(const_byte_span{message}.first(n));
    REQUIRE_FALSE(view);
    CHECK(view.error() == drop_reason::icmp_truncated);
  }
}

TEST_CASE("a wrong checksum, in the header or the data, is icmp_bad_checksum") {
  for (const std::size_t at : {std::size_t{1}, std::size_t{3}, std::size_t{7}, std::size_t{63}}) {
    CAPTURE(at);
    auto message = icmp_message(load_golden("echo-request"));
    message[at] ^= 0x40;
    const auto view = icmp_view::check(message);
    REQUIRE(view);
    CHECK_FALSE(view->verify_checksum());
    const auto repr = icmp_repr::parse(*view);
    REQUIRE_FALSE(repr);
    CHECK(repr.error() == drop_reason::icmp_bad_checksum);
  }
}

TEST_CASE("a type this host does not act on is icmp_unhandled") {
  for (const int type : {5, 13, 17, 42}) {  // redirect, timestamp, mask request, ext. echo
    CAPTURE(type);
    auto message = icmp_message(load_golden("echo-request"));
    message[icmp::field::type] = static_cast<std::uint8_t>(type);
    set_checksum(message);
    const auto repr = parse_icmp(message);
    REQUIRE_FALSE(repr);
    CHECK(repr.error() == drop_reason::icmp_unhandled);
  }
}

TEST_CASE("emit of the echo reply to the kernel's request is the kernel's reply, byte for byte") {
  for (const auto& [request_name, reply_name] :
       {std::pair{"echo-request", "echo-reply"}, std::pair{"echo-request-max", "echo-reply-max"}}) {
    INFO(request_name);
    const auto request_message = icmp_message(load_golden(request_name));
    auto reply = *parse_icmp(request_message);
    reply.type = icmp_type::echo_reply;
    CHECK(emit_icmp(reply) == icmp_message(load_golden(reply_name)));
  }
}

TEST_CASE("emit writes the kernel's echo requests byte for byte") {
  for (const char* name : {"echo-request", "echo-request-empty", "echo-request-broadcast"}) {
    INFO(name);
    const auto message = icmp_message(load_golden(name));
    CHECK(emit_icmp(*parse_icmp(message)) == message);
  }
}

TEST_CASE("parse(emit(x)) == x for echoes with odd data and for the error types") {
  const byte_vector odd{1, 2, 3, 4, 5};
  icmp_repr echo;
  echo.type = icmp_type::echo_request;
  echo.ident = 0xfffe;
  echo.seq = 0x8001;
  echo.data = odd;

  // An error quotes the offending header and the first 8 bytes of its payload.
  const auto request = load_golden("echo-request");
  const const_byte_span quoted =
      const_byte_span{request.bytes}.subspan(ethernet::header_len, ipv4::min_header_len + 8);
  icmp_repr frag_needed;
  frag_needed.type = icmp_type::dest_unreachable;
  frag_needed.code = 4;
  frag_needed.next_hop_mtu = 1280;
  frag_needed.data = quoted;
  icmp_repr port_unreachable = frag_needed;
  port_unreachable.code = 3;
  port_unreachable.next_hop_mtu = 0;
  icmp_repr ttl_exceeded = port_unreachable;
  ttl_exceeded.type = icmp_type::time_exceeded;
  ttl_exceeded.code = 0;

  for (const icmp_repr& r : {echo, frag_needed, port_unreachable, ttl_exceeded}) {
    INFO(to_string(r));
    const auto message = emit_icmp(r);
    CHECK(message.size() == r.buffer_len());
    CHECK(internet_checksum(message) == 0);
    const auto back = parse_icmp(message);
    REQUIRE(back);
    CHECK(back->type == r.type);
    CHECK(back->code == r.code);
    CHECK(back->ident == r.ident);
    CHECK(back->seq == r.seq);
    CHECK(back->next_hop_mtu == r.next_hop_mtu);
    CHECK(std::ranges::equal(back->data, r.data));
  }
}

TEST_CASE("emit leaves the unused word of an error zero") {
  icmp_repr unreachable;
  unreachable.type = icmp_type::dest_unreachable;
  unreachable.code = 1;
  unreachable.ident = 0x1234;  // meaningless for this type: must not reach the wire
  unreachable.seq = 0x5678;
  byte_vector message(unreachable.buffer_len(), 0xee);
  unreachable.emit(message);
  CHECK(load_be32(&message[icmp::field::ident]) == 0);
}

TEST_CASE("to_string is what tcpdump -n printed after the addresses") {
  for (const char* name :
       {"echo-request", "echo-reply", "echo-request-empty", "echo-request-max"}) {
    INFO(name);
    const auto g = load_golden(name);
    CHECK(g.tcpdump_line("-n").ends_with(": " + to_string(*parse_icmp(icmp_message(g)))));
  }
}

}  // namespace
}  // namespace tapstack::test
