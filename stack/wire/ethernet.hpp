#pragma once
// Ethernet II framing: the view over a received frame's header and the repr that writes one. No
// 802.1Q tags and no FCS (the tap neither carries nor expects one). Views and reprs hold spans into
// the caller's bytes and never outlive the call that handed them over.
#include <cstddef>
#include <cstdint>
#include <string>

#include "stack/base/bytes.hpp"
#include "stack/wire/address.hpp"
#include "stack/wire/parse_result.hpp"

namespace tapstack {

namespace ethernet {
inline constexpr std::size_t header_len = 14;
// The shortest frame on the wire without its FCS; shorter ones are padded by the sender.
inline constexpr std::size_t min_frame_len = 60;
namespace field {
inline constexpr std::size_t dst = 0;
inline constexpr std::size_t src = 6;
inline constexpr std::size_t ethertype = 12;
}  // namespace field
}  // namespace ethernet

enum class ethertype : std::uint16_t { ipv4 = 0x0800, arp = 0x0806, vlan = 0x8100, ipv6 = 0x86dd };
std::string to_string(ethertype t);

class ethernet_view {
 public:
  static parse_result<ethernet_view> check(const_byte_span frame);

  mac_address dst() const { return mac_address::load(&bytes_[ethernet::field::dst]); }
  mac_address src() const { return mac_address::load(&bytes_[ethernet::field::src]); }
  std::uint16_t ethertype() const { return load_be16(&bytes_[ethernet::field::ethertype]); }
  const_byte_span payload() const { return bytes_.subspan(ethernet::header_len); }

 private:
  explicit ethernet_view(const_byte_span b) : bytes_{b} {}
  const_byte_span bytes_;
};

struct ethernet_repr {
  mac_address src;
  mac_address dst;
  tapstack::ethertype type = ethertype::ipv4;

  static ethernet_repr parse(const ethernet_view& v);
  static constexpr std::size_t header_len() { return ethernet::header_len; }
  // Writes the header into the first header_len() bytes of out.
  void emit(byte_span out) const;
  friend bool operator==(const ethernet_repr&, const ethernet_repr&) = default;
};

// tcpdump -e: "02:00:00:00:00:01 > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806)"
std::string to_string(const ethernet_repr& r);

}  // namespace tapstack
