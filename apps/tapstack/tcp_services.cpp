#include "apps/tapstack/tcp_services.hpp"

#include <array>
#include <utility>
#include <vector>

namespace tapstack {

struct tcp_service::shared {
  kind what;
  std::array<std::uint8_t, 16384> buffer{};
};

namespace {

class session : public std::enable_shared_from_this<session> {
 public:
  session(tcp::socket socket, std::shared_ptr<tcp_service::shared> s)
      : socket_{std::move(socket)}, shared_{std::move(s)} {}

  void wait() {
    socket_.async_wait(tcp::socket::wait_read, [self = shared_from_this()](tcp::error_code ec) {
      if (!ec) self->serve();  // aborted: the socket closes with the session
    });
  }

 private:
  // Reads and answers until nothing more is in order, then waits again; or holds what the
  // connection could not take and writes it before reading on.
  void serve() {
    auto& buffer = shared_->buffer;
    for (;;) {
      tcp::error_code ec;
      const std::size_t n = socket_.read_some(asio::buffer(buffer), ec);
      if (ec == asio::error::would_block) return wait();
      if (ec == asio::error::eof) return finish();
      if (ec) return;  // reset, timed out: the socket closes with the session
      if (shared_->what == tcp_service::kind::discard) continue;
      const std::size_t written = socket_.write_some(asio::buffer(buffer, n), ec);
      if (ec && ec != asio::error::would_block) return;
      if (written < n) return hold({buffer.data() + written, n - written});
    }
  }

  void hold(const_byte_span rest) {
    pending_.assign(rest.begin(), rest.end());
    asio::async_write(socket_, asio::buffer(pending_),
                      [self = shared_from_this()](tcp::error_code ec, std::size_t) {
                        if (ec) return;
                        // Freed, not kept: a session that was slowed down once may idle long.
                        self->pending_ = std::vector<std::uint8_t>{};
                        self->serve();
                      });
  }

  // The peer has finished sending: so do we, once what we echoed is out (half-close).
  void finish() {
    tcp::error_code ignored;  // a connection reset meanwhile has nothing left to end
    socket_.shutdown(asio::socket_base::shutdown_send, ignored);
    socket_.close(ignored);
  }

  tcp::socket socket_;
  std::shared_ptr<tcp_service::shared> shared_;
  std::vector<std::uint8_t> pending_;  // echoed bytes the connection has not taken yet
};

}  // namespace

tcp_service::tcp_service(host& h, kind k, std::uint16_t port)
    : host_{h}, acceptor_{h}, port_{port}, shared_{std::make_shared<shared>(k)} {}

void tcp_service::start() {
  tcp::error_code ec;
  acceptor_.bind(tcp::endpoint{asio::ip::tcp::v4(), port_}, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw boost::system::system_error(ec, "TCP port " + std::to_string(port_));
  accept();
}

void tcp_service::accept() {
  auto peer = std::make_shared<tcp::socket>(host_);
  acceptor_.async_accept(*peer, [this, peer](tcp::error_code ec) {
    if (ec == asio::error::operation_aborted) return;
    if (!ec) std::make_shared<session>(std::move(*peer), shared_)->wait();
    // Then every connection already waiting (acceptor::accept says why).
    for (tcp::socket next{host_}; (acceptor_.accept(next, ec), !ec); next = tcp::socket{host_})
      std::make_shared<session>(std::move(next), shared_)->wait();
    accept();
  });
}

}  // namespace tapstack
