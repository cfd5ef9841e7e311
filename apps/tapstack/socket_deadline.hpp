#pragma once
// A deadline for what a connection waits for: when it passes, the socket's pending operations end
// with operation_aborted and expired() says that time, not the host stopping, ended them. The HTTP
// server bounds with it how long a client may take to send a request or to start the next one.
// Not a socket option: the core keeps no such timer, and how long to wait depends on what the
// application waits for. Lives on the host's executor beside the socket it guards; a pending
// expiry holds only a weak reference to the socket, so it never keeps a connection open.
#include <cstdint>
#include <memory>

#include "stack/asio/tcp_socket.hpp"

namespace tapstack {

class socket_deadline {
 public:
  explicit socket_deadline(const std::shared_ptr<tcp::socket>& socket);
  socket_deadline(const socket_deadline&) = delete;
  socket_deadline& operator=(const socket_deadline&) = delete;

  // From now on, the socket has `allowed` until its pending operations are cancelled; replaces
  // the previous deadline and clears expired().
  void arm(duration allowed);
  void disarm();
  bool expired() const { return state_->expired; }

 private:
  // Shared with the pending wait, which may complete after this object is gone. The generation
  // tells an expiry already on its way from the deadline that replaced it.
  struct state {
    std::uint64_t generation = 0;
    bool expired = false;
  };

  std::weak_ptr<tcp::socket> socket_;
  asio::steady_timer timer_;
  std::shared_ptr<state> state_ = std::make_shared<state>();
};

}  // namespace tapstack
