#pragma once
// The TCP services of the toy host: echo (RFC 862, port 7) sends back every byte it reads and
// closes when the peer has; discard (RFC 863, port 9) reads and forgets. One session per
// connection, alive while it has an operation pending. The host outlives the services.
//
// An idle session holds no buffer (a host may keep a hundred thousand of them): it waits for
// readability, then reads into the service's one buffer (the host runs on one thread, and a
// session reads only when it has nothing left to write) and writes what it read at once. Only
// what the connection cannot take now stays with the session, copied, until it is written; the
// session reads no more meanwhile, so a peer that does not read its echo is slowed by TCP's
// windows and nothing is lost or reordered.
#include <cstdint>
#include <memory>

#include "stack/asio/tcp_socket.hpp"

namespace tapstack {

class tcp_service {
 public:
  enum class kind { echo, discard };

  tcp_service(host& h, kind k, std::uint16_t port);
  // Throws boost::system::system_error when the port cannot be bound.
  void start();

  // What the sessions share (tcp_services.cpp). They hold it too, so that one still pending
  // when the service is gone has its buffer.
  struct shared;

 private:
  void accept();

  host& host_;
  tcp::acceptor acceptor_;
  std::uint16_t port_;
  std::shared_ptr<shared> shared_;
};

}  // namespace tapstack
