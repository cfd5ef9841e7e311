#include "stack/tcp/isn.hpp"

#include <array>

namespace tapstack {

seq32 isn_generator::operator()(const ipv4_endpoint& local, const ipv4_endpoint& remote,
                                instant now) const {
  std::array<std::uint8_t, 12> tuple{};
  store_be32(&tuple[0], local.address.value);
  store_be16(&tuple[4], local.port);
  store_be32(&tuple[6], remote.address.value);
  store_be16(&tuple[10], remote.port);
  // M: the clock in 4 us ticks (RFC 6528 section 3, as RFC 793 had it).
  const auto ticks = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() / 4);
  return seq32{static_cast<std::uint32_t>(ticks + siphash24(key_, tuple))};
}

}  // namespace tapstack
