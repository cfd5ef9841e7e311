#pragma once
// What every layer of one host shares: its configuration, counters, logger, random generator,
// frame pool and spare byte-ring chunks. Owned by the stack and handed to each layer by reference;
// it outlives them all.
#include <string>

#include "stack/base/counters.hpp"
#include "stack/base/log.hpp"
#include "stack/base/rng.hpp"
#include "stack/buffers/chunk_cache.hpp"
#include "stack/buffers/frame.hpp"
#include "stack/config.hpp"
#include "stack/wire/describe.hpp"

namespace tapstack {

// Room in front of every outgoing payload for the headers below it (Ethernet, IPv4 with options,
// TCP with options), so no layer ever moves a payload to make space.
inline constexpr std::size_t frame_headroom = 128;

// Spare byte-ring chunks a host keeps: a default buffer's worth (256 KiB), so that a connection
// whose whole buffer drains and fills again within a batch (the application reads all it holds,
// an ACK covers all that was in flight) takes nothing from the heap, and an idle host keeps at
// most that, however many connections it has.
inline constexpr std::size_t spare_chunks_kept = 16;

struct host_context {
  explicit host_context(const stack_config& c, logger l)
      : config{c},
        log{l},
        random{c.seed},
        pool{frame_headroom + 14 + c.mtu, 256, frame_headroom + 14 + 65535, 16},
        spare_chunks{spare_chunks_kept} {}

  // Counts a frame dropped for a reason and says so at debug level, with the frame being received
  // when there is one.
  void drop(drop_reason why, instant now, std::uint64_t n = 1) {
    stats.drop(why, n);
    log.log(log_level::debug, now, [&] {
      std::string line = "drop " + std::string{name(why)};
      if (!receiving.empty()) line += ": " + describe_frame(receiving);
      return line;
    });
  }

  stack_config config;
  counters stats;
  logger log;
  rng random;
  frame_pool pool;
  chunk_cache spare_chunks;
  // The frame the stack is processing, for drop messages; empty outside receive().
  const_byte_span receiving;
};

}  // namespace tapstack
