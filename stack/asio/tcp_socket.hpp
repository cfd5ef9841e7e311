#pragma once
// tapstack::tcp::socket and tcp::acceptor: TCP on a tapstack host that reads like
// asio::ip::tcp::socket and acceptor. The socket models AsyncReadStream and AsyncWriteStream
// (async_read_some, async_write_some), so asio::async_read, async_write and async_read_until work
// over it; the orderly end of the stream reads as asio::error::eof, a reset as
// connection_reset, a refused connect as connection_refused, a timeout as timed_out. Operations
// run on the host's executor; the synchronous calls belong on the host's thread. Pending
// operations complete with operation_aborted on cancel() and close(). The host outlives them.
// Options (Asio's no_delay, keep_alive, send_buffer_size and receive_buffer_size; tapstack's
// delayed_ack, quick_ack and congestion) may be set once the object is open: on a socket before
// it connects, or on an acceptor for the connections it will accept.
#include <deque>
#include <memory>
#include <optional>
#include <type_traits>
#include <vector>

#include "stack/asio/asio.hpp"
#include "stack/asio/conversions.hpp"
#include "stack/asio/host.hpp"
#include "stack/tcp/tcp_layer.hpp"

namespace tapstack::tcp {

using endpoint = asio::ip::tcp::endpoint;
using error_code = boost::system::error_code;

// tapstack's own socket options, shaped like Asio's (a value() and a constructor taking it), for
// what Asio has no name for: delayed ACKs, quick ACKs (every segment acknowledged at once), and
// the congestion control algorithm (Linux's TCP_CONGESTION), and the options a SYN offers.
template <class Tag>
class boolean_option {
 public:
  boolean_option() = default;
  explicit boolean_option(bool on) : on_{on} {}
  bool value() const { return on_; }

 private:
  bool on_ = false;
};
using delayed_ack = boolean_option<struct delayed_ack_tag>;
using quick_ack = boolean_option<struct quick_ack_tag>;
// What the socket's SYN offers: set before connecting (or on the acceptor).
using window_scaling = boolean_option<struct window_scaling_tag>;
using timestamps = boolean_option<struct timestamps_tag>;
using sack = boolean_option<struct sack_tag>;

class congestion {
 public:
  congestion() = default;
  explicit congestion(congestion_algorithm a) : algorithm_{a} {}
  congestion_algorithm value() const { return algorithm_; }

 private:
  congestion_algorithm algorithm_ = congestion_algorithm::newreno;
};

namespace detail {

struct socket_state;

// An operation waiting for the connection to be ready for it.
class op {
 public:
  virtual ~op() = default;
  // Tries once; true when it completed (its handler is scheduled).
  virtual bool perform(socket_state& s) = 0;
  virtual void abort(const error_code& ec) = 0;
};

// What every operation does at the end: post the handler to its own executor.
template <class Handler, class... Args>
void post_completion(Handler& handler, host::executor_type io, Args... args) {
  auto ex = asio::get_associated_executor(handler, io);
  asio::post(ex, [h = std::move(handler), args...]() mutable { std::move(h)(args...); });
}

using tapstack::from_asio;
using tapstack::to_asio;
inline endpoint to_asio(const ipv4_endpoint& e) { return to_asio_endpoint<endpoint>(e); }

struct socket_state : std::enable_shared_from_this<socket_state> {
  explicit socket_state(host& h) : owner{h} {}
  // Takes a handle of the TCP layer and asks to be told when it becomes ready.
  void attach(tcp_socket_id handle);
  // Runs what can complete now, in order within reads, writes and the rest.
  void deliver();
  void abort_all(const error_code& ec);
  tcp_layer& layer() { return owner.core().tcp(); }

  host& owner;
  std::optional<tcp_socket_id> id;
  std::deque<std::unique_ptr<op>> reads, writes, others;
};

// What a read and a write share: the caller's buffers, the handler, and how it completes.
template <class Buffers, class Handler>
class transfer_op : public op {
 public:
  transfer_op(const Buffers& b, Handler&& h, host::executor_type io)
      : buffers_{b}, handler_{std::move(h)}, io_{io} {}
  void abort(const error_code& ec) override { complete(ec, 0); }

 protected:
  bool complete(error_code ec, std::size_t n) {
    post_completion(handler_, io_, ec, n);
    return true;
  }
  Buffers buffers_;

 private:
  Handler handler_;
  host::executor_type io_;
};

template <class Buffers, class Handler>
class read_op final : public transfer_op<Buffers, Handler> {
 public:
  using transfer_op<Buffers, Handler>::transfer_op;
  bool perform(socket_state& s) override {
    const asio::mutable_buffer first = *asio::buffer_sequence_begin(this->buffers_);
    if (first.size() == 0) return this->complete(error_code{}, 0);
    std::size_t n = 0;
    const auto ec = s.layer().receive(
        *s.id, {static_cast<std::uint8_t*>(first.data()), first.size()}, n, s.owner.now());
    if (ec == std::errc::operation_would_block) return false;
    if (!ec && n > 0) s.owner.flush();  // a window update may be due
    if (!ec && n == 0) return this->complete(asio::error::eof, 0);
    return this->complete(to_asio(ec), n);
  }
};

template <class Buffers, class Handler>
class write_op final : public transfer_op<Buffers, Handler> {
 public:
  using transfer_op<Buffers, Handler>::transfer_op;
  bool perform(socket_state& s) override {
    // A sequence of buffers (Beast's serializer writes a header as many small ones) is queued in
    // one call, so it can leave as one segment rather than one piece per round trip.
    const std::size_t total = asio::buffer_size(this->buffers_);
    if (total == 0) return this->complete(error_code{}, 0);
    const_byte_span data;
    const asio::const_buffer first = *asio::buffer_sequence_begin(this->buffers_);
    if (first.size() == total) {
      data = {static_cast<const std::uint8_t*>(first.data()), first.size()};
    } else {
      gathered_.resize(total);
      asio::buffer_copy(asio::buffer(gathered_), this->buffers_);
      data = gathered_;
    }
    std::size_t n = 0;
    const auto ec = s.layer().send(*s.id, data, n, s.owner.now());
    if (ec == std::errc::operation_would_block) return false;
    s.owner.flush();
    return this->complete(to_asio(ec), n);
  }

 private:
  std::vector<std::uint8_t> gathered_;
};

// Waits for connect() to finish: connected, or failed with the error the layer holds.
template <class Handler>
class connect_op final : public op {
 public:
  connect_op(Handler&& h, host::executor_type io) : handler_{std::move(h)}, io_{io} {}
  bool perform(socket_state& s) override {
    if (s.layer().connected(*s.id)) return complete({});
    if (!s.layer().readable(*s.id)) return false;
    std::uint8_t none[1];
    std::size_t n = 0;
    const auto ec = s.layer().receive(*s.id, {none, 0}, n, s.owner.now());
    return complete(ec ? to_asio(ec) : error_code{asio::error::not_connected});
  }
  void abort(const error_code& ec) override { complete(ec); }

 private:
  bool complete(error_code ec) {
    post_completion(handler_, io_, ec);
    return true;
  }
  Handler handler_;
  host::executor_type io_;
};

// Where each option lives among the core's socket options, one overload per option type.
constexpr auto member_of(std::type_identity<asio::ip::tcp::no_delay>) {
  return &tcp_socket_options::no_delay;
}
constexpr auto member_of(std::type_identity<delayed_ack>) {
  return &tcp_socket_options::delayed_ack;
}
constexpr auto member_of(std::type_identity<quick_ack>) { return &tcp_socket_options::quick_ack; }
constexpr auto member_of(std::type_identity<window_scaling>) {
  return &tcp_socket_options::window_scaling;
}
constexpr auto member_of(std::type_identity<timestamps>) { return &tcp_socket_options::timestamps; }
constexpr auto member_of(std::type_identity<sack>) { return &tcp_socket_options::sack; }
constexpr auto member_of(std::type_identity<congestion>) { return &tcp_socket_options::congestion; }
constexpr auto member_of(std::type_identity<asio::socket_base::keep_alive>) {
  return &tcp_socket_options::keepalive;
}
constexpr auto member_of(std::type_identity<asio::socket_base::send_buffer_size>) {
  return &tcp_socket_options::send_buffer;
}
constexpr auto member_of(std::type_identity<asio::socket_base::receive_buffer_size>) {
  return &tcp_socket_options::receive_buffer;
}

// What a socket and an acceptor share: their state, opening, and options.
class object {
 public:
  using executor_type = host::executor_type;

  explicit object(host& h) : state_{std::make_shared<socket_state>(h)} {}
  object(object&&) = default;
  object& operator=(object&&) = default;

  executor_type get_executor() { return state_->owner.get_executor(); }
  bool is_open() const { return state_->id.has_value(); }
  // IPv4 only: tcp::v6() is address_family_not_supported. Opening an open object is already_open.
  void open(const asio::ip::tcp& protocol, error_code& ec);
  void open(const asio::ip::tcp& protocol = asio::ip::tcp::v4());

  template <class Option>
  void set_option(const Option& option, error_code& ec) {
    tcp_socket_options o;
    if ((ec = current(o))) return;
    const auto value = option.value();
    if constexpr (std::is_signed_v<decltype(value)>)
      if (value < 0) {
        ec = asio::error::invalid_argument;
        return;
      }
    auto& field = o.*member_of(std::type_identity<Option>{});
    field = static_cast<std::remove_reference_t<decltype(field)>>(value);
    ec = apply(o);
  }
  template <class Option>
  void set_option(const Option& option) {
    error_code ec;
    set_option(option, ec);
    if (ec) throw boost::system::system_error(ec, "set_option");
  }
  template <class Option>
  void get_option(Option& option) const {
    tcp_socket_options o;
    if (const auto ec = current(o)) throw boost::system::system_error(ec, "get_option");
    option = Option(o.*member_of(std::type_identity<Option>{}));
  }

 protected:
  error_code current(tcp_socket_options& o) const;
  error_code apply(const tcp_socket_options& o);

  std::shared_ptr<socket_state> state_;
};

}  // namespace detail

class socket : public detail::object {
 public:
  explicit socket(host& h) : object{h} {}
  ~socket();
  socket(socket&&) = default;
  socket& operator=(socket&&) = default;

  endpoint local_endpoint() const;
  endpoint remote_endpoint() const;
  void shutdown(asio::socket_base::shutdown_type what);
  void close(error_code& ec);
  void close();
  void cancel();
  std::optional<tcp_connection_info> info() const;

  template <class Token>
  auto async_connect(const endpoint& remote, Token&& token) {
    return asio::async_initiate<Token, void(error_code)>(
        [this, remote](auto handler) {
          asio::post(get_executor(), [state = state_, remote, h = std::move(handler)]() mutable {
            ipv4_endpoint e;
            if (auto bad = detail::from_asio(remote, e))
              return detail::post_completion(h, state->owner.get_executor(), bad);
            if (!state->id) state->attach(state->layer().open());
            if (const auto ec = state->layer().connect(*state->id, e, state->owner.now()))
              return detail::post_completion(h, state->owner.get_executor(), detail::to_asio(ec));
            state->owner.flush();
            using op = detail::connect_op<decltype(h)>;
            state->others.push_back(
                std::make_unique<op>(std::move(h), state->owner.get_executor()));
            state->deliver();
          });
        },
        token);
  }

  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return start<detail::read_op, &detail::socket_state::reads>(buffers,
                                                                std::forward<Token>(token));
  }
  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return start<detail::write_op, &detail::socket_state::writes>(buffers,
                                                                  std::forward<Token>(token));
  }

  // The acceptor hands an accepted connection over.
  void assign(tcp_socket_id handle) { state_->attach(handle); }

 private:
  template <template <class, class> class Op, auto Queue, class Buffers, class Token>
  auto start(const Buffers& buffers, Token&& token) {
    return asio::async_initiate<Token, void(error_code, std::size_t)>(
        [this, buffers](auto handler) {
          using op = Op<Buffers, decltype(handler)>;
          auto pending = std::make_unique<op>(buffers, std::move(handler), get_executor());
          asio::post(get_executor(), [state = state_, pending = std::move(pending)]() mutable {
            if (!state->id) return pending->abort(asio::error::bad_descriptor);
            ((*state).*Queue).push_back(std::move(pending));
            state->deliver();
          });
        },
        token);
  }
};

class acceptor : public detail::object {
 public:
  explicit acceptor(host& h) : object{h} {}
  // Opens, binds and listens, as asio's acceptor(io, endpoint) does.
  acceptor(host& h, const endpoint& local, std::size_t backlog = 128);
  ~acceptor();
  acceptor(const acceptor&) = delete;
  acceptor& operator=(const acceptor&) = delete;

  void bind(const endpoint& local, error_code& ec);
  void listen(std::size_t backlog, error_code& ec);
  endpoint local_endpoint() const;
  void close();

  // Completes with the next connection assigned to peer, which must not be open.
  template <class Token>
  auto async_accept(socket& peer, Token&& token) {
    return asio::async_initiate<Token, void(error_code)>(
        [this, &peer](auto handler) {
          using op = accept_op<decltype(handler)>;
          auto pending = std::make_unique<op>(peer, std::move(handler), get_executor());
          asio::post(get_executor(), [state = state_, pending = std::move(pending)]() mutable {
            if (!state->id) return pending->abort(asio::error::bad_descriptor);
            state->others.push_back(std::move(pending));
            state->deliver();
          });
        },
        token);
  }

 private:
  template <class Handler>
  class accept_op final : public detail::op {
   public:
    accept_op(socket& peer, Handler&& h, host::executor_type io)
        : peer_{peer}, handler_{std::move(h)}, io_{io} {}
    bool perform(detail::socket_state& s) override {
      tcp_socket_id accepted = 0;
      const auto ec = s.layer().accept(*s.id, accepted);
      if (ec == std::errc::operation_would_block) return false;
      if (!ec) peer_.assign(accepted);
      detail::post_completion(handler_, io_, detail::to_asio(ec));
      return true;
    }
    void abort(const error_code& ec) override { detail::post_completion(handler_, io_, ec); }

   private:
    socket& peer_;
    Handler handler_;
    host::executor_type io_;
  };
};

}  // namespace tapstack::tcp
