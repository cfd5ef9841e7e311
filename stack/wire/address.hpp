#pragma once
// Link and network addresses as plain values: a MAC (6 bytes) and an IPv4 address (host-order
// integer, so comparisons and masks read naturally), an IPv4 subnet, their text forms and parsing.
// The Asio face converts to Asio's own address types at its edge; the core never sees those.
#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

namespace tapstack {

struct mac_address {
  std::array<std::uint8_t, 6> octets{};

  static constexpr mac_address broadcast() { return {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}}; }
  bool is_broadcast() const { return *this == broadcast(); }
  // The group bit: broadcast and every multicast address (IPv6 neighbour discovery, mDNS...).
  bool is_multicast() const { return (octets[0] & 0x01) != 0; }
  bool is_zero() const { return *this == mac_address{}; }

  // "02:00:00:00:00:02"; nullopt for anything else.
  static std::optional<mac_address> parse(std::string_view text);
  // The six bytes at p, as they stand in a header, and back.
  static mac_address load(const std::uint8_t* p) {
    mac_address m;
    std::copy_n(p, m.octets.size(), m.octets.begin());
    return m;
  }
  void store(std::uint8_t* p) const { std::copy(octets.begin(), octets.end(), p); }
  friend bool operator==(const mac_address&, const mac_address&) = default;
};

struct ipv4_address {
  std::uint32_t value = 0;

  static constexpr ipv4_address any() { return {0}; }
  static constexpr ipv4_address broadcast() { return {0xffffffffu}; }
  bool is_unspecified() const { return value == 0; }
  bool is_broadcast() const { return value == 0xffffffffu; }
  bool is_multicast() const { return (value >> 28) == 0xe; }
  // 0/8, "this host on this network" (RFC 1122 3.2.1.3): a source only while booting.
  bool is_this_network() const { return (value >> 24) == 0; }
  bool is_loopback() const { return (value >> 24) == 127; }

  // Dotted quad, each part 0-255, exactly four parts; nullopt otherwise.
  static std::optional<ipv4_address> parse(std::string_view text);
  friend auto operator<=>(const ipv4_address&, const ipv4_address&) = default;
};

// An address with its prefix length: the host's own address and the subnet it is on-link with.
struct ipv4_cidr {
  ipv4_address address;
  unsigned prefix_len = 32;

  ipv4_address netmask() const;
  ipv4_address network() const { return {address.value & netmask().value}; }
  ipv4_address subnet_broadcast() const { return {network().value | ~netmask().value}; }
  bool contains(ipv4_address a) const { return (a.value & netmask().value) == network().value; }

  // "10.0.0.2/24" (prefix 0-32); nullopt otherwise.
  static std::optional<ipv4_cidr> parse(std::string_view text);
  friend bool operator==(const ipv4_cidr&, const ipv4_cidr&) = default;
};

// An address and a port: one end of a UDP or TCP conversation.
struct ipv4_endpoint {
  ipv4_address address;
  std::uint16_t port = 0;
  friend auto operator<=>(const ipv4_endpoint&, const ipv4_endpoint&) = default;
};

std::string to_string(const mac_address& m);
std::string to_string(ipv4_address a);
std::string to_string(const ipv4_cidr& c);
std::ostream& operator<<(std::ostream& os, const mac_address& m);
std::ostream& operator<<(std::ostream& os, ipv4_address a);
// "10.0.0.2.80", as tcpdump joins them.
std::string to_string(const ipv4_endpoint& e);

}  // namespace tapstack
