#include "stack/wire/tcp.hpp"

#include <algorithm>
#include <cassert>

#include "stack/wire/checksum.hpp"
#include "stack/wire/ipv4.hpp"

namespace tapstack {
namespace {

// The control bits' letters as tcpdump prints them, lowest bit first, which is also the order of
// tcp_flags' members.
struct flag_letter {
  bool tcp_flags::*member;
  char letter;
};
constexpr flag_letter flag_letters[] = {
    {&tcp_flags::fin, 'F'}, {&tcp_flags::syn, 'S'}, {&tcp_flags::rst, 'R'}, {&tcp_flags::psh, 'P'},
    {&tcp_flags::ack, '.'}, {&tcp_flags::urg, 'U'}, {&tcp_flags::ece, 'E'}, {&tcp_flags::cwr, 'W'},
};

// Option lengths, kind and length bytes included.
constexpr std::size_t mss_len = 4;
constexpr std::size_t window_scale_len = 3;
constexpr std::size_t sack_permitted_len = 2;
constexpr std::size_t timestamps_len = 10;
constexpr std::size_t sack_block_len = 8;
// In emit's layout: timestamps behind two NOPs or SACK-permitted; NOP NOP SACK-permitted, NOP
// window scale, or NOP NOP SACK's kind and length, each a word.
constexpr std::size_t timestamps_group_len = 12;
constexpr std::size_t word_len = 4;
// emit's longest layout. Longer than a header holds: a received segment's options, packed
// without NOPs, may take more room in emit's layout than they took on the wire.
constexpr std::size_t max_encoded_len =
    mss_len + timestamps_group_len + word_len + word_len + tcp::max_sack_blocks * sack_block_len;

// A SACK option's body (after kind and length) holds one or more blocks of two sequence numbers.
std::size_t sack_blocks_in(std::size_t body_len) {
  return body_len % sack_block_len == 0 ? body_len / sack_block_len : 0;
}

// Walks an option list, calling visit(kind, body) for each option; EOL and NOP come with an empty
// body, and the walk ends after EOL. False when a length is below 2 or runs past the list, or when
// visit returns false.
template <class Visit>
bool walk_options(const_byte_span bytes, Visit visit) {
  for (std::size_t at = 0; at < bytes.size();) {
    const std::uint8_t kind = bytes[at];
    if (kind == tcp::option::eol || kind == tcp::option::nop) {
      if (!visit(kind, const_byte_span{})) return false;
      if (kind == tcp::option::eol) return true;
      ++at;
      continue;
    }
    if (bytes.size() - at < 2) return false;
    const std::size_t len = bytes[at + 1];
    if (len < 2 || len > bytes.size() - at) return false;
    if (!visit(kind, bytes.subspan(at + 2, len - 2))) return false;
    at += len;
  }
  return true;
}

// Takes one option into o; false when its length is wrong for its kind. Kinds this stack does not
// implement are skipped (RFC 9293 3.2).
bool read_option(tcp_options& o, std::uint8_t kind, const_byte_span body) {
  const std::size_t len = body.size() + 2;
  switch (kind) {
    case tcp::option::mss:
      if (len != mss_len) return false;
      o.mss = load_be16(body.data());
      return true;
    case tcp::option::window_scale:
      if (len != window_scale_len) return false;
      o.window_scale = std::min(body[0], tcp::max_window_scale);
      return true;
    case tcp::option::sack_permitted:
      if (len != sack_permitted_len) return false;
      o.sack_permitted = true;
      return true;
    case tcp::option::timestamps:
      if (len != timestamps_len) return false;
      o.timestamps = tcp_timestamps{load_be32(&body[0]), load_be32(&body[4])};
      return true;
    case tcp::option::sack: {
      // Within a header's 40 bytes there is never room for more than four blocks; a longer list
      // given to parse directly is refused rather than cut.
      const std::size_t blocks = sack_blocks_in(body.size());
      if (blocks == 0 || blocks > tcp::max_sack_blocks) return false;
      for (std::size_t i = 0; i < blocks; ++i)
        o.sack_blocks[i] = {seq32{load_be32(&body[i * 8])}, seq32{load_be32(&body[i * 8 + 4])}};
      o.sack_count = blocks;
      return true;
    }
    default:
      return true;
  }
}

std::string hex_bytes(const_byte_span bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string s;
  for (const std::uint8_t b : bytes) {
    s += digits[b >> 4];
    s += digits[b & 0x0f];
  }
  return s;
}

// One option that read_option accepted, as tcpdump names it: the values as the sender wrote them
// (a window scale above 14 too). Kinds this stack does not implement print the way tcpdump prints
// kinds it does not know.
std::string option_text(std::uint8_t kind, const_byte_span body) {
  switch (kind) {
    case tcp::option::eol:
      return "eol";
    case tcp::option::nop:
      return "nop";
    case tcp::option::mss:
      return "mss " + std::to_string(load_be16(body.data()));
    case tcp::option::window_scale:
      return "wscale " + std::to_string(body[0]);
    case tcp::option::sack_permitted:
      return "sackOK";
    case tcp::option::timestamps:
      return "TS val " + std::to_string(load_be32(&body[0])) + " ecr " +
             std::to_string(load_be32(&body[4]));
    case tcp::option::sack: {
      const std::size_t blocks = sack_blocks_in(body.size());
      std::string s = "sack " + std::to_string(blocks) + " ";
      for (std::size_t i = 0; i < blocks; ++i)
        s += "{" + std::to_string(load_be32(&body[i * 8])) + ":" +
             std::to_string(load_be32(&body[i * 8 + 4])) + "}";
      return s;
    }
    default:
      return "unknown-" + std::to_string(kind) + (body.empty() ? "" : " 0x" + hex_bytes(body));
  }
}

// tcpdump's comma-separated list of the options as they lie in bytes; what parse would refuse
// shows as "[bad opt]" and ends the list.
std::string describe_options(const_byte_span bytes) {
  std::string s;
  tcp_options scratch;
  const auto append = [&s](const std::string& text) { s += (s.empty() ? "" : ",") + text; };
  const bool ok = walk_options(bytes, [&](std::uint8_t kind, const_byte_span body) {
    if (!read_option(scratch, kind, body)) return false;
    append(option_text(kind, body));
    return true;
  });
  if (!ok) append("[bad opt]");
  return s;
}

// The options as emit writes them, for printing a repr that came from no bytes.
struct encoded_options {
  std::array<std::uint8_t, max_encoded_len> bytes;
  std::size_t len;
  const_byte_span span() const { return const_byte_span{bytes}.first(len); }
};

encoded_options encode(const tcp_options& o) {
  encoded_options e{{}, o.encoded_len()};
  o.emit(e.bytes);
  return e;
}

}  // namespace

parse_result<tcp_options> tcp_options::parse(const_byte_span bytes) {
  tcp_options o;
  const bool ok = walk_options(
      bytes, [&o](std::uint8_t kind, const_byte_span body) { return read_option(o, kind, body); });
  if (!ok) return drop_reason::tcp_bad_option;
  return o;
}

std::size_t tcp_options::encoded_len() const {
  std::size_t n = 0;
  if (mss) n += mss_len;
  // SACK-permitted takes the place of the two NOPs in front of timestamps; alone, it is padded to
  // a word of its own.
  if (timestamps)
    n += timestamps_group_len;
  else if (sack_permitted)
    n += word_len;
  if (window_scale) n += word_len;
  if (sack_count != 0) n += word_len + sack_count * sack_block_len;
  return n;
}

void tcp_options::emit(byte_span out) const {
  assert(sack_count <= tcp::max_sack_blocks && encoded_len() <= out.size());
  std::size_t at = 0;
  const auto put = [&](std::uint8_t b) { out[at++] = b; };
  const auto put32 = [&](std::uint32_t v) {
    store_be32(&out[at], v);
    at += 4;
  };
  if (mss) {
    put(tcp::option::mss);
    put(mss_len);
    store_be16(&out[at], *mss);
    at += 2;
  }
  if (timestamps) {
    if (sack_permitted) {
      put(tcp::option::sack_permitted);
      put(sack_permitted_len);
    } else {
      put(tcp::option::nop);
      put(tcp::option::nop);
    }
    put(tcp::option::timestamps);
    put(timestamps_len);
    put32(timestamps->val);
    put32(timestamps->ecr);
  } else if (sack_permitted) {
    put(tcp::option::nop);
    put(tcp::option::nop);
    put(tcp::option::sack_permitted);
    put(sack_permitted_len);
  }
  if (window_scale) {
    put(tcp::option::nop);
    put(tcp::option::window_scale);
    put(window_scale_len);
    put(*window_scale);
  }
  if (sack_count != 0) {
    put(tcp::option::nop);
    put(tcp::option::nop);
    put(tcp::option::sack);
    put(static_cast<std::uint8_t>(2 + sack_count * sack_block_len));
    for (const auto& b : sack()) {
      put32(b.left.value());
      put32(b.right.value());
    }
  }
  assert(at == encoded_len());
}

bool operator==(const tcp_options& a, const tcp_options& b) {
  return a.mss == b.mss && a.window_scale == b.window_scale &&
         a.sack_permitted == b.sack_permitted && a.timestamps == b.timestamps &&
         std::ranges::equal(a.sack(), b.sack());
}

parse_result<tcp_view> tcp_view::check(const_byte_span segment) {
  if (segment.size() < tcp::min_header_len) return drop_reason::tcp_truncated;
  const std::size_t header_len = (segment[tcp::field::data_offset] >> 4) * 4u;
  if (header_len < tcp::min_header_len || header_len > segment.size())
    return drop_reason::tcp_bad_header_len;
  return tcp_view{segment};
}

parse_result<quoted_tcp_view> quoted_tcp_view::check(const_byte_span quote) {
  if (quote.size() < tcp::min_quoted_len) return drop_reason::tcp_truncated;
  return quoted_tcp_view{quote};
}

parse_result<tcp_repr> tcp_repr::parse(const tcp_view& v, ipv4_address src, ipv4_address dst,
                                       bool checksum_verified) {
  // The checksum first: a damaged segment is counted as damaged, not as a bad option.
  if (!checksum_verified && transport_checksum(ip_protocol::tcp, src, dst, v.segment()) != 0)
    return drop_reason::tcp_bad_checksum;
  const auto options = tcp_options::parse(v.options());
  if (!options) return options.error();
  tcp_repr r;
  r.src_port = v.src_port();
  r.dst_port = v.dst_port();
  r.seq = v.seq();
  r.ack = v.ack();
  r.flags = v.flags();
  r.window = v.window();
  r.urgent = v.urgent();
  r.options = *options;
  r.payload = v.payload();
  return r;
}

std::uint32_t tcp_repr::segment_len() const {
  return static_cast<std::uint32_t>(payload.size()) + (flags.syn ? 1 : 0) + (flags.fin ? 1 : 0);
}

void tcp_repr::emit(byte_span out, ipv4_address src, ipv4_address dst,
                    bool partial_checksum) const {
  const std::size_t header = header_len();
  assert(header <= tcp::max_header_len && out.size() >= header + payload.size());
  store_be16(&out[tcp::field::src_port], src_port);
  store_be16(&out[tcp::field::dst_port], dst_port);
  store_be32(&out[tcp::field::seq], seq.value());
  store_be32(&out[tcp::field::ack], ack.value());
  out[tcp::field::data_offset] = static_cast<std::uint8_t>(header / 4 << 4);
  out[tcp::field::flags] = flags.bits();
  store_be16(&out[tcp::field::window], window);
  store_be16(&out[tcp::field::checksum], 0);
  store_be16(&out[tcp::field::urgent], urgent);
  options.emit(out.subspan(tcp::field::options, header - tcp::min_header_len));
  if (payload.data() != out.data() + header)
    std::copy(payload.begin(), payload.end(), &out[header]);
  store_be16(&out[tcp::field::checksum],
             partial_checksum
                 ? pseudo_header_sum(ip_protocol::tcp, src, dst, buffer_len())
                 : transport_checksum(ip_protocol::tcp, src, dst, out.first(buffer_len())));
}

std::string to_string(tcp_flags f) {
  std::string s;
  for (const auto& b : flag_letters)
    if (f.*b.member) s += b.letter;
  return s.empty() ? "none" : s;
}

std::string to_string(const tcp_options& o) { return describe_options(encode(o).span()); }

std::string to_string(const tcp_repr& r) { return to_string(r, encode(r.options).span()); }

std::string to_string(const tcp_repr& r, const_byte_span wire_options) {
  std::string s = "Flags [" + to_string(r.flags) + "]";
  // tcpdump leaves out the sequence number of a bare ACK, which occupies no sequence space.
  if (!r.payload.empty() || r.flags.syn || r.flags.fin || r.flags.rst) {
    s += ", seq " + to_string(r.seq);
    if (!r.payload.empty())
      s += ":" + to_string(r.seq + static_cast<std::uint32_t>(r.payload.size()));
  }
  if (r.flags.ack) s += ", ack " + to_string(r.ack);
  s += ", win " + std::to_string(r.window);
  if (r.flags.urg) s += ", urg " + std::to_string(r.urgent);
  if (!wire_options.empty()) s += ", options [" + describe_options(wire_options) + "]";
  return s + ", length " + std::to_string(r.payload.size());
}

}  // namespace tapstack
