// IPv4 reassembly (RFC 791 3.2, RFC 815, RFC 1122 3.3.2) in virtual time: fragments in every order
// make the datagram byte for byte; overlaps drop all of it and the fragments still to come (RFC
// 5722's rule); exact duplicates are harmless; bad lengths, datagrams over 65535 bytes and the
// count and byte limits are dropped under their reasons; the timeout frees the state. Then the same
// through a host: a lone fragment waits, unanswered, and is dropped when its time is up.
#include <algorithm>
#include <array>
#include <chrono>
#include <numeric>
#include <vector>

#include <doctest/doctest.h>

#include "stack/ip/reassembly.hpp"
#include "stack/wire/checksum.hpp"
#include "tests/support/frames.hpp"
#include "tests/support/golden.hpp"

namespace tapstack::test {
namespace {

using namespace std::chrono_literals;

const instant t0{};
constexpr std::size_t ip_at = ethernet::header_len;

// Payload bytes that are never zero and differ from their neighbours, so that a byte put in the
// wrong place, or a hole left zero, shows in the comparison.
byte_vector pattern(std::size_t n, std::uint8_t seed = 0) {
  byte_vector v(n);
  for (std::size_t i = 0; i < n; ++i)
    v[i] = static_cast<std::uint8_t>(1 + (i * 7 + i / 251 + seed) % 255);
  return v;
}

// One fragment: payload bytes [offset, offset + len) of the datagram, MF set when more follow.
struct piece {
  std::size_t offset;
  std::size_t len;
  bool more;
};

// The fragments of one datagram, offered to a reassembler the way the IP layer does.
struct datagram_source {
  datagram_source(reassembler& r, std::size_t size, std::uint8_t seed = 0)
      : into{r}, data{pattern(size, seed)} {
    ip.src = ipv4_address{0x0a000001};
    ip.dst = ipv4_address{0x0a000002};
    ip.protocol = ip_protocol::udp;
    ip.ident = 7;
  }

  // With a 20-byte header, or with the one given (its length and bytes are what counts).
  reassembler::outcome add(piece p, instant now, const_byte_span header = {}) {
    ipv4_repr h = ip;
    h.frag_offset = p.offset;
    h.more_fragments = p.more;
    h.payload_len = p.len;
    std::array<std::uint8_t, ipv4::min_header_len> plain{};
    h.emit(plain);
    return into.add(h, header.empty() ? const_byte_span{plain} : header,
                    const_byte_span{data}.subspan(p.offset, p.len), now);
  }

  reassembler& into;
  byte_vector data;
  ipv4_repr ip;
};

bool dropped(const reassembler::outcome& o, drop_reason why, std::size_t fragments) {
  return !o.complete && o.dropped == why && o.fragments_dropped == fragments;
}

bool held(const reassembler::outcome& o) { return !o.complete && !o.dropped; }

// The datagram came out whole: these bytes, described by a header of the whole.
void check_complete(const reassembler::outcome& o, const datagram_source& source,
                    std::size_t header_len = ipv4::min_header_len) {
  REQUIRE(o.complete);
  CHECK_FALSE(o.dropped);
  const auto& d = *o.complete;
  CHECK(std::equal(d.payload.begin(), d.payload.end(), source.data.begin(), source.data.end()));
  CHECK(d.header.src == source.ip.src);
  CHECK(d.header.dst == source.ip.dst);
  CHECK(d.header.protocol == source.ip.protocol);
  CHECK(d.header.ident == source.ip.ident);
  CHECK_FALSE(d.header.is_fragment());
  CHECK(d.header.payload_len == source.data.size());
  REQUIRE(d.header_bytes.size() == header_len);
  CHECK(load_be16(&d.header_bytes[ipv4::field::total_len]) == header_len + source.data.size());
  CHECK(load_be16(&d.header_bytes[ipv4::field::flags_frag]) == 0);
  CHECK(internet_checksum(d.header_bytes) == 0);
}

void check_empty(const reassembler& r) {
  CHECK(r.size() == 0);
  CHECK(r.bytes_held() == 0);
  CHECK(r.fragments_held() == 0);
  CHECK_FALSE(r.next_deadline());
}

TEST_CASE("fragments in every order make the datagram, once the last one comes") {
  // Four fragments of whole 8-byte blocks and a last one of 10 bytes: 106 bytes in all.
  const std::vector<piece> pieces{
      {0, 24, true}, {24, 24, true}, {48, 8, true}, {56, 40, true}, {96, 10, false}};
  std::vector<std::size_t> order(pieces.size());
  std::iota(order.begin(), order.end(), 0);
  int orders = 0;
  do {
    CAPTURE(orders);
    reassembler r{ipv4_config{}};
    datagram_source source{r, 106};
    for (std::size_t i = 0; i + 1 < order.size(); ++i)
      REQUIRE(held(source.add(pieces[order[i]], t0)));
    CHECK(r.fragments_held() == pieces.size() - 1);
    check_complete(source.add(pieces[order.back()], t0), source);
    check_empty(r);
    ++orders;
  } while (std::next_permutation(order.begin(), order.end()));
  CHECK(orders == 120);
}

TEST_CASE("a last fragment of no bytes ends the datagram where the others stop") {
  reassembler r{ipv4_config{}};
  datagram_source source{r, 16};
  REQUIRE(held(source.add({16, 0, false}, t0)));
  check_complete(source.add({0, 16, true}, t0), source);
}

TEST_CASE("the datagram has fragment zero's header, options kept, with the length of the whole") {
  reassembler r{ipv4_config{}};
  datagram_source source{r, 40};
  source.ip.ttl = 60;
  REQUIRE(held(source.add({16, 24, false}, t0)));

  // Fragment zero comes last, with a TTL of its own and a 24-byte header: IHL 6, then three
  // no-operation options and the end of the list.
  source.ip.ttl = 50;
  ipv4_repr first = source.ip;
  first.more_fragments = true;
  first.payload_len = 16;
  byte_vector header(24);
  first.emit(header);
  header[ipv4::field::ver_ihl] = 0x46;
  header[20] = header[21] = header[22] = 1;
  header[23] = 0;
  const auto o = source.add({0, 16, true}, t0, header);
  check_complete(o, source, 24);
  CHECK(o.complete->header.ttl == 50);
  CHECK(o.complete->header_bytes[ipv4::field::ttl] == 50);
  CHECK(std::equal(header.begin() + 20, header.end(), o.complete->header_bytes.begin() + 20));
}

TEST_CASE("a fragment that overlaps another drops the whole datagram and those still to come") {
  struct overlap {
    const char* what;
    piece second;
  };
  // The first fragment held is [16, 32).
  const std::vector<overlap> cases{
      {"ends inside it", {8, 16, true}},
      {"starts inside it", {24, 16, true}},
      {"covers it", {8, 32, true}},
      {"same start, shorter", {16, 8, true}},
      {"same start, longer", {16, 24, true}},
      {"a last fragment that starts inside it", {24, 5, false}},
  };
  for (const overlap& c : cases) {
    CAPTURE(c.what);
    reassembler r{ipv4_config{}};
    datagram_source source{r, 64};
    REQUIRE(held(source.add({16, 16, true}, t0)));
    CHECK(dropped(source.add(c.second, t0 + 1s), drop_reason::ip_frag_overlap, 2));
    CHECK(r.bytes_held() == 0);
    CHECK(r.fragments_held() == 0);
    // RFC 5722: the fragments not yet received are discarded too, so nothing here completes.
    CHECK(dropped(source.add({0, 16, true}, t0 + 2s), drop_reason::ip_frag_overlap, 1));
    CHECK(dropped(source.add({32, 32, false}, t0 + 3s), drop_reason::ip_frag_overlap, 1));
    CHECK(r.size() == 1);
    // Remembered until the datagram's own deadline, and then forgotten without a timeout: its
    // fragments were counted when it was dropped.
    CHECK(r.next_deadline() == t0 + 30s);
    CHECK(r.poll(t0 + 30s) == 0);
    check_empty(r);
    // The identification may then carry a new datagram.
    REQUIRE(held(source.add({0, 32, true}, t0 + 31s)));
    check_complete(source.add({32, 32, false}, t0 + 31s), source);
  }
}

TEST_CASE("fragments that disagree on where the datagram ends drop it, as an overlap does") {
  struct disagreement {
    const char* what;
    piece first;
    piece second;
  };
  const std::vector<disagreement> cases{
      {"two last fragments, different ends", {40, 8, false}, {48, 8, false}},
      {"a fragment past the last one", {40, 8, false}, {48, 8, true}},
      {"a last fragment short of bytes held", {32, 16, true}, {8, 8, false}},
  };
  for (const disagreement& c : cases) {
    CAPTURE(c.what);
    reassembler r{ipv4_config{}};
    datagram_source source{r, 64};
    REQUIRE(held(source.add(c.first, t0)));
    CHECK(dropped(source.add(c.second, t0), drop_reason::ip_frag_overlap, 2));
    CHECK(dropped(source.add({0, 8, true}, t0), drop_reason::ip_frag_overlap, 1));
  }
}

TEST_CASE("an exact duplicate is dropped alone; the datagram still completes") {
  reassembler r{ipv4_config{}};
  datagram_source source{r, 40};
  REQUIRE(held(source.add({0, 16, true}, t0)));
  // Its bytes are not looked at: those held first are the ones delivered.
  const byte_vector original = source.data;
  std::fill_n(source.data.begin(), 16, 0xee);
  CHECK(dropped(source.add({0, 16, true}, t0), drop_reason::ip_frag_duplicate, 1));
  source.data = original;
  REQUIRE(held(source.add({32, 8, false}, t0)));
  CHECK(dropped(source.add({32, 8, false}, t0), drop_reason::ip_frag_duplicate, 1));
  CHECK(r.fragments_held() == 2);
  check_complete(source.add({16, 16, true}, t0), source);
}

TEST_CASE("a fragment with more to follow must carry whole 8-byte blocks") {
  reassembler r{ipv4_config{}};
  datagram_source source{r, 64};
  CHECK(dropped(source.add({0, 12, true}, t0), drop_reason::ip_frag_bad_length, 1));
  CHECK(dropped(source.add({8, 0, true}, t0), drop_reason::ip_frag_bad_length, 1));
  check_empty(r);
  // The same length is fine for the last fragment.
  CHECK(held(source.add({8, 12, false}, t0)));
}

TEST_CASE("fragments of a datagram over 65535 bytes are dropped (the ping of death)") {
  SUBCASE("alone: only the fragment goes, nothing is kept") {
    reassembler r{ipv4_config{}};
    datagram_source source{r, 65536};
    CHECK(dropped(source.add({65528, 8, true}, t0), drop_reason::ip_frag_too_big, 1));
    check_empty(r);
  }
  SUBCASE("with others held: the datagram goes, and those still to come") {
    reassembler r{ipv4_config{}};
    datagram_source source{r, 65536};
    REQUIRE(held(source.add({0, 1480, true}, t0)));
    // 65520 payload bytes and a 20-byte header: 65540.
    CHECK(dropped(source.add({65512, 8, false}, t0), drop_reason::ip_frag_too_big, 2));
    CHECK(dropped(source.add({1480, 1480, true}, t0), drop_reason::ip_frag_too_big, 1));
    CHECK(r.bytes_held() == 0);
  }
  SUBCASE("65535 bytes exactly complete") {
    reassembler r{ipv4_config{}};
    datagram_source source{r, 65515};
    REQUIRE(held(source.add({0, 65504, true}, t0)));
    check_complete(source.add({65504, 11, false}, t0), source);
  }
  SUBCASE("fragment zero's header counts, options and all") {
    reassembler r{ipv4_config{}};
    datagram_source source{r, 65515};
    ipv4_repr first = source.ip;
    first.more_fragments = true;
    first.payload_len = 65496;
    byte_vector header(24);
    first.emit(header);
    header[ipv4::field::ver_ihl] = 0x46;
    REQUIRE(held(source.add({0, 65496, true}, t0, header)));
    // 24 + 65515 would be 65539; the later fragment's own 20-byte header does not make it fit.
    CHECK(dropped(source.add({65496, 19, false}, t0), drop_reason::ip_frag_too_big, 2));

    reassembler fits{ipv4_config{}};
    datagram_source smaller{fits, 65511};
    REQUIRE(held(smaller.add({0, 65496, true}, t0, header)));
    check_complete(smaller.add({65496, 15, false}, t0), smaller, 24);
  }
}

TEST_CASE("datagrams are told apart by source, destination, protocol and identification") {
  struct variation {
    const char* what;
    void (*change)(ipv4_repr&);
  };
  const std::vector<variation> cases{
      {"source", [](ipv4_repr& ip) { ip.src = ipv4_address{0x0a000003}; }},
      {"destination", [](ipv4_repr& ip) { ip.dst = ipv4_address{0x0a0000ff}; }},
      {"protocol", [](ipv4_repr& ip) { ip.protocol = ip_protocol::icmp; }},
      {"identification", [](ipv4_repr& ip) { ip.ident = 8; }},
  };
  for (const variation& c : cases) {
    CAPTURE(c.what);
    reassembler r{ipv4_config{}};
    datagram_source one{r, 48, 0};
    datagram_source other{r, 48, 99};
    c.change(other.ip);
    // The same offsets, interleaved: neither overlaps the other nor completes it.
    REQUIRE(held(one.add({0, 24, true}, t0)));
    REQUIRE(held(other.add({0, 24, true}, t0)));
    CHECK(r.size() == 2);
    check_complete(one.add({24, 24, false}, t0), one);
    check_complete(other.add({24, 24, false}, t0), other);
    check_empty(r);
  }
}

TEST_CASE("the timeout runs from the first fragment and frees the state, counted per fragment") {
  reassembler r{ipv4_config{}};
  datagram_source source{r, 48};
  REQUIRE(held(source.add({0, 16, true}, t0)));
  CHECK(r.next_deadline() == t0 + 30s);
  // A later fragment does not move the deadline, or a trickle could hold the state forever.
  REQUIRE(held(source.add({32, 16, false}, t0 + 20s)));
  CHECK(r.next_deadline() == t0 + 30s);
  CHECK(r.poll(t0 + 30s - 1ns) == 0);
  CHECK(r.size() == 1);
  CHECK(r.poll(t0 + 30s) == 2);
  check_empty(r);
  // The missing fragment alone is a new datagram now, which waits.
  CHECK(held(source.add({16, 16, true}, t0 + 31s)));
}

TEST_CASE("the timeout is the configured one") {
  ipv4_config config;
  config.reassembly_timeout = 5s;
  reassembler r{config};
  datagram_source source{r, 48};
  REQUIRE(held(source.add({0, 16, true}, t0)));
  CHECK(r.next_deadline() == t0 + 5s);
  CHECK(r.poll(t0 + 5s) == 1);
}

TEST_CASE("a fragment that comes after the deadline does not complete the old datagram") {
  // A runner that receives before it polls: the fragment finds the datagram's time up.
  reassembler r{ipv4_config{}};
  datagram_source source{r, 32};
  REQUIRE(held(source.add({0, 16, true}, t0)));
  const auto late = source.add({16, 16, false}, t0 + 30s);
  CHECK(held(late));
  CHECK(late.timed_out == 1);
  CHECK(r.fragments_held() == 1);
  CHECK(r.next_deadline() == t0 + 60s);
}

TEST_CASE("no more datagrams than max_reassemblies are held at once") {
  ipv4_config config;
  config.max_reassemblies = 2;
  reassembler r{config};
  datagram_source a{r, 32}, b{r, 32}, c{r, 32};
  b.ip.ident = 8;
  c.ip.ident = 9;
  REQUIRE(held(a.add({0, 16, true}, t0)));
  REQUIRE(held(b.add({0, 16, true}, t0)));
  CHECK(dropped(c.add({0, 16, true}, t0), drop_reason::ip_frag_limit, 1));
  CHECK(r.size() == 2);
  // Those held go on, and once one is done there is room again.
  check_complete(a.add({16, 16, false}, t0), a);
  REQUIRE(held(c.add({0, 16, true}, t0)));
  check_complete(c.add({16, 16, false}, t0), c);
}

TEST_CASE("no more bytes than max_reassembly_bytes are held at once") {
  ipv4_config config;
  config.max_reassembly_bytes = 20000;
  reassembler r{config};
  SUBCASE("a new datagram that does not fit is refused; the others go on") {
    datagram_source a{r, 12000}, b{r, 10000};
    b.ip.ident = 8;
    // Last fragments first, so that each datagram's size is known from the start.
    REQUIRE(held(a.add({10000, 2000, false}, t0)));
    CHECK(r.bytes_held() <= 20000);
    CHECK(dropped(b.add({8000, 2000, false}, t0), drop_reason::ip_frag_limit, 1));
    CHECK(r.size() == 1);
    CHECK(r.bytes_held() <= 20000);
    check_complete(a.add({0, 10000, true}, t0), a);
    CHECK(r.bytes_held() == 0);
    REQUIRE(held(b.add({8000, 2000, false}, t0)));
    check_complete(b.add({0, 8000, true}, t0), b);
  }
  SUBCASE("a datagram that grows past the limit is dropped with its fragments") {
    datagram_source a{r, 24000};
    REQUIRE(held(a.add({0, 8000, true}, t0)));
    CHECK(dropped(a.add({8000, 16000, false}, t0), drop_reason::ip_frag_limit, 2));
    check_empty(r);
  }
}

// Through a host: fragments of the kernel's ping (golden echo-request, 64 bytes of ICMP).
byte_vector fragment_of_ping(std::uint16_t flags_frag) {
  auto frame = load_golden("echo-request").bytes;
  store_be16(&frame[ip_at + ipv4::field::flags_frag], flags_frag);
  refresh_ipv4_checksum(frame);
  return frame;
}

TEST_CASE("a lone fragment is held unanswered, then dropped when its time is up") {
  struct lone {
    const char* what;
    std::uint16_t flags_frag;
  };
  for (const lone& c : {lone{"first fragment (MF)", ipv4::flag_mf},
                        lone{"last fragment (offset 1480)", 1480 / 8}}) {
    CAPTURE(c.what);
    host_fixture f;
    f.learn_peer(f.t0);
    CHECK(f.receive(fragment_of_ping(c.flags_frag), f.t0).empty());
    CHECK(f.host.stats()[event::ip_fragments_in] == 1);
    CHECK(f.host.stats()[event::ip_packets_in] == 0);
    CHECK(f.host.stats().total_drops() == 0);
    CHECK(f.host.next_deadline() == f.t0 + 30s);
    // RFC 1122 3.3.2 would have a time exceeded sent for the first case (fragment zero came) and
    // forbids it for the second; nothing is sent in either yet.
    CHECK(f.poll(f.t0 + 30s).empty());
    CHECK(f.host.stats()[drop_reason::ip_frag_timeout] == 1);
    CHECK(f.host.stats().total_drops() == 1);
  }
}

TEST_CASE_FIXTURE(host_fixture, "a fragment that overlaps a held one is counted with it") {
  learn_peer(t0);
  CHECK(receive(fragment_of_ping(ipv4::flag_mf), t0).empty());
  // Offset 32: inside the 64 bytes the first fragment carries.
  CHECK(receive(fragment_of_ping(ipv4::flag_mf | 32 / 8), t0).empty());
  CHECK(host.stats()[event::ip_fragments_in] == 2);
  CHECK(host.stats()[drop_reason::ip_frag_overlap] == 2);
  CHECK(host.stats().total_drops() == 2);
}

}  // namespace
}  // namespace tapstack::test
