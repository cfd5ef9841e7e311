#include "apps/tapstack/socket_deadline.hpp"

namespace tapstack {

socket_deadline::socket_deadline(const std::shared_ptr<tcp::socket>& socket)
    : socket_{socket}, timer_{socket->get_executor()} {}

void socket_deadline::arm(duration allowed) {
  state_->expired = false;
  timer_.expires_after(std::chrono::duration_cast<asio::steady_timer::duration>(allowed));
  timer_.async_wait([socket = socket_, state = state_,
                     generation = ++state_->generation](const tcp::error_code& ec) {
    if (ec || generation != state->generation) return;
    state->expired = true;
    if (const auto s = socket.lock()) s->cancel();
  });
}

void socket_deadline::disarm() {
  ++state_->generation;
  timer_.cancel();
}

}  // namespace tapstack
