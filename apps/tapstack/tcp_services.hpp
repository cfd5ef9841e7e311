#pragma once
// The TCP services of the toy host: echo (RFC 862, port 7) sends back every byte it reads and
// closes when the peer has; discard (RFC 863, port 9) reads and forgets. One session per
// connection, alive while it has an operation pending. The host outlives the services.
#include <cstdint>

#include "stack/asio/tcp_socket.hpp"

namespace tapstack {

class tcp_service {
 public:
  enum class kind { echo, discard };

  tcp_service(host& h, kind k, std::uint16_t port);
  // Throws boost::system::system_error when the port cannot be bound.
  void start();

 private:
  void accept();

  host& host_;
  kind kind_;
  tcp::acceptor acceptor_;
  std::uint16_t port_;
};

}  // namespace tapstack
