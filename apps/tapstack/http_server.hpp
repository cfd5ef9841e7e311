#pragma once
// The toy host's HTTP/1.1 server (port 80), Boost.Beast over tapstack's TCP sockets: keep-alive,
// GET and HEAD; "/" is a page of the host's live connections and counters and "/status.json" the
// same as JSON; "/bytes/N" streams N bytes of generated content (byte i is i mod 251) without
// touching the disk; with a root directory, files under it are served with their length and type.
// Anything else gets the 4xx it deserves. One coroutine per connection; the host outlives it.
#include <cstdint>
#include <filesystem>
#include <optional>

#include "stack/asio/tcp_socket.hpp"

namespace tapstack {

class http_server {
 public:
  http_server(host& h, std::optional<std::filesystem::path> root, std::uint16_t port = 80);
  // Throws boost::system::system_error when the port cannot be bound.
  void start();

 private:
  void accept();

  host& host_;
  std::optional<std::filesystem::path> root_;
  tcp::acceptor acceptor_;
  std::uint16_t port_;
};

}  // namespace tapstack
