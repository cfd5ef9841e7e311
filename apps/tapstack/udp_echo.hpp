#pragma once
// The UDP echo service (RFC 862) on port 7: every datagram goes back to its sender unchanged. The
// host outlives the service.
#include <array>

#include "stack/asio/udp_socket.hpp"

namespace tapstack {

class udp_echo_service {
 public:
  static constexpr std::uint16_t port = 7;

  explicit udp_echo_service(host& h) : socket_{h} {}
  // Throws boost::system::system_error when the port cannot be bound.
  void start();

 private:
  void receive();

  udp::socket socket_;
  udp::endpoint peer_;
  std::array<std::uint8_t, 65535> buffer_{};
};

}  // namespace tapstack
