#pragma once
// tapstack::udp::socket: a UDP socket on a tapstack host that reads like asio::ip::udp::socket.
// Endpoints are Asio's; errors are Asio's (boost::system::error_code with the errno values Asio
// uses); every async_* operation takes any completion token (callback, use_awaitable, use_future)
// through async_initiate. Operations run on the host's executor, so they may be started from any
// thread; the synchronous calls (open, bind, connect, close, the endpoints) belong on the host's
// thread or before io_context::run. Pending receives complete with operation_aborted on cancel()
// and close(). The host outlives its sockets.
#include <deque>
#include <memory>
#include <type_traits>
#include <vector>

#include "stack/asio/asio.hpp"
#include "stack/asio/conversions.hpp"
#include "stack/asio/host.hpp"
#include "stack/udp/udp_layer.hpp"

namespace tapstack::udp {

using endpoint = asio::ip::udp::endpoint;
using error_code = boost::system::error_code;

namespace detail {

using tapstack::from_asio;
using tapstack::to_asio;
inline endpoint to_asio(const ipv4_endpoint& e) { return to_asio_endpoint<endpoint>(e); }

// A receive waiting for a datagram.
class receive_op {
 public:
  virtual ~receive_op() = default;
  // Copies the datagram (when there is one) into the caller's buffers and schedules the handler.
  virtual void complete(const error_code& ec, const udp_datagram* d) = 0;
};

template <class Buffers, class Handler>
class receive_op_impl final : public receive_op {
 public:
  receive_op_impl(const Buffers& buffers, endpoint* from, Handler&& handler, host::executor_type io)
      : buffers_{buffers},
        from_{from},
        handler_{std::move(handler)},
        executor_{asio::get_associated_executor(handler_, io)} {}

  void complete(const error_code& ec, const udp_datagram* d) override {
    std::size_t n = 0;
    if (d) {
      // Like recvfrom without MSG_TRUNC: what does not fit the buffers is lost.
      n = asio::buffer_copy(buffers_, asio::buffer(d->data));
      if (from_) *from_ = to_asio(d->from);
    }
    asio::post(executor_, [h = std::move(handler_), ec, n]() mutable { std::move(h)(ec, n); });
  }

 private:
  Buffers buffers_;
  endpoint* from_;
  Handler handler_;
  // Not a work guard: a receive waiting for a datagram does not keep io_context::run going by
  // itself (the host's runner does while it serves), so a program that stops its host returns
  // from run() without closing every socket first.
  asio::associated_executor_t<Handler, host::executor_type> executor_;
};

// What the socket shares with the callbacks it leaves behind on the executor.
struct socket_state final : host::stoppable {
  explicit socket_state(host& h) : owner{h} {}
  // Completes waiting receives while datagrams (or an error) are there.
  void deliver();
  void abort_pending(const error_code& ec);
  void abort_on_stop() override { abort_pending(asio::error::operation_aborted); }

  host& owner;
  std::optional<udp_socket_id> id;
  std::deque<std::unique_ptr<receive_op>> pending;
};

}  // namespace detail

class socket {
 public:
  using executor_type = host::executor_type;

  explicit socket(host& h) : state_{std::make_shared<detail::socket_state>(h)} {}
  ~socket();
  socket(const socket&) = delete;
  socket& operator=(const socket&) = delete;

  executor_type get_executor() { return state_->owner.get_executor(); }
  bool is_open() const { return state_->id.has_value(); }

  void open(error_code& ec);
  void open();
  void bind(const endpoint& local, error_code& ec);
  void bind(const endpoint& local);
  void connect(const endpoint& remote, error_code& ec);
  void connect(const endpoint& remote);
  void close(error_code& ec);
  void close();
  // Completes every pending receive with operation_aborted.
  void cancel();
  endpoint local_endpoint() const;
  endpoint remote_endpoint() const;

  // Non-blocking, on the host's thread only (in a completion handler, say): the next queued
  // datagram, or would_block when there is none. A handler drains its queue with it in one go
  // instead of one datagram per trip through the executor.
  template <class MutableBuffers>
  std::size_t receive_from(const MutableBuffers& buffers, endpoint& from, error_code& ec) {
    udp_datagram d;
    if ((ec = receive_now(d))) return 0;
    from = detail::to_asio(d.from);
    return asio::buffer_copy(buffers, asio::buffer(d.data));
  }
  // Non-blocking, on the host's thread only: UDP sends at once or fails.
  template <class ConstBuffers>
  std::size_t send_to(const ConstBuffers& buffers, const endpoint& to, error_code& ec) {
    if constexpr (std::is_convertible_v<ConstBuffers, asio::const_buffer>) {
      const asio::const_buffer b{buffers};
      ec = send_now({static_cast<const std::uint8_t*>(b.data()), b.size()}, to, false);
      return ec ? 0 : b.size();
    } else {
      std::vector<std::uint8_t> data(asio::buffer_size(buffers));
      asio::buffer_copy(asio::buffer(data), buffers);
      ec = send_now(data, to, false);
      return ec ? 0 : data.size();
    }
  }

  template <class ConstBuffers, class Token>
  auto async_send_to(const ConstBuffers& buffers, const endpoint& to, Token&& token) {
    return async_send_impl(buffers, to, false, std::forward<Token>(token));
  }
  template <class ConstBuffers, class Token>
  auto async_send(const ConstBuffers& buffers, Token&& token) {
    return async_send_impl(buffers, endpoint{}, true, std::forward<Token>(token));
  }
  template <class MutableBuffers, class Token>
  auto async_receive_from(const MutableBuffers& buffers, endpoint& from, Token&& token) {
    return async_receive_impl(buffers, &from, std::forward<Token>(token));
  }
  template <class MutableBuffers, class Token>
  auto async_receive(const MutableBuffers& buffers, Token&& token) {
    return async_receive_impl(buffers, nullptr, std::forward<Token>(token));
  }

 private:
  // Sends on the host's thread.
  error_code send_now(const_byte_span data, const endpoint& to, bool connected);
  error_code receive_now(udp_datagram& out);

  template <class ConstBuffers, class Token>
  auto async_send_impl(const ConstBuffers& buffers, const endpoint& to, bool connected,
                       Token&& token) {
    std::vector<std::uint8_t> data(asio::buffer_size(buffers));
    asio::buffer_copy(asio::buffer(data), buffers);
    return asio::async_initiate<Token, void(error_code, std::size_t)>(
        [this, to, connected](auto handler, std::vector<std::uint8_t> data) {
          auto work = asio::make_work_guard(asio::get_associated_executor(handler, get_executor()));
          asio::post(get_executor(), [this, to, connected, data = std::move(data),
                                      h = std::move(handler), work = std::move(work)]() mutable {
            const error_code ec = send_now(data, to, connected);
            const std::size_t n = ec ? 0 : data.size();
            asio::post(work.get_executor(),
                       [h = std::move(h), ec, n]() mutable { std::move(h)(ec, n); });
          });
        },
        token, std::move(data));
  }

  template <class MutableBuffers, class Token>
  auto async_receive_impl(const MutableBuffers& buffers, endpoint* from, Token&& token) {
    return asio::async_initiate<Token, void(error_code, std::size_t)>(
        [this, buffers, from](auto handler) {
          using op = detail::receive_op_impl<MutableBuffers, decltype(handler)>;
          auto pending = std::make_unique<op>(buffers, from, std::move(handler), get_executor());
          asio::post(get_executor(), [state = state_, pending = std::move(pending)]() mutable {
            if (!state->id) return pending->complete(asio::error::bad_descriptor, nullptr);
            state->pending.push_back(std::move(pending));
            state->deliver();
          });
        },
        token);
  }

  std::shared_ptr<detail::socket_state> state_;
};

}  // namespace tapstack::udp
