#pragma once
// The seeded generator every random choice in a host comes from (IP identification, later ISNs,
// ephemeral ports, faults), so that a run is reproduced by its seed. xoshiro256** seeded through
// splitmix64: fast, small state, good statistics; not for cryptography.
#include <cstdint>

namespace tapstack {

class rng {
 public:
  explicit rng(std::uint64_t seed);

  std::uint64_t next();
  // Uniform in [lo, hi], both included.
  std::uint64_t uniform(std::uint64_t lo, std::uint64_t hi);

 private:
  std::uint64_t s_[4];
};

}  // namespace tapstack
