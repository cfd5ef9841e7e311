#pragma once
// A DNS stub resolver over tapstack's UDP (RFC 1035, RFC 5452): asks one question of one server
// from a random ephemeral port with a random ID, retries on silence, and accepts only a response
// from that server that decodes and matches the question; anything else is dropped while it keeps
// listening. For tapstack-dig and every program that takes host names. Runs on the host's thread;
// the host outlives it.
#include <optional>

#include "apps/dig/dns_message.hpp"
#include "stack/asio/udp_socket.hpp"

namespace tapstack {

struct resolver_options {
  udp::endpoint server;
  duration timeout = std::chrono::seconds{2};
  unsigned tries = 3;
  bool verbose = false;  // say on stderr what was dropped and what timed out
  std::uint64_t seed = 1;
};

class dns_resolver {
 public:
  dns_resolver(host& h, const resolver_options& o);

  // The matching response (whatever its rcode), or nullopt when no answer came in any try.
  asio::awaitable<std::optional<dns::message>> query(const dns::domain_name& name,
                                                     dns::rr_type type);
  // The first IPv4 address a name resolves to (following the CNAMEs in the answer); nullopt for
  // no reply, an error code or no address.
  asio::awaitable<std::optional<asio::ip::address_v4>> resolve_v4(const dns::domain_name& name);

 private:
  asio::awaitable<std::optional<dns::message>> await_response(const dns::message& query,
                                                              instant deadline);

  host& host_;
  resolver_options o_;
  udp::socket socket_;
  asio::steady_timer timer_;
  std::uint64_t next_id_;
};

}  // namespace tapstack
