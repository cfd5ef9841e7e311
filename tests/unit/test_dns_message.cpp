// The DNS message codec of tapstack-dig against real traffic (dig asking dnsmasq, captured by
// tests/support/capture-dns-golden): queries byte-exact, responses decoded to the fields dig and
// tcpdump printed, printing as dig prints; and against malformed messages built byte by byte,
// each refused with its own error.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "apps/dig/dns_message.hpp"
#include "tests/support/golden.hpp"

namespace tapstack::dns {
// doctest prints these when a CHECK comparing them fails.
doctest::String toString(error e) { return to_string(e).data(); }
doctest::String toString(response_match m) { return to_string(m).data(); }
}  // namespace tapstack::dns

namespace tapstack::test {
namespace {

using namespace tapstack::dns;
using byte_vector = std::vector<std::uint8_t>;

// What tests/support/capture-dns-golden asked: NAME-query.hex and NAME-response.hex.
struct exchange {
  const char* name;
  const char* qname;
  rr_type qtype;
};
const exchange exchanges[] = {
    {"a", "www.example.test", rr_type::a},
    {"aaaa", "v6.example.test", rr_type::aaaa},
    {"cname", "chain.example.test", rr_type::a},
    {"mx", "example.test", rr_type::mx},
    {"txt", "example.test", rr_type::txt},
    {"txt-quoted", "quoted.example.test", rr_type::txt},
    {"nxdomain", "nothere.example.test", rr_type::a},
    {"refused", "outside.other", rr_type::a},
    {"truncated", "many.example.test", rr_type::a},
    {"ns", "example.test", rr_type::ns},
    {"soa", "example.test", rr_type::soa},
    {"nxdomain-soa", "nothere.example.test", rr_type::a},
    {"servfail", "www.example.test", rr_type::a},
};

golden_frame golden(const std::string& name) { return load_golden("dns/" + name); }

// The comment lines of a golden file after "# <tag>: " (the loader keeps only tcpdump's).
std::vector<std::string> comment_lines(const std::string& name, std::string_view tag) {
  const std::string path =
      std::string{TAPSTACK_SOURCE_DIR} + "/tests/unit/golden/dns/" + name + ".hex";
  std::ifstream in{path};
  REQUIRE_MESSAGE(in, "cannot open " << path);
  const std::string prefix = "# " + std::string{tag} + ": ";
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with(prefix)) lines.push_back(line.substr(prefix.size()));
  }
  return lines;
}

// Whitespace runs as one space: dig lines up its columns with tabs.
std::string squeezed(const std::string& line) {
  std::string out;
  for (const char c : line) {
    const bool space = c == ' ' || c == '\t';
    if (space && (out.empty() || out.back() == ' ')) continue;
    out += space ? ' ' : c;
  }
  return out;
}

std::vector<std::string> nonempty_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in{text};
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(squeezed(line));
  }
  return lines;
}

// tcpdump -n's DNS summary: "IP 10.0.0.1.53 > 10.0.0.2.35770: 19710* 3/0/0 CNAME ... (114)".
struct tcpdump_dns {
  std::uint16_t id = 0;
  std::size_t answers = 0, authorities = 0, additionals = 0;  // responses only
  std::size_t length = 0;                                     // of the DNS message
};

std::size_t number_at(const std::string& line, std::size_t at) {
  std::size_t value = 0;
  const auto parsed = std::from_chars(line.data() + at, line.data() + line.size(), value);
  REQUIRE_MESSAGE(parsed.ec == std::errc{}, "no number at " << at << " in: " << line);
  return value;
}

tcpdump_dns summary(const golden_frame& g) {
  const std::string& line = g.tcpdump_line("-n");
  tcpdump_dns s;
  s.id = static_cast<std::uint16_t>(number_at(line, line.find(": ") + 2));
  s.length = number_at(line, line.rfind('(') + 1);
  std::istringstream words{line};
  for (std::string word; words >> word;) {
    if (std::count(word.begin(), word.end(), '/') != 2) continue;
    if (!std::isdigit(static_cast<unsigned char>(word[0]))) continue;
    const auto first = word.find('/');
    const auto second = word.find('/', first + 1);
    s.answers = number_at(word, 0);
    s.authorities = number_at(word, first + 1);
    s.additionals = number_at(word, second + 1);
    break;
  }
  return s;
}

message decoded(const byte_vector& bytes) {
  auto m = decode(bytes);
  REQUIRE_MESSAGE(m.ok(), "decode: " << to_string(m.error()));
  return std::move(m).value();
}

message decoded_golden(const std::string& name) { return decoded(golden(name).bytes); }

domain_name name_of(std::string_view text) {
  auto name = domain_name::parse(text);
  REQUIRE_MESSAGE(name.ok(), text << ": " << to_string(name.error()));
  return std::move(name).value();
}

template <class T>
const T& data_as(const resource_record& rr) {
  REQUIRE_MESSAGE(std::holds_alternative<T>(rr.data), to_string(rr));
  return std::get<T>(rr.data);
}

// Builds messages byte by byte, with its own big-endian writes, for the malformed cases.
class wire {
 public:
  wire& u8(std::uint8_t v) {
    bytes_.push_back(v);
    return *this;
  }
  wire& u16(std::uint16_t v) { return u8(static_cast<std::uint8_t>(v >> 8)).u8(v & 0xff); }
  wire& u32(std::uint32_t v) { return u16(static_cast<std::uint16_t>(v >> 16)).u16(v & 0xffff); }
  wire& label(std::string_view text) {
    u8(static_cast<std::uint8_t>(text.size()));
    bytes_.insert(bytes_.end(), text.begin(), text.end());
    return *this;
  }
  wire& root() { return u8(0); }
  wire& pointer(std::size_t offset) { return u16(static_cast<std::uint16_t>(0xc000 | offset)); }
  // ID 0x1234, QR RD RA, NOERROR, and the four counts.
  wire& header(std::uint16_t qd, std::uint16_t an, std::uint16_t ns = 0, std::uint16_t ar = 0) {
    return u16(0x1234).u16(0x8180).u16(qd).u16(an).u16(ns).u16(ar);
  }
  // What follows a record's owner name.
  wire& fixed(rr_type type, std::uint16_t rdlength, rr_class rclass = rr_class::in) {
    return u16(static_cast<std::uint16_t>(type))
        .u16(static_cast<std::uint16_t>(rclass))
        .u32(300)
        .u16(rdlength);
  }
  std::size_t size() const { return bytes_.size(); }
  const byte_vector& bytes() const { return bytes_; }

 private:
  byte_vector bytes_;
};

result<message> decode_wire(const wire& w) { return decode(w.bytes()); }

// A type this codec does not decode, for rdata that only needs to sit in the message.
constexpr rr_type opaque_type{0xff00};

TEST_CASE("every captured query is what encode_query writes for its name, type and ID") {
  for (const exchange& x : exchanges) {
    INFO(x.name);
    const auto g = golden(std::string{x.name} + "-query");
    const auto bytes = encode_query(x.qname, x.qtype, summary(g).id, true);
    REQUIRE(bytes.ok());
    CHECK(*bytes == g.bytes);
    CHECK(bytes->size() == summary(g).length);
  }
}

TEST_CASE("a captured query decodes to its one question, RD set and nothing else") {
  for (const exchange& x : exchanges) {
    INFO(x.name);
    const auto g = golden(std::string{x.name} + "-query");
    const message m = decoded(g.bytes);
    CHECK(m.hdr == header{.id = summary(g).id, .rd = true});
    REQUIRE(m.questions.size() == 1);
    CHECK(m.questions[0] == question{name_of(x.qname), x.qtype, rr_class::in});
    CHECK(m.answers.empty());
    CHECK(m.authorities.empty());
    CHECK(m.additionals.empty());
  }
}

TEST_CASE("every captured response answers its query and has the records tcpdump counted") {
  for (const exchange& x : exchanges) {
    INFO(x.name);
    const message query = decoded_golden(std::string{x.name} + "-query");
    const auto g = golden(std::string{x.name} + "-response");
    const message response = decoded(g.bytes);
    CHECK(match_response(query, response) == response_match::matches);
    const tcpdump_dns s = summary(g);
    CHECK(response.hdr.id == s.id);
    CHECK(g.bytes.size() == s.length);
    CHECK(response.answers.size() == s.answers);
    CHECK(response.authorities.size() == s.authorities);
    CHECK(response.additionals.size() == s.additionals);
  }
}

TEST_CASE("the full dump of every captured response is what dig printed, up to spacing") {
  for (const exchange& x : exchanges) {
    const std::string name = std::string{x.name} + "-response";
    INFO(name);
    const message m = decoded_golden(name);
    std::vector<std::string> dig = comment_lines(name, "dig");
    std::transform(dig.begin(), dig.end(), dig.begin(), squeezed);
    REQUIRE(!dig.empty());
    CHECK(nonempty_lines(to_string(m)) == dig);
  }
}

TEST_CASE("the short lines of every captured response are what dig +short printed") {
  int compared = 0;
  for (const exchange& x : exchanges) {
    const std::string name = std::string{x.name} + "-response";
    INFO(name);
    // The script keeps dig +short's lines only when its second answer came in the same order.
    if (!comment_lines(name, "dig +short not kept").empty()) continue;
    CHECK(short_lines(decoded_golden(name)) == comment_lines(name, "dig +short"));
    ++compared;
  }
  CHECK(compared >= 12);
}

TEST_CASE("an A answer: the address, TTL, class and the flags of a recursive server") {
  const message m = decoded_golden("a-response");
  CHECK(m.hdr.qr);
  CHECK(m.hdr.aa);
  CHECK(m.hdr.rd);
  CHECK(m.hdr.ra);
  CHECK_FALSE(m.hdr.tc);
  CHECK(m.hdr.opcode == opcode::query);
  CHECK(m.hdr.rcode == rcode::no_error);
  REQUIRE(m.answers.size() == 1);
  const resource_record& rr = m.answers[0];
  CHECK(rr.name == name_of("www.example.test"));
  CHECK(rr.type == rr_type::a);
  CHECK(rr.rclass == rr_class::in);
  CHECK(rr.ttl == 300);
  CHECK(data_as<a_data>(rr).address == std::array<std::uint8_t, 4>{10, 0, 0, 5});
  CHECK(rdata_text(rr) == "10.0.0.5");
}

TEST_CASE("an AAAA answer is 16 bytes, printed with the first of two zero runs as ::") {
  const message m = decoded_golden("aaaa-response");
  REQUIRE(m.answers.size() == 1);
  CHECK(data_as<aaaa_data>(m.answers[0]).address ==
        std::array<std::uint8_t, 16>{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1});
  CHECK(rdata_text(m.answers[0]) == "2001:db8::1:0:0:1");
}

TEST_CASE("a CNAME chain: each owner is the previous target, names read through pointers") {
  const auto g = golden("cname-response");
  const message m = decoded(g.bytes);
  REQUIRE(m.answers.size() == 3);
  CHECK(m.answers[0].name == m.questions[0].qname);
  CHECK(data_as<cname_data>(m.answers[0]).cname == name_of("alias.example.test"));
  CHECK(m.answers[1].name == name_of("alias.example.test"));
  CHECK(data_as<cname_data>(m.answers[1]).cname == name_of("www.example.test"));
  CHECK(m.answers[2].name == name_of("www.example.test"));
  CHECK(data_as<a_data>(m.answers[2]).address == std::array<std::uint8_t, 4>{10, 0, 0, 5});
  // The first answer's owner is a pointer to the question's name at offset 12.
  const std::size_t first_answer = header_len + m.questions[0].qname.wire_len() + 4;
  CHECK(g.bytes[first_answer] == 0xc0);
  CHECK(g.bytes[first_answer + 1] == header_len);
}

TEST_CASE("an MX answer: preferences and exchanges, the address of one as additional data") {
  const message m = decoded_golden("mx-response");
  REQUIRE(m.answers.size() == 2);
  CHECK(data_as<mx_data>(m.answers[0]) == mx_data{20, name_of("backup.example.test")});
  CHECK(data_as<mx_data>(m.answers[1]) == mx_data{10, name_of("mail.example.test")});
  CHECK(rdata_text(m.answers[1]) == "10 mail.example.test.");
  REQUIRE(m.additionals.size() == 1);
  // Its owner is a pointer into the second MX record's data.
  CHECK(m.additionals[0].name == name_of("mail.example.test"));
  CHECK(data_as<a_data>(m.additionals[0]).address == std::array<std::uint8_t, 4>{10, 0, 0, 25});
}

TEST_CASE("TXT strings come out as sent and print quoted, with quotes and backslashes escaped") {
  const message plain = decoded_golden("txt-response");
  REQUIRE(plain.answers.size() == 1);
  CHECK(data_as<txt_data>(plain.answers[0]).strings ==
        std::vector<std::string>{"v=spf1 -all", "second string"});
  CHECK(rdata_text(plain.answers[0]) == R"("v=spf1 -all" "second string")");

  const message quoted = decoded_golden("txt-quoted-response");
  REQUIRE(quoted.answers.size() == 1);
  CHECK(data_as<txt_data>(quoted.answers[0]).strings ==
        std::vector<std::string>{R"("say \"hi\"; ok")", R"("back\\slash")"});
}

TEST_CASE("NS and SOA answers from the authority decode to their fields") {
  const message ns = decoded_golden("ns-response");
  CHECK_FALSE(ns.hdr.ra);
  REQUIRE(ns.answers.size() == 1);
  CHECK(data_as<ns_data>(ns.answers[0]).nsdname == name_of("ns.example.test"));

  const message soa = decoded_golden("soa-response");
  REQUIRE(soa.answers.size() == 1);
  // The numbers dnsmasq was given: --auth-soa=2024010101,hostmaster.example.test,1200,180,1209600
  // and --auth-ttl=300 (the minimum).
  CHECK(data_as<soa_data>(soa.answers[0]) == soa_data{name_of("ns.example.test"),
                                                      name_of("hostmaster.example.test"),
                                                      2024010101, 1200, 180, 1209600, 300});
}

TEST_CASE("negative answers: NXDOMAIN with and without the zone's SOA, SERVFAIL, REFUSED") {
  const message nxdomain = decoded_golden("nxdomain-response");
  CHECK(nxdomain.hdr.rcode == rcode::name_error);
  CHECK(nxdomain.answers.empty());
  CHECK(to_string(nxdomain.hdr.rcode) == "NXDOMAIN");

  const message with_soa = decoded_golden("nxdomain-soa-response");
  CHECK(with_soa.hdr.rcode == rcode::name_error);
  REQUIRE(with_soa.authorities.size() == 1);
  CHECK(with_soa.authorities[0].type == rr_type::soa);
  CHECK(data_as<soa_data>(with_soa.authorities[0]).serial == 2024010101);

  CHECK(decoded_golden("servfail-response").hdr.rcode == rcode::server_failure);
  CHECK(decoded_golden("refused-response").hdr.rcode == rcode::refused);
}

TEST_CASE("a truncated answer sets TC and holds the records that fitted in 512 bytes") {
  const auto g = golden("truncated-response");
  const message m = decoded(g.bytes);
  CHECK(m.hdr.tc);
  CHECK(g.bytes.size() <= 512);
  CHECK(m.answers.size() == summary(g).answers);
  CHECK(m.answers.size() < 40);  // the server knows 40 addresses for the name
  for (const resource_record& rr : m.answers) CHECK(rr.name == m.questions[0].qname);
}

TEST_CASE("every captured message encodes again to one that decodes the same") {
  for (const exchange& x : exchanges) {
    for (const char* direction : {"-query", "-response"}) {
      const auto g = golden(std::string{x.name} + direction);
      INFO(g.name);
      const message m = decoded(g.bytes);
      const auto bytes = encode(m);
      REQUIRE(bytes.ok());
      CHECK(decoded(*bytes) == m);
      // What came uncompressed goes out the same, byte for byte; what came compressed, longer.
      if (bytes->size() == g.bytes.size()) {
        CHECK(*bytes == g.bytes);
      } else {
        CHECK(bytes->size() > g.bytes.size());
      }
    }
  }
}

TEST_CASE("every golden message cut short at every byte is refused as truncated, never crashes") {
  for (const exchange& x : exchanges) {
    for (const char* direction : {"-query", "-response"}) {
      const auto g = golden(std::string{x.name} + direction);
      INFO(g.name);
      const message whole = decoded(g.bytes);
      const std::size_t records =
          whole.answers.size() + whole.authorities.size() + whole.additionals.size();
      const std::size_t question_end = header_len + whole.questions[0].qname.wire_len() + 4;
      std::size_t record_boundaries = 0;
      for (std::size_t n = 0; n < g.bytes.size(); ++n) {
        CAPTURE(n);
        const auto cut = decode(std::span{g.bytes}.first(n));
        REQUIRE_FALSE(cut.ok());
        if (n < header_len) {
          CHECK(cut.error() == error::truncated_header);
        } else if (n == header_len) {
          CHECK(cut.error() == error::count_exceeds_data);
        } else if (n < question_end) {
          CHECK(cut.error() == error::truncated_question);
        } else if (cut.error() == error::count_exceeds_data) {
          ++record_boundaries;
        } else {
          CHECK(cut.error() == error::truncated_record);
        }
      }
      // Cut where a record starts, the header promises it: the only other error.
      CHECK(record_boundaries == records);
    }
  }
}

TEST_CASE("header counts larger than the data are count_exceeds_data") {
  byte_vector query = golden("a-query").bytes;
  query[5] = 2;  // QDCOUNT
  CHECK(decode(query).error() == error::count_exceeds_data);

  byte_vector response = golden("a-response").bytes;
  response[7] = 2;  // ANCOUNT
  CHECK(decode(response).error() == error::count_exceeds_data);
  response[7] = 1;
  response[11] = 1;  // ARCOUNT
  CHECK(decode(response).error() == error::count_exceeds_data);
}

TEST_CASE("an RDLENGTH past the end of the message is truncated_record") {
  byte_vector response = golden("a-response").bytes;
  // The A record's RDLENGTH is the two bytes before its 4-byte address at the end.
  REQUIRE(response[response.size() - 5] == 4);
  response[response.size() - 5] = 5;
  CHECK(decode(response).error() == error::truncated_record);
}

TEST_CASE("rdata that does not fill its RDLENGTH exactly is bad_rdata_length") {
  SUBCASE("A with 5 bytes, and AAAA with 4") {
    wire a;
    a.header(0, 1).root().fixed(rr_type::a, 5).u32(0x0a000005).u8(0);
    CHECK(decode_wire(a).error() == error::bad_rdata_length);
    wire aaaa;
    aaaa.header(0, 1).root().fixed(rr_type::aaaa, 4).u32(0x0a000005);
    CHECK(decode_wire(aaaa).error() == error::bad_rdata_length);
  }
  SUBCASE("A in another class is data of unknown layout, kept as bytes") {
    wire a;
    a.header(0, 1).root().fixed(rr_type::a, 5, rr_class::ch).u32(0x0a000005).u8(0);
    const auto m = decode_wire(a);
    REQUIRE(m.ok());
    CHECK(data_as<raw_data>(m->answers[0]).bytes == byte_vector{10, 0, 0, 5, 0});
  }
  SUBCASE("a CNAME with a byte after its name") {
    wire w;
    w.header(0, 1).root().fixed(rr_type::cname, 4).label("a").root().u8(0);
    CHECK(decode_wire(w).error() == error::bad_rdata_length);
  }
  SUBCASE("a CNAME whose name runs past its RDLENGTH into the next record") {
    wire w;
    w.header(0, 2).root().fixed(rr_type::cname, 2).label("ab").root();
    w.root().fixed(opaque_type, 0);
    CHECK(decode_wire(w).error() == error::bad_rdata_length);
  }
  SUBCASE("an MX of one byte") {
    wire w;
    w.header(0, 1).root().fixed(rr_type::mx, 1).u8(10);
    CHECK(decode_wire(w).error() == error::bad_rdata_length);
  }
  SUBCASE("an SOA with one byte less or more than its five numbers") {
    for (const std::uint16_t numbers : {19, 21}) {
      CAPTURE(numbers);
      wire w;
      w.header(0, 1).root().fixed(rr_type::soa, 2 + numbers).root().root();
      for (int i = 0; i < numbers; ++i) w.u8(0);
      CHECK(decode_wire(w).error() == error::bad_rdata_length);
    }
  }
  SUBCASE("a TXT string longer than the rest of the rdata") {
    wire w;
    w.header(0, 1).root().fixed(rr_type::txt, 3).u8(5).u8('h').u8('i');
    CHECK(decode_wire(w).error() == error::bad_rdata_length);
  }
}

TEST_CASE("compression pointers that loop are pointer_loop") {
  SUBCASE("a pointer to itself") {
    wire w;
    w.header(0, 1).pointer(header_len).fixed(rr_type::a, 4).u32(0);
    CHECK(decode_wire(w).error() == error::pointer_loop);
  }
  SUBCASE("a pointer back to the start of the labels it ends") {
    wire w;
    w.header(0, 1).label("a").pointer(header_len).fixed(rr_type::a, 4).u32(0);
    CHECK(decode_wire(w).error() == error::pointer_loop);
  }
  SUBCASE("two pointers that lead to each other") {
    // A record of an opaque type holds label "b" and a pointer to the second record's owner
    // name, which is a pointer back to that label.
    wire w;
    w.header(0, 2).root().fixed(opaque_type, 4);
    const std::size_t b = w.size();
    const std::size_t second = b + 4;
    w.label("b").pointer(second);
    w.pointer(b).fixed(rr_type::a, 4).u32(0);
    CHECK(decode_wire(w).error() == error::pointer_loop);
  }
}

TEST_CASE("pointers that lead forward or out of the message are refused") {
  SUBCASE("forward, to a name that follows") {
    wire w;
    w.header(1, 0).pointer(header_len + 2).label("a").root().u16(1).u16(1);
    CHECK(decode_wire(w).error() == error::forward_pointer);
  }
  SUBCASE("past the end") {
    wire w;
    w.header(1, 0).pointer(0x3fff).u16(1).u16(1);
    CHECK(decode_wire(w).error() == error::pointer_out_of_range);
  }
  SUBCASE("back to a label that runs off the end of the message") {
    // An opaque record's data is a label that claims 10 bytes and has 1; the next record's owner
    // name points at it, and the message ends there.
    wire w;
    w.header(0, 2).root().fixed(opaque_type, 2).u8(10).u8('x');
    w.pointer(w.size() - 2);
    CHECK(decode_wire(w).error() == error::pointer_out_of_range);
  }
}

TEST_CASE("labels of the reserved types 0x40 and 0x80 are bad_label_type") {
  for (const std::uint8_t kind : {0x40, 0x80, 0x7f, 0xbf}) {
    CAPTURE(kind);
    wire w;
    w.header(1, 0).u8(kind).u8('a').root().u16(1).u16(1);
    CHECK(decode_wire(w).error() == error::bad_label_type);
  }
}

TEST_CASE("a name of more than 255 bytes is name_too_long, in place or through pointers") {
  const std::string label63(63, 'x');
  SUBCASE("four labels of 63 in a question: 257 bytes") {
    wire w;
    w.header(1, 0).label(label63).label(label63).label(label63).label(label63).root();
    w.u16(1).u16(1);
    CHECK(decode_wire(w).error() == error::name_too_long);
  }
  SUBCASE("three labels of 63 and one of 61 is the longest there is: 255 bytes") {
    wire w;
    w.header(1, 0).label(label63).label(label63).label(label63).label(std::string(61, 'y'));
    w.root().u16(1).u16(1);
    const auto m = decode_wire(w);
    REQUIRE(m.ok());
    CHECK(m->questions[0].qname.wire_len() == 255);
  }
  SUBCASE("a label in front of a pointer to 193 bytes of name: 257 bytes") {
    wire w;
    w.header(1, 1).label(label63).label(label63).label(label63).root().u16(1).u16(1);
    w.label(label63).pointer(header_len).fixed(rr_type::a, 4).u32(0);
    CHECK(decode_wire(w).error() == error::name_too_long);
  }
}

TEST_CASE("a name may follow 16 pointers, not 17") {
  // An opaque record's data is a root label and then pointers, each to the one before it: a chain
  // that the next record's owner name enters at its last link.
  const auto chain = [](std::size_t links) {
    wire w;
    w.header(0, 2).root().fixed(opaque_type, static_cast<std::uint16_t>(1 + 2 * links));
    std::size_t previous = w.size();
    w.root();
    for (std::size_t i = 0; i < links; ++i) {
      const std::size_t here = w.size();
      w.pointer(previous);
      previous = here;
    }
    w.pointer(previous).fixed(rr_type::a, 4).u32(0x0a000001);
    return decode_wire(w);
  };
  const auto fifteen = chain(15);
  REQUIRE(fifteen.ok());
  CHECK(fifteen->answers[1].name.is_root());
  CHECK(chain(16).error() == error::too_many_pointers);
}

TEST_CASE("bytes after the last record are ignored; fewer than 12 bytes are truncated_header") {
  byte_vector response = golden("a-response").bytes;
  const message m = decoded(response);
  response.push_back(0xff);
  CHECK(decoded(response) == m);
  CHECK(decode(byte_vector{}).error() == error::truncated_header);
}

TEST_CASE("names as text: dots, the optional final dot, escapes, and the limits") {
  CHECK(name_of("www.example.test") == name_of("www.example.test."));
  CHECK(name_of("www.example.test").labels() == std::vector<std::string>{"www", "example", "test"});
  CHECK(name_of(".").is_root());
  CHECK(name_of(".").wire_len() == 1);
  CHECK(name_of(".").to_string() == ".");
  CHECK(name_of(R"(a\.b.c)").labels() == std::vector<std::string>{"a.b", "c"});
  CHECK(name_of(R"(\065\\)").labels() == std::vector<std::string>{"A\\"});
  CHECK(name_of(R"(a\.)").labels() == std::vector<std::string>{"a."});

  CHECK(domain_name::parse("").error() == error::empty_label);
  CHECK(domain_name::parse("a..b").error() == error::empty_label);
  CHECK(domain_name::parse(".a").error() == error::empty_label);
  CHECK(domain_name::parse("a.b..").error() == error::empty_label);
  CHECK(domain_name::parse(R"(a\)").error() == error::bad_escape);
  CHECK(domain_name::parse(R"(a\25)").error() == error::bad_escape);
  CHECK(domain_name::parse(R"(a\256)").error() == error::bad_escape);

  const std::string label63(63, 'x');
  CHECK(name_of(label63 + ".test").labels()[0].size() == 63);
  CHECK(domain_name::parse(label63 + "x.test").error() == error::label_too_long);
  const std::string longest = label63 + '.' + label63 + '.' + label63 + '.' + std::string(61, 'y');
  CHECK(name_of(longest).wire_len() == 255);
  CHECK(domain_name::parse(longest + 'y').error() == error::name_too_long);
}

TEST_CASE("a name with any bytes in its labels prints escaped and parses back the same") {
  domain_name odd;
  REQUIRE_FALSE(odd.append(std::string{"a.b c\"\\;()@$"} + '\0' + "\x7f\xff"));
  REQUIRE_FALSE(odd.append("Test"));
  const std::string text = odd.to_string();
  CHECK(text == R"(a\.b\032c\"\\\;\(\)\@\$\000\127\255.Test.)");
  CHECK(name_of(text) == odd);
}

TEST_CASE("names compare ignoring ASCII case only with same_name") {
  CHECK(same_name(name_of("WwW.Example.TEST"), name_of("www.example.test")));
  CHECK_FALSE(name_of("WwW.Example.TEST") == name_of("www.example.test"));
  CHECK_FALSE(same_name(name_of("www.example.test"), name_of("www.example.tes")));
  CHECK_FALSE(same_name(name_of("www.example"), name_of("www.example.test")));
  // Only A-Z fold: bytes above 0x7f are compared as they are.
  CHECK_FALSE(same_name(name_of(R"(\196)"), name_of(R"(\228)")));
}

TEST_CASE("encode_query refuses the names parse refuses") {
  CHECK(encode_query("a..b", rr_type::a, 1, true).error() == error::empty_label);
  CHECK(encode_query(std::string(64, 'x'), rr_type::a, 1, true).error() == error::label_too_long);
  const std::string label63(63, 'x');
  CHECK(encode_query(label63 + '.' + label63 + '.' + label63 + '.' + label63, rr_type::a, 1, true)
            .error() == error::name_too_long);
}

TEST_CASE("encode_query without recursion desired clears RD; the root is one zero byte") {
  const auto bytes = encode_query(".", rr_type::ns, 0xbeef, false);
  REQUIRE(bytes.ok());
  CHECK(*bytes == byte_vector{0xbe, 0xef, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 1});
}

TEST_CASE("match_response: the ID, QR, the opcode and the question, its name in any case") {
  const message query = decoded_golden("a-query");
  const message response = decoded_golden("a-response");
  REQUIRE(match_response(query, response) == response_match::matches);

  message other = response;
  other.hdr.id ^= 1;
  CHECK(match_response(query, other) == response_match::other_id);
  // Our own query echoed back (as a spoofer might try) is not an answer.
  CHECK(match_response(query, query) == response_match::not_a_response);
  other = response;
  other.hdr.opcode = opcode::status;
  CHECK(match_response(query, other) == response_match::other_opcode);
  other = response;
  other.questions.clear();
  CHECK(match_response(query, other) == response_match::other_question_count);
  other = response;
  other.questions[0].qtype = rr_type::aaaa;
  CHECK(match_response(query, other) == response_match::other_question);
  other = response;
  other.questions[0].qclass = rr_class::ch;
  CHECK(match_response(query, other) == response_match::other_question);
  other = response;
  other.questions[0].qname = name_of("www.example.tester");
  CHECK(match_response(query, other) == response_match::other_question);
  other = response;
  other.questions[0].qname = name_of("WWW.EXAMPLE.test");
  CHECK(match_response(query, other) == response_match::matches);
}

resource_record record_with(rr_type type, rdata data) {
  return {name_of("x.test"), type, rr_class::in, 60, std::move(data)};
}

TEST_CASE("AAAA text follows RFC 5952: shortest hex, the longest zero run as ::, mapped IPv4") {
  const auto text = [](std::array<std::uint8_t, 16> address) {
    return rdata_text(record_with(rr_type::aaaa, aaaa_data{address}));
  };
  CHECK(text({}) == "::");
  CHECK(text({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}) == "::1");
  CHECK(text({0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}) == "fe80::");
  CHECK(text({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}) == "2001:db8::1");
  // A single zero group stays.
  CHECK(text({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1}) ==
        "2001:db8:0:1:1:1:1:1");
  // The longer run wins over the first.
  CHECK(text({0x20, 0x01, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1}) == "2001:0:0:1::1");
  CHECK(text({0xAB, 0xCD, 0, 0x0f, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}) == "abcd:f::");
  CHECK(text({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 1}) == "::ffff:10.0.0.1");
  // Not mapped: the deprecated IPv4-compatible form prints as hex.
  CHECK(text({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 10, 0, 0, 1}) == "::a00:1");
}

TEST_CASE("data of a type not decoded prints as RFC 3597 generic data") {
  CHECK(rdata_text(record_with(rr_type{65}, raw_data{{0x0a, 0x00, 0x00, 0x05}})) ==
        R"(\# 4 0A000005)");
  CHECK(rdata_text(record_with(rr_type{65}, raw_data{})) == R"(\# 0)");
  CHECK(to_string(record_with(rr_type{65}, raw_data{{0xff}})) ==
        "x.test.\t60\tIN\tTYPE65\t\\# 1 FF");
}

TEST_CASE("TXT strings print bytes that are not printable as \\DDD") {
  CHECK(rdata_text(record_with(rr_type::txt, txt_data{{std::string{"tab\there\x01"}, ""}})) ==
        R"("tab\009here\001" "")");
}

TEST_CASE("types, classes, opcodes and rcodes print as dig names them") {
  CHECK(to_string(rr_type::aaaa) == "AAAA");
  CHECK(to_string(rr_type{99}) == "TYPE99");
  CHECK(to_string(rr_class::in) == "IN");
  CHECK(to_string(rr_class{2}) == "CLASS2");
  CHECK(to_string(opcode::update) == "UPDATE");
  CHECK(to_string(opcode{3}) == "RESERVED3");
  CHECK(to_string(rcode::server_failure) == "SERVFAIL");
  CHECK(to_string(rcode{15}) == "RESERVED15");
}

TEST_CASE("parse_rr_type takes the names in any case and TYPEnnn") {
  CHECK(parse_rr_type("aaaa") == rr_type::aaaa);
  CHECK(parse_rr_type("Mx") == rr_type::mx);
  CHECK(parse_rr_type("CNAME") == rr_type::cname);
  CHECK(parse_rr_type("TYPE65") == rr_type{65});
  CHECK(parse_rr_type("type1") == rr_type::a);
  CHECK_FALSE(parse_rr_type("TYPE65536"));
  CHECK_FALSE(parse_rr_type("TYPE"));
  CHECK_FALSE(parse_rr_type("TYPE1x"));
  CHECK_FALSE(parse_rr_type("B"));
  CHECK_FALSE(parse_rr_type(""));
}

TEST_CASE("encode refuses what a message cannot carry") {
  message m = make_query(name_of("x.test"), rr_type::txt, 7, true);
  m.answers.push_back(record_with(rr_type::txt, txt_data{{std::string(256, 'x')}}));
  CHECK(encode(m).error() == error::string_too_long);
  m.answers[0] = record_with(rr_type::txt, txt_data{{std::string(255, 'x')}});
  CHECK(encode(m).ok());
  m.answers[0] = record_with(rr_type::mx, txt_data{{"x"}});
  CHECK(encode(m).error() == error::rdata_type_mismatch);
  m.answers[0] = record_with(rr_type{65}, raw_data{byte_vector(65536)});
  CHECK(encode(m).error() == error::rdata_too_long);
  m.answers[0] = record_with(rr_type{65}, raw_data{byte_vector(65535)});
  CHECK(encode(m).ok());
}

}  // namespace
}  // namespace tapstack::test
