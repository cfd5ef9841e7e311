#pragma once
// The toy host's HTTP/1.1 server (port 80), Boost.Beast over tapstack's TCP sockets: keep-alive,
// GET and HEAD; "/" is a page of the host's live connections and counters and "/status.json" the
// same as JSON; "/bytes/N" streams N bytes of generated content (byte i is i mod 251) from a
// precomputed table (pattern_body.hpp), without touching the disk; with a root directory, files
// under it are served with their length and type (http_target.hpp says which), small ones from
// memory while unchanged (file_cache.hpp), larger ones read in 64 KiB chunks
// (buffered_file_body.hpp). A response's header leaves in the same write as the start of
// its body, so a small one is one segment. Anything else gets the 4xx it deserves, and http_limits
// bound what a client may make it wait for or hold. One coroutine per connection; the host
// outlives it, and the server outlives the io_context's run.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>

#include "apps/tapstack/file_cache.hpp"
#include "apps/tapstack/http_target.hpp"
#include "stack/asio/tcp_socket.hpp"

namespace tapstack {

// Against clients that send slowly, never, or too much (slowloris). The defaults are tighter than
// nginx's (client_header_timeout 60s, keepalive_timeout 75s): clients of a host on a local link
// send a request header in one segment, and an idle connection holds a TCB and its buffers.
struct http_limits {
  // From the connection's start, or from the first byte of a later request, until the request's
  // header and body are in; then 408 and close.
  duration header_timeout = std::chrono::seconds{10};
  // How long a kept-alive connection may wait for the first byte of its next request; then it
  // closes without a word, since no request is outstanding.
  duration keepalive_timeout = std::chrono::seconds{30};
  // Request line and header fields together; more is 431. Beast's and Apache's 8 KiB.
  std::size_t header_limit = 8 * 1024;
  // GET and HEAD carry no body, so only framing needs reading one; more is 413.
  std::size_t body_limit = 64 * 1024;
};

class http_server {
 public:
  http_server(host& h, std::optional<http_root> root, http_limits limits = {},
              std::uint16_t port = 80);
  // Throws boost::system::system_error when the port cannot be bound.
  void start();

 private:
  void accept();
  // Serves one connection, in a coroutine of its own.
  void spawn(const std::shared_ptr<tcp::socket>& peer);

  host& host_;
  std::optional<http_root> root_;
  file_cache files_;
  http_limits limits_;
  tcp::acceptor acceptor_;
  std::uint16_t port_;
};

}  // namespace tapstack
