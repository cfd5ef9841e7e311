#pragma once
// The ports one transport's sockets hold, and the choice of an ephemeral port among the free ones
// (RFC 6056 algorithm 1). One per transport: TCP's and UDP's ports are separate spaces. A port may
// have several holders (a TCP listener and the connections it accepted share its port) and is
// free again when the last lets it go. Whether a port is held is a hash lookup, not a walk over
// the sockets.
#include <cassert>
#include <concepts>
#include <cstdint>
#include <system_error>
#include <unordered_map>

#include "stack/base/port_range.hpp"
#include "stack/base/rng.hpp"

namespace tapstack {

class port_allocator {
 public:
  // ephemeral: where allocate() picks from; not empty, and without port 0.
  port_allocator(port_range ephemeral, rng& random) : ephemeral_{ephemeral}, random_{random} {
    assert(ephemeral.first != 0 && ephemeral.first <= ephemeral.last);
  }

  bool in_use(std::uint16_t port) const { return holders_.contains(port); }
  // One holder more, whether the port was free or not: whether it may be shared is the
  // transport's rule, not the allocator's.
  void hold(std::uint16_t port) { ++holders_[port]; }
  // One holder fewer; port must be held.
  void release(std::uint16_t port) {
    const auto it = holders_.find(port);
    assert(it != holders_.end());
    if (--it->second == 0) holders_.erase(it);
  }

  // From a port of the ephemeral range drawn at random, the first one after it (wrapping round)
  // that is free and that `usable` accepts, held for the caller: port is set to it. Random so
  // that an off-path attacker cannot guess the port, as RFC 6056 asks. address_in_use when
  // there is none.
  template <std::predicate<std::uint16_t> Usable>
  std::error_code allocate(std::uint16_t& port, Usable usable) {
    const std::uint32_t size = ephemeral_.last - ephemeral_.first + 1u;
    const auto start = static_cast<std::uint32_t>(random_.uniform(0, size - 1));
    for (std::uint32_t i = 0; i < size; ++i) {
      const auto candidate = static_cast<std::uint16_t>(ephemeral_.first + (start + i) % size);
      if (in_use(candidate) || !usable(candidate)) continue;
      hold(candidate);
      port = candidate;
      return {};
    }
    return std::make_error_code(std::errc::address_in_use);
  }
  std::error_code allocate(std::uint16_t& port) {
    return allocate(port, [](std::uint16_t) { return true; });
  }

 private:
  port_range ephemeral_;
  rng& random_;
  std::unordered_map<std::uint16_t, std::uint32_t> holders_;  // port: how many hold it
};

}  // namespace tapstack
