#include "stack/wire/address.hpp"

#include <charconv>
#include <cstdio>

namespace tapstack {
namespace {

// Parses a decimal number in [0, max] that takes the whole of text.
std::optional<unsigned> parse_number(std::string_view text, unsigned max) {
  // A leading zero is refused, as inet_pton does: inet_aton would read "010" as octal 8.
  if (text.empty() || text.size() > 3 || (text.size() > 1 && text[0] == '0')) return std::nullopt;
  unsigned v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size() || v > max) return std::nullopt;
  return v;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<mac_address> mac_address::parse(std::string_view text) {
  if (text.size() != 17) return std::nullopt;
  mac_address m;
  for (std::size_t i = 0; i < 6; ++i) {
    const int hi = hex_digit(text[i * 3]);
    const int lo = hex_digit(text[i * 3 + 1]);
    if (hi < 0 || lo < 0 || (i < 5 && text[i * 3 + 2] != ':')) return std::nullopt;
    m.octets[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return m;
}

std::optional<ipv4_address> ipv4_address::parse(std::string_view text) {
  std::uint32_t value = 0;
  for (int part = 0; part < 4; ++part) {
    const auto dot = text.find('.');
    const bool last = part == 3;
    if (last != (dot == std::string_view::npos)) return std::nullopt;
    const auto n = parse_number(text.substr(0, dot), 255);
    if (!n) return std::nullopt;
    value = value << 8 | *n;
    if (!last) text.remove_prefix(dot + 1);
  }
  return ipv4_address{value};
}

ipv4_address ipv4_cidr::netmask() const {
  return {prefix_len == 0 ? 0u : ~std::uint32_t{0} << (32 - prefix_len)};
}

std::optional<ipv4_cidr> ipv4_cidr::parse(std::string_view text) {
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  const auto addr = ipv4_address::parse(text.substr(0, slash));
  const auto len = parse_number(text.substr(slash + 1), 32);
  if (!addr || !len) return std::nullopt;
  return ipv4_cidr{*addr, *len};
}

std::string to_string(const mac_address& m) {
  char out[18];
  std::snprintf(out, sizeof out, "%02x:%02x:%02x:%02x:%02x:%02x", m.octets[0], m.octets[1],
                m.octets[2], m.octets[3], m.octets[4], m.octets[5]);
  return out;
}

std::string to_string(ipv4_address a) {
  char out[16];
  std::snprintf(out, sizeof out, "%u.%u.%u.%u", a.value >> 24, (a.value >> 16) & 0xff,
                (a.value >> 8) & 0xff, a.value & 0xff);
  return out;
}

std::string to_string(const ipv4_cidr& c) {
  return to_string(c.address) + "/" + std::to_string(c.prefix_len);
}

std::ostream& operator<<(std::ostream& os, const mac_address& m) { return os << to_string(m); }
std::ostream& operator<<(std::ostream& os, ipv4_address a) { return os << to_string(a); }

std::string to_string(const ipv4_endpoint& e) {
  return to_string(e.address) + "." + std::to_string(e.port);
}

}  // namespace tapstack
