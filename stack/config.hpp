#pragma once
// What a host is told at construction: its addresses, its MTU, its seed and the tunables of each
// layer. Plain data with the project's defaults; the apps fill it from their flags.
#include <cstddef>
#include <cstdint>
#include <optional>

#include "stack/base/time.hpp"
#include "stack/wire/address.hpp"

namespace tapstack {

struct arp_config {
  // How long a learned address is trusted before it must be asked again.
  duration lifetime = std::chrono::seconds{60};
  duration retry_interval = std::chrono::seconds{1};
  // Requests sent for one address before its waiting packets are dropped (RFC 1122 2.3.2.1 asks
  // for a bound; Linux's default is 3).
  unsigned max_requests = 3;
  // Packets held per unresolved address (RFC 1122 asks for at least one); the oldest goes first.
  std::size_t max_pending = 8;
  std::size_t max_entries = 512;
};

struct stack_config {
  // Locally administered, so it can never clash with a vendor's address.
  mac_address mac{{0x02, 0x74, 0x73, 0x00, 0x00, 0x02}};
  ipv4_cidr address{ipv4_address{0x0a000002}, 24};
  std::optional<ipv4_address> gateway = ipv4_address{0x0a000001};
  // The largest IP packet sent, as on the tap's side of the link.
  std::size_t mtu = 1500;
  std::uint64_t seed = 1;
  arp_config arp;
};

// The range a stack accepts: 68 is IPv4's minimum (RFC 791); 65535 the largest IP packet.
inline constexpr std::size_t min_mtu = 68;
inline constexpr std::size_t max_mtu = 65535;

}  // namespace tapstack
