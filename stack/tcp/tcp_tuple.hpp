#pragma once
// A connection's 4-tuple (RFC 9293 3.3.1: the socket pair that names it), its 12 bytes as the keyed
// hashes take them (RFC 6528's ISN function, SYN cookies, the connection table), and the table's
// hash. The table's hash is keyed with the host's secret: the tuples come from the peers, and with
// a hash they could predict, an attacker could make every connection land in one bucket and every
// lookup walk them all.
#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>

#include "stack/base/siphash.hpp"
#include "stack/wire/address.hpp"

namespace tapstack {

struct tcp_tuple {
  ipv4_endpoint local;
  ipv4_endpoint remote;
  friend auto operator<=>(const tcp_tuple&, const tcp_tuple&) = default;
};

// local address, local port, remote address, remote port, big-endian.
std::array<std::uint8_t, 12> tuple_bytes(const ipv4_endpoint& local, const ipv4_endpoint& remote);

class tcp_tuple_hash {
 public:
  explicit tcp_tuple_hash(const siphash_key& key) : key_{key} {}
  std::size_t operator()(const tcp_tuple& t) const {
    return static_cast<std::size_t>(siphash24(key_, tuple_bytes(t.local, t.remote)));
  }

 private:
  siphash_key key_;
};

}  // namespace tapstack
