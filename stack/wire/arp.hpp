#pragma once
// ARP for IPv4 over Ethernet (RFC 826): the only hardware/protocol pair this host resolves. The
// view validates the fixed part and the address lengths; the repr is the five fields ARP logic
// uses.
#include <cstddef>
#include <cstdint>
#include <string>

#include "stack/base/bytes.hpp"
#include "stack/wire/address.hpp"
#include "stack/wire/parse_result.hpp"

namespace tapstack {

namespace arp {
inline constexpr std::size_t packet_len = 28;
inline constexpr std::uint16_t htype_ethernet = 1;
inline constexpr std::uint16_t ptype_ipv4 = 0x0800;
namespace field {
inline constexpr std::size_t htype = 0;
inline constexpr std::size_t ptype = 2;
inline constexpr std::size_t hlen = 4;
inline constexpr std::size_t plen = 5;
inline constexpr std::size_t oper = 6;
inline constexpr std::size_t sha = 8;
inline constexpr std::size_t spa = 14;
inline constexpr std::size_t tha = 18;
inline constexpr std::size_t tpa = 24;
}  // namespace field
}  // namespace arp

enum class arp_operation : std::uint16_t { request = 1, reply = 2 };

class arp_view {
 public:
  // Checks the fixed header, that it is Ethernet/IPv4, and that the addresses fit.
  static parse_result<arp_view> check(const_byte_span packet);

  std::uint16_t operation() const { return load_be16(&bytes_[arp::field::oper]); }
  mac_address sender_mac() const { return mac_address::load(&bytes_[arp::field::sha]); }
  ipv4_address sender_ip() const { return {load_be32(&bytes_[arp::field::spa])}; }
  mac_address target_mac() const { return mac_address::load(&bytes_[arp::field::tha]); }
  ipv4_address target_ip() const { return {load_be32(&bytes_[arp::field::tpa])}; }

 private:
  explicit arp_view(const_byte_span b) : bytes_{b} {}
  const_byte_span bytes_;
};

struct arp_repr {
  arp_operation operation = arp_operation::request;
  mac_address sender_mac;
  ipv4_address sender_ip;
  mac_address target_mac;
  ipv4_address target_ip;

  // Rejects operations other than request and reply.
  static parse_result<arp_repr> parse(const arp_view& v);
  static constexpr std::size_t packet_len() { return arp::packet_len; }
  void emit(byte_span out) const;
  friend bool operator==(const arp_repr&, const arp_repr&) = default;
};

// tcpdump: "ARP, Request who-has 10.0.0.2 tell 10.0.0.1, length 28"
std::string to_string(const arp_repr& r);

}  // namespace tapstack
