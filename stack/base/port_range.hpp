#pragma once
// A range of transport ports, both ends included: where a transport draws its ephemeral ports
// from.
#include <cstdint>

namespace tapstack {

struct port_range {
  std::uint16_t first = 0;
  std::uint16_t last = 0;
};

// RFC 6335 6's dynamic ports, which RFC 6056 draws ephemeral ports from at random.
inline constexpr port_range dynamic_ports{49152, 65535};

}  // namespace tapstack
