#include "apps/lab/kernel_peer.hpp"

#include <sys/socket.h>

#include <optional>
#include <stdexcept>
#include <string>

#include "apps/lab/lab_network.hpp"
#include "stack/asio/tcp_socket.hpp"

namespace tapstack::lab {
namespace {

using asio::use_awaitable;

// The four cases in turn, on one io_context. The sockets are members, not locals of the
// coroutine, so that cancel() can close them and so end whatever the coroutine waits for.
class session {
 public:
  session(app_host& app, const kernel_peer_config& config)
      : app_{app},
        config_{config},
        acceptor_{app.node(), tcp::endpoint{asio::ip::tcp::v4(), lab_port}, 1} {}

  asio::awaitable<std::vector<std::vector<duration>>> run() {
    std::vector<std::vector<duration>> results;
    for (const nagle_case c : nagle_cases) results.push_back(co_await run_case(c));
    acceptor_.close();
    co_return results;
  }

  // Closes every socket: what the coroutine waits for ends with operation_aborted.
  void cancel() {
    boost::system::error_code ignored;
    if (client_) client_->close(ignored);
    if (server_) server_->close(ignored);
    acceptor_.close();
  }

 private:
  asio::awaitable<std::vector<duration>> run_case(nagle_case c) {
    acceptor_.set_option(tcp::delayed_ack{c.delayed_ack});
    client_.emplace(app_.io());
    client_->open(asio::ip::tcp::v4());
    bind_to_tap(*client_);
    client_->set_option(asio::ip::tcp::no_delay{!c.nagle});
    const auto address = app_.options().stack.address.address;
    const asio::ip::tcp::endpoint server_endpoint{asio::ip::address_v4{address.value}, lab_port};
    co_await step("connect from the kernel to " + server_endpoint.address().to_string() + " port " +
                      std::to_string(lab_port),
                  client_->async_connect(server_endpoint, use_awaitable));
    server_.emplace(app_.node());
    co_await step("accept", acceptor_.async_accept(*server_, use_awaitable));

    const request_pattern& p = config_.pattern;
    const std::vector<std::uint8_t> header(p.header, 'h'), body(p.body, 'b'),
        reply(p.response, 'r');
    std::vector<std::uint8_t> request(p.request()), response(p.response);
    std::vector<duration> latencies;
    for (std::size_t i = 0; i < config_.requests; ++i) {
      const instant start = app_.node().now();
      // Two writes, so the kernel sees two sends; then the server reads the whole request.
      co_await asio::async_write(*client_, asio::buffer(header), use_awaitable);
      co_await asio::async_write(*client_, asio::buffer(body), use_awaitable);
      co_await asio::async_read(*server_, asio::buffer(request), use_awaitable);
      co_await asio::async_write(*server_, asio::buffer(reply), use_awaitable);
      co_await asio::async_read(*client_, asio::buffer(response), use_awaitable);
      latencies.push_back(app_.node().now() - start);
    }
    // The kernel closes first; the server reads the end of the stream and closes too.
    client_->shutdown(asio::ip::tcp::socket::shutdown_send);
    tcp::error_code ec;
    co_await asio::async_read(*server_, asio::buffer(request),
                              asio::redirect_error(use_awaitable, ec));
    if (ec != asio::error::eof) throw std::runtime_error("the end of the stream: " + ec.message());
    server_.reset();
    client_.reset();
    co_return latencies;
  }

  // Awaits op, naming what failed.
  template <class Awaitable>
  static asio::awaitable<void> step(const std::string& what, Awaitable op) {
    try {
      co_await std::move(op);
    } catch (const boost::system::system_error& e) {
      throw std::runtime_error(what + ": " + e.code().message());
    }
  }

  void bind_to_tap(asio::ip::tcp::socket& s) const {
    const std::string& tap = app_.options().tap;
    if (::setsockopt(s.native_handle(), SOL_SOCKET, SO_BINDTODEVICE, tap.c_str(),
                     static_cast<socklen_t>(tap.size())) != 0)
      throw std::runtime_error("cannot bind the kernel's socket to " + tap + ": " +
                               std::error_code{errno, std::generic_category()}.message());
  }

  app_host& app_;
  kernel_peer_config config_;
  tcp::acceptor acceptor_;
  std::optional<asio::ip::tcp::socket> client_;
  std::optional<tcp::socket> server_;
};

}  // namespace

std::vector<std::vector<duration>> run_kernel_peer(app_host& app,
                                                   const kernel_peer_config& config) {
  app.node().start();
  session s{app, config};
  asio::steady_timer deadline{
      app.io(), std::chrono::duration_cast<asio::steady_timer::duration>(config.timeout)};
  bool timed_out = false;
  deadline.async_wait([&](const boost::system::error_code& ec) {
    if (ec) return;
    timed_out = true;
    s.cancel();
  });
  std::exception_ptr failure;
  std::vector<std::vector<duration>> results;
  asio::co_spawn(app.io(), s.run(),
                 [&](std::exception_ptr e, std::vector<std::vector<duration>> r) {
                   failure = e;
                   results = std::move(r);
                   deadline.cancel();
                   app.node().stop();
                 });
  app.io().run();
  if (timed_out)
    throw std::runtime_error("the four cases did not finish within " + to_string(config.timeout) +
                             " (--timeout); does the kernel have an address on " +
                             app.options().tap + ", in " + to_string(app.options().stack.address) +
                             "'s subnet?");
  if (failure) std::rethrow_exception(failure);
  return results;
}

}  // namespace tapstack::lab
