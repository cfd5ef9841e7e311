#include "stack/tcp/isn.hpp"

#include "stack/tcp/tcp_tuple.hpp"

namespace tapstack {

seq32 isn_generator::operator()(const ipv4_endpoint& local, const ipv4_endpoint& remote,
                                instant now) const {
  // M: the clock in 4 us ticks (RFC 6528 section 3, as RFC 793 had it).
  const auto ticks = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() / 4);
  return seq32{static_cast<std::uint32_t>(ticks + siphash24(key_, tuple_bytes(local, remote)))};
}

}  // namespace tapstack
