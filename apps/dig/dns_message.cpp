#include "apps/dig/dns_message.hpp"

#include <algorithm>
#include <charconv>

#include "stack/base/bytes.hpp"

namespace tapstack::dns {
namespace {

// RFC 1035 4.1.1: the header is the ID, a word of flags, and four counts.
namespace field {
constexpr std::size_t id = 0;
constexpr std::size_t flags = 2;
constexpr std::size_t qdcount = 4;
constexpr std::size_t ancount = 6;
constexpr std::size_t nscount = 8;
constexpr std::size_t arcount = 10;
}  // namespace field
namespace flag {
constexpr std::uint16_t qr = 0x8000;
constexpr std::uint16_t aa = 0x0400;
constexpr std::uint16_t tc = 0x0200;
constexpr std::uint16_t rd = 0x0100;
constexpr std::uint16_t ra = 0x0080;
constexpr std::uint16_t z = 0x0040;
constexpr std::uint16_t ad = 0x0020;
constexpr std::uint16_t cd = 0x0010;
constexpr unsigned opcode_shift = 11;
constexpr std::uint16_t nibble = 0x0f;
}  // namespace flag

// TYPE, CLASS, TTL and RDLENGTH after a record's owner name.
constexpr std::size_t record_fixed_len = 10;
constexpr std::size_t soa_numbers_len = 20;

// RFC 1035 4.1.4: the top two bits of a length byte say what follows.
constexpr std::uint8_t label_kind_mask = 0xc0;
constexpr std::uint8_t label_kind_length = 0x00;
constexpr std::uint8_t label_kind_pointer = 0xc0;
constexpr std::uint16_t pointer_offset_mask = 0x3fff;
// A compressor points once, to a name written earlier, and only chains of pointers need more. Go's
// dnsmessage stops at 10; this bounds the work one name can cost, whatever the message holds.
constexpr std::size_t max_pointers = 16;

constexpr std::size_t max_u16 = 0xffff;
constexpr std::size_t max_character_string = 255;

bool is_digit(char c) { return c >= '0' && c <= '9'; }
char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  return std::ranges::equal(a, b, [](char x, char y) { return ascii_lower(x) == ascii_lower(y); });
}

// "\DDD": the byte as three decimal digits, as RFC 1035 5.1 writes bytes that cannot stand as
// themselves.
void append_decimal_escape(std::string& out, std::uint8_t byte) {
  out += '\\';
  out += static_cast<char>('0' + byte / 100);
  out += static_cast<char>('0' + byte / 10 % 10);
  out += static_cast<char>('0' + byte % 10);
}

bool printable(std::uint8_t byte) { return byte > 0x20 && byte < 0x7f; }

// ---- decoding ----

// Reads the name at `pos`. On success `pos` is just past the name's bytes in place: its labels up
// to the zero byte or to the first pointer. Those bytes must lie before `limit` (the message end,
// or the end of the rdata the name is in); running over it is `overrun`. Each pointer must lead
// backwards, outside every stretch of this name read so far, so that no name is read twice and
// every hop ends lower in the message.
result<domain_name> read_name(const_byte_span msg, std::size_t& pos, std::size_t limit,
                              error overrun) {
  struct stretch {
    std::size_t begin;
    std::size_t end;
  };
  std::array<stretch, max_pointers> read_so_far{};
  std::size_t pointers = 0;
  domain_name name;
  std::size_t at = pos;
  std::size_t begin = pos;  // of the stretch being read
  // After a pointer the name may lie anywhere before it; running off the message there is the
  // pointer's fault, not the record's.
  error past_limit = overrun;
  while (true) {
    if (at >= limit) return past_limit;
    const std::uint8_t length = msg[at];
    const auto kind = static_cast<std::uint8_t>(length & label_kind_mask);
    if (kind == label_kind_length) {
      if (length == 0) {
        if (pointers == 0) pos = at + 1;
        return name;
      }
      if (limit - at - 1 < length) return past_limit;
      const char* first = reinterpret_cast<const char*>(msg.data() + at + 1);
      // Lengths of 1..63 come from the byte itself: only the total can be too much.
      if (const auto e = name.append({first, length})) return *e;
      at += 1 + length;
      continue;
    }
    if (kind != label_kind_pointer) return error::bad_label_type;
    if (limit - at < 2) return past_limit;
    const std::size_t target = load_be16(&msg[at]) & pointer_offset_mask;
    if (pointers == 0) pos = at + 2;
    if (target >= msg.size()) return error::pointer_out_of_range;
    const auto inside = [target](const stretch& s) { return target >= s.begin && target < s.end; };
    const stretch current{begin, at + 2};
    if (inside(current) ||
        std::any_of(read_so_far.begin(), read_so_far.begin() + pointers, inside)) {
      return error::pointer_loop;
    }
    if (target > at) return error::forward_pointer;
    if (pointers == max_pointers) return error::too_many_pointers;
    read_so_far[pointers++] = current;
    at = begin = target;
    limit = msg.size();
    past_limit = error::pointer_out_of_range;
  }
}

// A name inside rdata: what it has in place lies before `end`, or RDLENGTH is wrong for the type.
result<domain_name> read_rdata_name(const_byte_span msg, std::size_t& at, std::size_t end) {
  return read_name(msg, at, end, error::bad_rdata_length);
}

template <std::size_t n>
std::optional<std::array<std::uint8_t, n>> read_address(const_byte_span data) {
  if (data.size() != n) return std::nullopt;
  std::array<std::uint8_t, n> address{};
  std::ranges::copy(data, address.begin());
  return address;
}

// RFC 1035 3.3: rdata of [begin, end). Names inside may point anywhere earlier in the message.
result<rdata> read_rdata(const_byte_span msg, std::size_t begin, std::size_t end, rr_type type,
                         rr_class rclass) {
  const const_byte_span data = msg.subspan(begin, end - begin);
  std::size_t at = begin;
  const auto filled = [&at, end](rdata value) -> result<rdata> {
    if (at != end) return error::bad_rdata_length;
    return value;
  };
  switch (type) {
    case rr_type::a:
      if (rclass != rr_class::in) break;
      if (const auto address = read_address<4>(data)) return rdata{a_data{*address}};
      return error::bad_rdata_length;
    case rr_type::aaaa:
      if (rclass != rr_class::in) break;
      if (const auto address = read_address<16>(data)) return rdata{aaaa_data{*address}};
      return error::bad_rdata_length;
    case rr_type::ns: {
      auto name = read_rdata_name(msg, at, end);
      if (!name) return name.error();
      return filled(ns_data{std::move(name).value()});
    }
    case rr_type::cname: {
      auto name = read_rdata_name(msg, at, end);
      if (!name) return name.error();
      return filled(cname_data{std::move(name).value()});
    }
    case rr_type::mx: {
      if (data.size() < 2) return error::bad_rdata_length;
      mx_data mx;
      mx.preference = load_be16(&msg[at]);
      at += 2;
      auto exchange = read_rdata_name(msg, at, end);
      if (!exchange) return exchange.error();
      mx.exchange = std::move(exchange).value();
      return filled(std::move(mx));
    }
    case rr_type::soa: {
      soa_data soa;
      auto mname = read_rdata_name(msg, at, end);
      if (!mname) return mname.error();
      auto rname = read_rdata_name(msg, at, end);
      if (!rname) return rname.error();
      if (end - at != soa_numbers_len) return error::bad_rdata_length;
      soa.mname = std::move(mname).value();
      soa.rname = std::move(rname).value();
      for (std::uint32_t* number :
           {&soa.serial, &soa.refresh, &soa.retry, &soa.expire, &soa.minimum}) {
        *number = load_be32(&msg[at]);
        at += 4;
      }
      return rdata{std::move(soa)};
    }
    case rr_type::txt: {
      // One or more <character-string>s (RFC 1035 3.3.14); none at all is taken as it comes.
      txt_data txt;
      while (at < end) {
        const std::size_t length = msg[at++];
        if (end - at < length) return error::bad_rdata_length;
        txt.strings.emplace_back(reinterpret_cast<const char*>(msg.data() + at), length);
        at += length;
      }
      return rdata{std::move(txt)};
    }
  }
  return rdata{raw_data{{data.begin(), data.end()}}};
}

result<question> read_question(const_byte_span msg, std::size_t& pos) {
  auto qname = read_name(msg, pos, msg.size(), error::truncated_question);
  if (!qname) return qname.error();
  if (msg.size() - pos < 4) return error::truncated_question;
  question q;
  q.qname = std::move(qname).value();
  q.qtype = rr_type{load_be16(&msg[pos])};
  q.qclass = rr_class{load_be16(&msg[pos + 2])};
  pos += 4;
  return q;
}

result<resource_record> read_record(const_byte_span msg, std::size_t& pos) {
  auto name = read_name(msg, pos, msg.size(), error::truncated_record);
  if (!name) return name.error();
  if (msg.size() - pos < record_fixed_len) return error::truncated_record;
  resource_record rr;
  rr.name = std::move(name).value();
  rr.type = rr_type{load_be16(&msg[pos])};
  rr.rclass = rr_class{load_be16(&msg[pos + 2])};
  rr.ttl = load_be32(&msg[pos + 4]);
  const std::size_t rdlength = load_be16(&msg[pos + 8]);
  pos += record_fixed_len;
  if (msg.size() - pos < rdlength) return error::truncated_record;
  auto data = read_rdata(msg, pos, pos + rdlength, rr.type, rr.rclass);
  if (!data) return data.error();
  rr.data = std::move(data).value();
  pos += rdlength;
  return rr;
}

// ---- encoding ----

void put16(std::vector<std::uint8_t>& out, std::uint16_t v) {
  out.resize(out.size() + 2);
  store_be16(&out[out.size() - 2], v);
}

void put32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  out.resize(out.size() + 4);
  store_be32(&out[out.size() - 4], v);
}

void put_name(std::vector<std::uint8_t>& out, const domain_name& name) {
  for (const std::string& label : name.labels()) {
    out.push_back(static_cast<std::uint8_t>(label.size()));
    out.insert(out.end(), label.begin(), label.end());
  }
  out.push_back(0);
}

// The type a decoded alternative belongs to; raw data belongs to any.
std::optional<rr_type> type_of(const rdata& data) {
  struct visitor {
    std::optional<rr_type> operator()(const raw_data&) const { return std::nullopt; }
    std::optional<rr_type> operator()(const a_data&) const { return rr_type::a; }
    std::optional<rr_type> operator()(const aaaa_data&) const { return rr_type::aaaa; }
    std::optional<rr_type> operator()(const ns_data&) const { return rr_type::ns; }
    std::optional<rr_type> operator()(const cname_data&) const { return rr_type::cname; }
    std::optional<rr_type> operator()(const soa_data&) const { return rr_type::soa; }
    std::optional<rr_type> operator()(const mx_data&) const { return rr_type::mx; }
    std::optional<rr_type> operator()(const txt_data&) const { return rr_type::txt; }
  };
  return std::visit(visitor{}, data);
}

struct rdata_writer {
  std::vector<std::uint8_t>& out;

  std::optional<error> operator()(const raw_data& d) const {
    out.insert(out.end(), d.bytes.begin(), d.bytes.end());
    return std::nullopt;
  }
  std::optional<error> operator()(const a_data& d) const {
    out.insert(out.end(), d.address.begin(), d.address.end());
    return std::nullopt;
  }
  std::optional<error> operator()(const aaaa_data& d) const {
    out.insert(out.end(), d.address.begin(), d.address.end());
    return std::nullopt;
  }
  std::optional<error> operator()(const ns_data& d) const {
    put_name(out, d.nsdname);
    return std::nullopt;
  }
  std::optional<error> operator()(const cname_data& d) const {
    put_name(out, d.cname);
    return std::nullopt;
  }
  std::optional<error> operator()(const soa_data& d) const {
    put_name(out, d.mname);
    put_name(out, d.rname);
    for (const std::uint32_t number : {d.serial, d.refresh, d.retry, d.expire, d.minimum})
      put32(out, number);
    return std::nullopt;
  }
  std::optional<error> operator()(const mx_data& d) const {
    put16(out, d.preference);
    put_name(out, d.exchange);
    return std::nullopt;
  }
  std::optional<error> operator()(const txt_data& d) const {
    for (const std::string& s : d.strings) {
      if (s.size() > max_character_string) return error::string_too_long;
      out.push_back(static_cast<std::uint8_t>(s.size()));
      out.insert(out.end(), s.begin(), s.end());
    }
    return std::nullopt;
  }
};

std::optional<error> put_record(std::vector<std::uint8_t>& out, const resource_record& rr) {
  if (const auto typed = type_of(rr.data); typed && *typed != rr.type)
    return error::rdata_type_mismatch;
  put_name(out, rr.name);
  put16(out, static_cast<std::uint16_t>(rr.type));
  put16(out, static_cast<std::uint16_t>(rr.rclass));
  put32(out, rr.ttl);
  const std::size_t rdlength_at = out.size();
  put16(out, 0);
  if (const auto e = std::visit(rdata_writer{out}, rr.data)) return e;
  const std::size_t rdlength = out.size() - rdlength_at - 2;
  if (rdlength > max_u16) return error::rdata_too_long;
  store_be16(&out[rdlength_at], static_cast<std::uint16_t>(rdlength));
  return std::nullopt;
}

// ---- printing ----

std::string ipv4_text(const std::array<std::uint8_t, 4>& a) {
  return std::to_string(a[0]) + '.' + std::to_string(a[1]) + '.' + std::to_string(a[2]) + '.' +
         std::to_string(a[3]);
}

// RFC 5952 section 4: lowercase hex without leading zeros; the longest run of two or more zero
// groups, the first of equal runs, becomes "::". Section 5: an IPv4-mapped address ends in
// dotted decimal.
std::string ipv6_text(const std::array<std::uint8_t, 16>& a) {
  std::array<std::uint16_t, 8> groups{};
  for (std::size_t i = 0; i < groups.size(); ++i) groups[i] = load_be16(&a[2 * i]);
  const bool v4_mapped =
      std::all_of(groups.begin(), groups.begin() + 5, [](std::uint16_t g) { return g == 0; }) &&
      groups[5] == 0xffff;
  const std::size_t hex_groups = v4_mapped ? 6 : 8;

  std::size_t best_at = 0;
  std::size_t best_len = 0;
  for (std::size_t i = 0; i < hex_groups;) {
    std::size_t j = i;
    while (j < hex_groups && groups[j] == 0) ++j;
    if (j - i > best_len) {
      best_at = i;
      best_len = j - i;
    }
    i = j == i ? i + 1 : j;
  }
  if (best_len < 2) best_len = 0;

  std::string text;
  for (std::size_t i = 0; i < hex_groups; ++i) {
    if (best_len != 0 && i == best_at) {
      text += "::";
      i += best_len - 1;
      continue;
    }
    if (!text.empty() && text.back() != ':') text += ':';
    std::array<char, 4> digits{};
    const auto end = std::to_chars(digits.begin(), digits.end(), groups[i], 16).ptr;
    text.append(digits.begin(), end);
  }
  if (v4_mapped) {
    if (text.back() != ':') text += ':';
    text += ipv4_text({a[12], a[13], a[14], a[15]});
  }
  return text;
}

// A <character-string> as dig prints it: quoted, with '"' and '\' escaped and bytes that are
// not printable as \DDD.
std::string quoted(std::string_view s) {
  std::string text = "\"";
  for (const char c : s) {
    const auto byte = static_cast<std::uint8_t>(c);
    if (c == '"' || c == '\\') {
      text += '\\';
      text += c;
    } else if (byte == ' ' || printable(byte)) {
      text += c;
    } else {
      append_decimal_escape(text, byte);
    }
  }
  return text + '"';
}

// RFC 3597 section 5: "\# <length> <hex>".
std::string generic_text(const std::vector<std::uint8_t>& bytes) {
  constexpr std::string_view hex = "0123456789ABCDEF";
  std::string text = "\\# " + std::to_string(bytes.size());
  if (!bytes.empty()) text += ' ';
  for (const std::uint8_t b : bytes) {
    text += hex[b >> 4];
    text += hex[b & 0x0f];
  }
  return text;
}

struct rdata_printer {
  std::string operator()(const raw_data& d) const { return generic_text(d.bytes); }
  std::string operator()(const a_data& d) const { return ipv4_text(d.address); }
  std::string operator()(const aaaa_data& d) const { return ipv6_text(d.address); }
  std::string operator()(const ns_data& d) const { return d.nsdname.to_string(); }
  std::string operator()(const cname_data& d) const { return d.cname.to_string(); }
  std::string operator()(const soa_data& d) const {
    return d.mname.to_string() + ' ' + d.rname.to_string() + ' ' + std::to_string(d.serial) + ' ' +
           std::to_string(d.refresh) + ' ' + std::to_string(d.retry) + ' ' +
           std::to_string(d.expire) + ' ' + std::to_string(d.minimum);
  }
  std::string operator()(const mx_data& d) const {
    return std::to_string(d.preference) + ' ' + d.exchange.to_string();
  }
  std::string operator()(const txt_data& d) const {
    std::string text;
    for (const std::string& s : d.strings) {
      if (!text.empty()) text += ' ';
      text += quoted(s);
    }
    return text;
  }
};

template <class Enum, std::size_t n>
std::string name_or(Enum value, const std::array<std::string_view, n>& names,
                    std::string_view generic_prefix) {
  const auto index = static_cast<std::size_t>(value);
  if (index < names.size() && !names[index].empty()) return std::string{names[index]};
  return std::string{generic_prefix} + std::to_string(index);
}

constexpr std::array<std::string_view, 29> type_names = [] {
  std::array<std::string_view, 29> names{};
  names[1] = "A";
  names[2] = "NS";
  names[5] = "CNAME";
  names[6] = "SOA";
  names[15] = "MX";
  names[16] = "TXT";
  names[28] = "AAAA";
  return names;
}();

}  // namespace

std::string_view to_string(error e) {
  switch (e) {
    case error::truncated_header:
      return "message shorter than the 12-byte header";
    case error::truncated_question:
      return "question runs past the end of the message";
    case error::truncated_record:
      return "record runs past the end of the message";
    case error::count_exceeds_data:
      return "header counts more entries than the message holds";
    case error::bad_label_type:
      return "label of a reserved type (0x40 or 0x80)";
    case error::pointer_out_of_range:
      return "compression pointer leads past the end";
    case error::forward_pointer:
      return "compression pointer points forward";
    case error::pointer_loop:
      return "compression pointers form a loop";
    case error::too_many_pointers:
      return "too many compression pointers in one name";
    case error::name_too_long:
      return "name longer than 255 bytes";
    case error::bad_rdata_length:
      return "record data does not fit its type";
    case error::empty_label:
      return "empty label in a name";
    case error::label_too_long:
      return "label longer than 63 bytes";
    case error::bad_escape:
      return "bad escape in a name";
    case error::string_too_long:
      return "TXT string longer than 255 bytes";
    case error::rdata_too_long:
      return "record data longer than 65535 bytes";
    case error::too_many_entries:
      return "more than 65535 entries in a section";
    case error::rdata_type_mismatch:
      return "record data of another type than the record";
  }
  return "unknown DNS error";
}

std::string to_string(rr_type t) { return name_or(t, type_names, "TYPE"); }

std::string to_string(rr_class c) {
  static constexpr std::array<std::string_view, 5> names{"", "IN", "", "CH", "HS"};
  return name_or(c, names, "CLASS");
}

std::string to_string(opcode o) {
  static constexpr std::array<std::string_view, 6> names{"QUERY", "IQUERY", "STATUS",
                                                         "",      "NOTIFY", "UPDATE"};
  return name_or(o, names, "RESERVED");
}

std::string to_string(rcode r) {
  static constexpr std::array<std::string_view, 11> names{
      "NOERROR",  "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
      "YXDOMAIN", "YXRRSET", "NXRRSET",  "NOTAUTH",  "NOTZONE"};
  return name_or(r, names, "RESERVED");
}

std::optional<rr_type> parse_rr_type(std::string_view text) {
  for (std::size_t value = 0; value < type_names.size(); ++value) {
    if (!type_names[value].empty() && equal_ignoring_case(text, type_names[value]))
      return rr_type{static_cast<std::uint16_t>(value)};
  }
  constexpr std::string_view generic = "TYPE";
  if (text.size() <= generic.size() ||
      !equal_ignoring_case(text.substr(0, generic.size()), generic))
    return std::nullopt;
  const std::string_view digits = text.substr(generic.size());
  std::uint16_t value = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc{} || end != digits.data() + digits.size()) return std::nullopt;
  return rr_type{value};
}

// ---- domain_name ----

std::optional<error> domain_name::append(std::string_view label) {
  if (label.empty()) return error::empty_label;
  if (label.size() > max_label_len) return error::label_too_long;
  if (wire_len_ + 1 + label.size() > max_wire_len) return error::name_too_long;
  labels_.emplace_back(label);
  wire_len_ += 1 + label.size();
  return std::nullopt;
}

std::size_t domain_name::wire_len() const { return wire_len_; }

result<domain_name> domain_name::parse(std::string_view text) {
  domain_name name;
  if (text == ".") return name;
  std::string label;
  bool after_dot = false;  // an unescaped dot was the last thing read: no label is open
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    after_dot = c == '.';
    if (after_dot) {
      if (const auto e = name.append(label)) return *e;
      label.clear();
      continue;
    }
    if (c != '\\') {
      label += c;
      continue;
    }
    if (++i == text.size()) return error::bad_escape;
    if (!is_digit(text[i])) {
      label += text[i];
      continue;
    }
    if (text.size() - i < 3 || !is_digit(text[i + 1]) || !is_digit(text[i + 2]))
      return error::bad_escape;
    const int value = (text[i] - '0') * 100 + (text[i + 1] - '0') * 10 + (text[i + 2] - '0');
    if (value > 255) return error::bad_escape;
    label += static_cast<char>(value);
    i += 2;
  }
  // The final dot is optional; without it the last label closes here ("" has an empty one).
  if (!after_dot) {
    if (const auto e = name.append(label)) return *e;
  }
  return name;
}

std::string domain_name::to_string() const {
  if (labels_.empty()) return ".";
  std::string text;
  for (const std::string& label : labels_) {
    for (const char c : label) {
      const auto byte = static_cast<std::uint8_t>(c);
      switch (c) {
        case '.':
        case ';':
        case '\\':
        case '"':
        case '(':
        case ')':
        case '@':
        case '$':
          text += '\\';
          text += c;
          break;
        default:
          if (printable(byte)) {
            text += c;
          } else {
            append_decimal_escape(text, byte);
          }
      }
    }
    text += '.';
  }
  return text;
}

bool same_name(const domain_name& a, const domain_name& b) {
  return std::ranges::equal(a.labels(), b.labels(), equal_ignoring_case);
}

// ---- messages ----

result<message> decode(std::span<const std::uint8_t> bytes) {
  const const_byte_span msg = bytes;
  if (msg.size() < header_len) return error::truncated_header;
  message m;
  m.hdr.id = load_be16(&msg[field::id]);
  const std::uint16_t flags = load_be16(&msg[field::flags]);
  m.hdr.qr = (flags & flag::qr) != 0;
  m.hdr.opcode = opcode{static_cast<std::uint8_t>(flags >> flag::opcode_shift & flag::nibble)};
  m.hdr.aa = (flags & flag::aa) != 0;
  m.hdr.tc = (flags & flag::tc) != 0;
  m.hdr.rd = (flags & flag::rd) != 0;
  m.hdr.ra = (flags & flag::ra) != 0;
  m.hdr.z = (flags & flag::z) != 0;
  m.hdr.ad = (flags & flag::ad) != 0;
  m.hdr.cd = (flags & flag::cd) != 0;
  m.hdr.rcode = rcode{static_cast<std::uint8_t>(flags & flag::nibble)};

  std::size_t pos = header_len;
  for (std::uint16_t n = load_be16(&msg[field::qdcount]); n > 0; --n) {
    if (pos == msg.size()) return error::count_exceeds_data;
    auto q = read_question(msg, pos);
    if (!q) return q.error();
    m.questions.push_back(std::move(q).value());
  }
  const std::pair<std::size_t, std::vector<resource_record>*> sections[] = {
      {field::ancount, &m.answers},
      {field::nscount, &m.authorities},
      {field::arcount, &m.additionals},
  };
  for (const auto& [count_at, records] : sections) {
    for (std::uint16_t n = load_be16(&msg[count_at]); n > 0; --n) {
      if (pos == msg.size()) return error::count_exceeds_data;
      auto rr = read_record(msg, pos);
      if (!rr) return rr.error();
      records->push_back(std::move(rr).value());
    }
  }
  return m;
}

result<std::vector<std::uint8_t>> encode(const message& m) {
  for (const std::size_t count :
       {m.questions.size(), m.answers.size(), m.authorities.size(), m.additionals.size()}) {
    if (count > max_u16) return error::too_many_entries;
  }
  std::vector<std::uint8_t> out;
  put16(out, m.hdr.id);
  const header& h = m.hdr;
  const auto bit = [](bool set, std::uint16_t mask) { return set ? mask : std::uint16_t{0}; };
  put16(out, static_cast<std::uint16_t>(
                 bit(h.qr, flag::qr) |
                 (static_cast<std::uint16_t>(h.opcode) & flag::nibble) << flag::opcode_shift |
                 bit(h.aa, flag::aa) | bit(h.tc, flag::tc) | bit(h.rd, flag::rd) |
                 bit(h.ra, flag::ra) | bit(h.z, flag::z) | bit(h.ad, flag::ad) |
                 bit(h.cd, flag::cd) | (static_cast<std::uint16_t>(h.rcode) & flag::nibble)));
  for (const std::size_t count :
       {m.questions.size(), m.answers.size(), m.authorities.size(), m.additionals.size()}) {
    put16(out, static_cast<std::uint16_t>(count));
  }
  for (const question& q : m.questions) {
    put_name(out, q.qname);
    put16(out, static_cast<std::uint16_t>(q.qtype));
    put16(out, static_cast<std::uint16_t>(q.qclass));
  }
  for (const auto* section : {&m.answers, &m.authorities, &m.additionals}) {
    for (const resource_record& rr : *section) {
      if (const auto e = put_record(out, rr)) return *e;
    }
  }
  return out;
}

message make_query(domain_name name, rr_type type, std::uint16_t id, bool recursion_desired) {
  message m;
  m.hdr.id = id;
  m.hdr.rd = recursion_desired;
  m.questions.push_back({std::move(name), type, rr_class::in});
  return m;
}

result<std::vector<std::uint8_t>> encode_query(std::string_view name, rr_type type,
                                               std::uint16_t id, bool recursion_desired) {
  auto qname = domain_name::parse(name);
  if (!qname) return qname.error();
  return encode(make_query(std::move(qname).value(), type, id, recursion_desired));
}

std::string_view to_string(response_match m) {
  switch (m) {
    case response_match::matches:
      return "matches";
    case response_match::other_id:
      return "another ID";
    case response_match::not_a_response:
      return "not a response (QR clear)";
    case response_match::other_opcode:
      return "another opcode";
    case response_match::other_question_count:
      return "another number of questions";
    case response_match::other_question:
      return "another question";
  }
  return "unknown match";
}

response_match match_response(const message& query, const message& response) {
  if (response.hdr.id != query.hdr.id) return response_match::other_id;
  if (!response.hdr.qr) return response_match::not_a_response;
  if (response.hdr.opcode != query.hdr.opcode) return response_match::other_opcode;
  if (response.questions.size() != query.questions.size())
    return response_match::other_question_count;
  const bool same = std::ranges::equal(
      query.questions, response.questions, [](const question& a, const question& b) {
        return a.qtype == b.qtype && a.qclass == b.qclass && same_name(a.qname, b.qname);
      });
  return same ? response_match::matches : response_match::other_question;
}

std::string rdata_text(const resource_record& rr) { return std::visit(rdata_printer{}, rr.data); }

std::vector<std::string> short_lines(const message& m) {
  std::vector<std::string> lines;
  for (const resource_record& rr : m.answers) lines.push_back(rdata_text(rr));
  return lines;
}

std::string to_string(const resource_record& rr) {
  return rr.name.to_string() + '\t' + std::to_string(rr.ttl) + '\t' + to_string(rr.rclass) + '\t' +
         to_string(rr.type) + '\t' + rdata_text(rr);
}

std::string to_string(const question& q) {
  return q.qname.to_string() + '\t' + to_string(q.qclass) + '\t' + to_string(q.qtype);
}

std::string to_string(const message& m) {
  const header& h = m.hdr;
  std::string text = ";; ->>HEADER<<- opcode: " + to_string(h.opcode) +
                     ", status: " + to_string(h.rcode) + ", id: " + std::to_string(h.id) + '\n';
  text += ";; flags:";
  const std::pair<bool, const char*> flags[] = {{h.qr, " qr"}, {h.aa, " aa"}, {h.tc, " tc"},
                                                {h.rd, " rd"}, {h.ra, " ra"}, {h.z, " z"},
                                                {h.ad, " ad"}, {h.cd, " cd"}};
  for (const auto& [set, name] : flags) {
    if (set) text += name;
  }
  text += "; QUERY: " + std::to_string(m.questions.size()) +
          ", ANSWER: " + std::to_string(m.answers.size()) +
          ", AUTHORITY: " + std::to_string(m.authorities.size()) +
          ", ADDITIONAL: " + std::to_string(m.additionals.size()) + '\n';
  if (!m.questions.empty()) {
    text += "\n;; QUESTION SECTION:\n";
    for (const question& q : m.questions) text += ';' + to_string(q) + '\n';
  }
  const std::pair<const char*, const std::vector<resource_record>*> sections[] = {
      {"ANSWER", &m.answers}, {"AUTHORITY", &m.authorities}, {"ADDITIONAL", &m.additionals}};
  for (const auto& [title, records] : sections) {
    if (records->empty()) continue;
    text += std::string{"\n;; "} + title + " SECTION:\n";
    for (const resource_record& rr : *records) text += to_string(rr) + '\n';
  }
  return text;
}

}  // namespace tapstack::dns
