#include "apps/tapstack/udp_echo.hpp"

namespace tapstack {

void udp_echo_service::start() {
  socket_.bind(udp::endpoint{asio::ip::udp::v4(), port});
  receive();
}

void udp_echo_service::receive() {
  socket_.async_receive_from(asio::buffer(buffer_), peer_, [this](udp::error_code ec, size_t n) {
    if (ec == asio::error::operation_aborted) return;
    // Echo this one and every other datagram already queued, then wait again: one trip through
    // the executor per burst, not per datagram, so a flood does not overflow the queue.
    while (!ec) {
      udp::error_code ignored;
      socket_.send_to(asio::buffer(buffer_, n), peer_, ignored);
      n = socket_.receive_from(asio::buffer(buffer_), peer_, ec);
    }
    receive();
  });
}

}  // namespace tapstack
