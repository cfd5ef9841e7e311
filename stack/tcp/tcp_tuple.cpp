#include "stack/tcp/tcp_tuple.hpp"

namespace tapstack {

std::array<std::uint8_t, 12> tuple_bytes(const ipv4_endpoint& local, const ipv4_endpoint& remote) {
  std::array<std::uint8_t, 12> bytes{};
  store_be32(&bytes[0], local.address.value);
  store_be16(&bytes[4], local.port);
  store_be32(&bytes[6], remote.address.value);
  store_be16(&bytes[10], remote.port);
  return bytes;
}

}  // namespace tapstack
