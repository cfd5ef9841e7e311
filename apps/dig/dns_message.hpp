#pragma once
// DNS messages (RFC 1035 section 4; AAAA from RFC 3596) for tapstack-dig: decoding what a server
// sends, encoding the query a stub resolver asks, checking that a response answers that query, and
// printing it the way dig does. Bytes in, values out: no sockets, no clock, no retries (the
// resolver around it owns those). Decoding trusts nothing in the message: every count, length and
// compression pointer is checked, and a bad message is a typed error, never a crash or a hang.
// Encoding never compresses. A decoded message owns its names and data (they are copied out), so
// it outlives the buffer it came from.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace tapstack::dns {

// Why bytes or text are not a DNS message or name. Decoding reports the first problem it meets.
enum class error {
  truncated_header,      // fewer than the 12 bytes of the header
  truncated_question,    // a question runs past the end of the message
  truncated_record,      // a resource record runs past the end of the message
  count_exceeds_data,    // the message ends where the header counts promise another entry
  bad_label_type,        // a label starts 0b01 or 0b10: neither a length nor a pointer
  pointer_out_of_range,  // a compression pointer leads past the end of the message
  forward_pointer,       // a compression pointer points after itself (RFC 1035: a prior name)
  pointer_loop,          // a compression pointer leads back into the name being read
  too_many_pointers,     // more pointers in one name than compression ever needs
  name_too_long,         // more than 255 bytes uncompressed (RFC 1035 2.3.4)
  bad_rdata_length,      // rdata of a known type does not fill its RDLENGTH exactly
  // Names as text (a command line) and messages a caller builds to encode:
  empty_label,          // "a..b", ".a", or the empty string
  label_too_long,       // more than 63 bytes (RFC 1035 2.3.4)
  bad_escape,           // a backslash not followed by a character or by three digits up to 255
  string_too_long,      // a TXT string of more than 255 bytes
  rdata_too_long,       // rdata of more than 65535 bytes
  too_many_entries,     // more than 65535 entries in one section
  rdata_type_mismatch,  // a record's data is of another type than the record says
};
std::string_view to_string(error e);

// A value or the error that prevented it (std::expected is C++23).
template <class T>
class result {
 public:
  result(T value) : v_{std::move(value)} {}
  result(dns::error why) : v_{why} {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  // Only when ok(): std::get throws std::bad_variant_access otherwise.
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  const T* operator->() const { return &value(); }
  // Only when !ok().
  dns::error error() const { return std::get<1>(v_); }

 private:
  std::variant<T, dns::error> v_;
};

// Unknown values are kept as they came (the enums name only what this codec understands).
enum class rr_type : std::uint16_t {
  a = 1,
  ns = 2,
  cname = 5,
  soa = 6,
  mx = 15,
  txt = 16,
  aaaa = 28
};
enum class rr_class : std::uint16_t { in = 1, ch = 3, hs = 4 };
enum class opcode : std::uint8_t { query = 0, iquery = 1, status = 2, notify = 4, update = 5 };
enum class rcode : std::uint8_t {
  no_error = 0,
  format_error = 1,
  server_failure = 2,
  name_error = 3,  // NXDOMAIN
  not_implemented = 4,
  refused = 5,
};
// As dig prints them: "AAAA", "TYPE65" (RFC 3597), "IN", "CLASS2", "QUERY", "NXDOMAIN".
std::string to_string(rr_type t);
std::string to_string(rr_class c);
std::string to_string(opcode o);
std::string to_string(rcode r);
// "A", "mx", "TYPE65" -> the type; nullopt for anything else. For a --type flag.
std::optional<rr_type> parse_rr_type(std::string_view text);

// A domain name as a list of labels, each 1..63 arbitrary bytes, at most 255 bytes on the wire;
// every domain_name holds to that. Letters keep the case they came in: == compares bytes exactly
// (what a round trip must keep), same_name compares as DNS does, ignoring ASCII case.
class domain_name {
 public:
  static constexpr std::size_t max_label_len = 63;
  static constexpr std::size_t max_wire_len = 255;

  domain_name() = default;  // the root

  // Presentation format (RFC 1035 5.1): labels joined by dots, the final dot optional, "\X" for a
  // character X taken literally and "\DDD" for a byte by its decimal value. "." is the root.
  static result<domain_name> parse(std::string_view text);

  // Adds a label at the end; on error (empty, too long, or the name would grow past 255 bytes)
  // the name is unchanged.
  std::optional<error> append(std::string_view label);

  const std::vector<std::string>& labels() const { return labels_; }
  bool is_root() const { return labels_.empty(); }
  // Uncompressed: a length byte per label, the label, and the root's zero byte.
  std::size_t wire_len() const;
  // With the final dot, escaped so that parse() gives back the same name: "www.example.test."
  std::string to_string() const;

  friend bool operator==(const domain_name&, const domain_name&) = default;

 private:
  std::vector<std::string> labels_;
  std::size_t wire_len_ = 1;
};
bool same_name(const domain_name& a, const domain_name& b);

struct header {
  std::uint16_t id = 0;
  bool qr = false;  // a response
  dns::opcode opcode = dns::opcode::query;
  bool aa = false;  // authoritative answer
  bool tc = false;  // truncated: the answer did not fit
  bool rd = false;  // recursion desired
  bool ra = false;  // recursion available
  bool z = false;   // must be zero; kept so that a round trip is exact
  bool ad = false;  // authentic data (RFC 4035 3.2.3)
  bool cd = false;  // checking disabled (RFC 4035 3.2.2)
  dns::rcode rcode = dns::rcode::no_error;

  friend bool operator==(const header&, const header&) = default;
};

struct question {
  domain_name qname;
  rr_type qtype = rr_type::a;
  rr_class qclass = rr_class::in;

  friend bool operator==(const question&, const question&) = default;
};

// RDATA, decoded for the types this codec knows (A and AAAA only in class IN, where their layout
// is defined); anything else is kept as the bytes that came.
struct a_data {
  std::array<std::uint8_t, 4> address{};
  friend bool operator==(const a_data&, const a_data&) = default;
};
struct aaaa_data {
  std::array<std::uint8_t, 16> address{};
  friend bool operator==(const aaaa_data&, const aaaa_data&) = default;
};
struct ns_data {
  domain_name nsdname;
  friend bool operator==(const ns_data&, const ns_data&) = default;
};
struct cname_data {
  domain_name cname;
  friend bool operator==(const cname_data&, const cname_data&) = default;
};
struct soa_data {
  domain_name mname;  // the primary name server
  domain_name rname;  // the mailbox of the person responsible, first label the local part
  std::uint32_t serial = 0;
  std::uint32_t refresh = 0;
  std::uint32_t retry = 0;
  std::uint32_t expire = 0;
  std::uint32_t minimum = 0;
  friend bool operator==(const soa_data&, const soa_data&) = default;
};
struct mx_data {
  std::uint16_t preference = 0;
  domain_name exchange;
  friend bool operator==(const mx_data&, const mx_data&) = default;
};
struct txt_data {
  std::vector<std::string> strings;  // each at most 255 bytes
  friend bool operator==(const txt_data&, const txt_data&) = default;
};
struct raw_data {
  std::vector<std::uint8_t> bytes;
  friend bool operator==(const raw_data&, const raw_data&) = default;
};
using rdata =
    std::variant<raw_data, a_data, aaaa_data, ns_data, cname_data, soa_data, mx_data, txt_data>;

struct resource_record {
  domain_name name;
  rr_type type = rr_type::a;
  rr_class rclass = rr_class::in;
  std::uint32_t ttl = 0;
  rdata data;

  friend bool operator==(const resource_record&, const resource_record&) = default;
};

// The header counts are the sizes of the sections.
struct message {
  header hdr;
  std::vector<question> questions;
  std::vector<resource_record> answers;
  std::vector<resource_record> authorities;
  std::vector<resource_record> additionals;

  friend bool operator==(const message&, const message&) = default;
};

inline constexpr std::size_t header_len = 12;

// Decodes a whole message. Compression pointers must point backwards to a name outside the one
// being read, at most 16 of them per name. Bytes after the last record are ignored.
result<message> decode(std::span<const std::uint8_t> bytes);

// Encodes without compression; fails only on what a domain_name cannot rule out (see error).
result<std::vector<std::uint8_t>> encode(const message& m);

// A query for one question of class IN, as a stub resolver asks it: no other flags, no EDNS.
message make_query(domain_name name, rr_type type, std::uint16_t id, bool recursion_desired);
// The same from a name as text; fails on a name that parse() refuses.
result<std::vector<std::uint8_t>> encode_query(std::string_view name, rr_type type,
                                               std::uint16_t id, bool recursion_desired);

// Whether a response answers a query, by the checks of RFC 5452 section 3 that fall to the message
// rather than to the socket: the ID, and the question echoed back (its name compared ignoring
// case). A resolver drops what does not match and keeps waiting.
enum class response_match {
  matches,
  other_id,
  not_a_response,  // QR clear
  other_opcode,
  other_question_count,
  other_question,
};
std::string_view to_string(response_match m);
response_match match_response(const message& query, const message& response);

// The data of one record as dig prints it: "10.0.0.5", "2001:db8::1" (RFC 5952), "10 mx.example.",
// "\"v=spf1 -all\"", and "\# 4 0A000005" (RFC 3597) for data of a type not decoded.
std::string rdata_text(const resource_record& rr);
// `dig +short`: the data of each answer, one line each.
std::vector<std::string> short_lines(const message& m);
// Fields separated by tabs, as in dig's sections: "www.example.test.\t300\tIN\tA\t10.0.0.5".
std::string to_string(const resource_record& rr);
// "www.example.test.\tIN\tA"
std::string to_string(const question& q);
// dig's full output: the header and flags lines, then each non-empty section under its title, the
// question lines starting with ';'. Lines end with '\n'; an empty line before each section.
std::string to_string(const message& m);

}  // namespace tapstack::dns
