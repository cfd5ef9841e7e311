#pragma once
// Initial sequence numbers as RFC 6528 computes them: ISN = M + F(4-tuple, secret), where M is a
// clock ticking every 4 microseconds and F a keyed hash (SipHash-2-4) of the connection's
// addresses and ports. A new incarnation of a 4-tuple starts ahead of the old one's sequence space
// (the clock moved on), and an off-path attacker cannot guess another tuple's ISN. The secret comes
// from the host's seeded generator, so a simulation is reproducible from its seed.
#include "stack/base/rng.hpp"
#include "stack/base/seq.hpp"
#include "stack/base/siphash.hpp"
#include "stack/base/time.hpp"
#include "stack/wire/address.hpp"

namespace tapstack {

class isn_generator {
 public:
  explicit isn_generator(const siphash_key& key) : key_{key} {}
  explicit isn_generator(rng& random) : key_{random.next(), random.next()} {}

  seq32 operator()(const ipv4_endpoint& local, const ipv4_endpoint& remote, instant now) const;

 private:
  siphash_key key_;
};

}  // namespace tapstack
