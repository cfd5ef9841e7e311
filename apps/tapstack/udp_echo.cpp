#include "apps/tapstack/udp_echo.hpp"

namespace tapstack {

void udp_echo_service::start() {
  socket_.bind(udp::endpoint{asio::ip::udp::v4(), port});
  receive();
}

void udp_echo_service::receive() {
  socket_.async_receive_from(asio::buffer(buffer_), peer_, [this](udp::error_code ec, size_t n) {
    if (ec == asio::error::operation_aborted) return;
    if (ec) return receive();
    socket_.async_send_to(asio::buffer(buffer_, n), peer_,
                          [this](udp::error_code, size_t) { receive(); });
  });
}

}  // namespace tapstack
