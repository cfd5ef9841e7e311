#include "apps/tapstack/tcp_services.hpp"

#include <array>
#include <memory>

namespace tapstack {
namespace {

class session : public std::enable_shared_from_this<session> {
 public:
  session(tcp::socket socket, tcp_service::kind k) : socket_{std::move(socket)}, kind_{k} {}

  void read() {
    socket_.async_read_some(asio::buffer(buffer_),
                            [self = shared_from_this()](tcp::error_code ec, std::size_t n) {
                              if (ec == asio::error::eof) return self->finish();
                              if (ec) return;  // reset, aborted: the socket closes with the session
                              if (self->kind_ == tcp_service::kind::discard) return self->read();
                              asio::async_write(self->socket_, asio::buffer(self->buffer_, n),
                                                [self](tcp::error_code write_error, std::size_t) {
                                                  if (!write_error) self->read();
                                                });
                            });
  }

 private:
  // The peer has finished sending: so do we, once what we echoed is out (half-close).
  void finish() {
    boost::system::error_code ignored;
    try {
      socket_.shutdown(asio::socket_base::shutdown_send);
    } catch (const boost::system::system_error&) {
    }
    socket_.close(ignored);
  }

  tcp::socket socket_;
  tcp_service::kind kind_;
  std::array<std::uint8_t, 16384> buffer_{};
};

}  // namespace

tcp_service::tcp_service(host& h, kind k, std::uint16_t port)
    : host_{h}, kind_{k}, acceptor_{h}, port_{port} {}

void tcp_service::start() {
  tcp::error_code ec;
  acceptor_.bind(tcp::endpoint{asio::ip::tcp::v4(), port_}, ec);
  if (!ec) acceptor_.listen(128, ec);
  if (ec) throw boost::system::system_error(ec, "TCP port " + std::to_string(port_));
  accept();
}

void tcp_service::accept() {
  auto peer = std::make_shared<tcp::socket>(host_);
  acceptor_.async_accept(*peer, [this, peer](tcp::error_code ec) {
    if (ec == asio::error::operation_aborted) return;
    if (!ec) std::make_shared<session>(std::move(*peer), kind_)->read();
    accept();
  });
}

}  // namespace tapstack
