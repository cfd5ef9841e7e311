#pragma once
// tapstack::tcp::socket and tcp::acceptor: TCP on a tapstack host that reads like
// asio::ip::tcp::socket and acceptor. The socket models AsyncReadStream and AsyncWriteStream
// (async_read_some, async_write_some), so asio::async_read, async_write and async_read_until work
// over it; the orderly end of the stream reads as asio::error::eof, a reset as
// connection_reset, a refused connect as connection_refused, a timeout as timed_out. Operations
// run on the host's executor; the synchronous calls belong on the host's thread and never block
// (socket::non_blocking says why). Pending operations complete with operation_aborted on
// cancel() and close(). The host outlives them. An operation and its completion live in the
// handler's allocator, or else in memory the socket recycles (handler_memory.hpp), so a steady
// read/write loop allocates nothing per operation.
// Options (Asio's no_delay, keep_alive, send_buffer_size and receive_buffer_size; tapstack's
// delayed_ack, quick_ack and congestion) may be set once the object is open: on a socket before
// it connects, or on an acceptor for the connections it will accept.
#include <algorithm>
#include <memory>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "stack/asio/asio.hpp"
#include "stack/asio/conversions.hpp"
#include "stack/asio/handler_memory.hpp"
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

using tapstack::from_asio;
using tapstack::to_asio;
inline endpoint to_asio(const ipv4_endpoint& e) { return to_asio_endpoint<endpoint>(e); }

inline void throw_on_error(const error_code& ec, const char* what) {
  if (ec) throw boost::system::system_error(ec, what);
}

// The throwing twin of a call that reports through an error_code&: f(ec)'s result, or what.
template <class F>
auto or_throw(const char* what, F f) {
  error_code ec;
  auto result = f(ec);
  throw_on_error(ec, what);
  return result;
}

struct socket_state;

// An operation waiting for the connection to be ready for it. It lives in its handler's memory
// (handler_op) and is freed through destroy(), or by finish().
class op {
 public:
  // Tries once; true when it completed: its outcome is kept for finish().
  virtual bool perform(socket_state& s) = 0;
  // Hands the kept outcome to the handler and frees the operation (before the handler runs, so
  // that the handler can start its next operation in the same memory). With here, the handler
  // may run at once, from inside this call: allowed only where no initiating function is on the
  // stack (a turn of the runner, a posted delivery), as Asio's own reactor runs the operations it
  // completes. Otherwise it is posted.
  virtual void finish(bool here) = 0;
  // Posts the handler with ec; the owner still frees the operation.
  virtual void abort(const error_code& ec) = 0;
  virtual void destroy() = 0;
  op* next = nullptr;  // in its socket's queue

 protected:
  ~op() = default;
};

struct op_deleter {
  void operator()(op* o) const { o->destroy(); }
};
using op_ptr = std::unique_ptr<op, op_deleter>;

// A socket's operations of one kind, in order, linked through themselves: queuing allocates
// nothing.
class op_queue {
 public:
  bool empty() const { return head_ == nullptr; }
  op& front() const { return *head_; }
  void push(op_ptr o) {
    op* p = o.release();
    (tail_ ? tail_->next : head_) = p;
    tail_ = p;
  }
  op_ptr pop() {
    op* p = std::exchange(head_, head_->next);
    if (!head_) tail_ = nullptr;
    p->next = nullptr;
    return op_ptr{p};
  }

 private:
  op* head_ = nullptr;
  op* tail_ = nullptr;
};

struct socket_state final : std::enable_shared_from_this<socket_state>,
                            host::stoppable,
                            host::wakeable {
  explicit socket_state(host& h) : owner{h} {}
  ~socket_state();
  // Takes a handle of the TCP layer and asks to be told when it becomes ready.
  void attach(tcp_socket_id handle);
  // Queues an operation and runs what can complete now. On the host's thread this happens at
  // once (an operation started by a completion handler takes no trip through the io_context);
  // from another thread (use_future) it is posted to the host's.
  void start(op_ptr pending, op_queue socket_state::*queue);
  // Runs what can complete now, in order within reads, writes and the rest; with here, their
  // handlers run at once (op::finish says where that is allowed).
  void deliver(bool here);
  // The host woke it at the end of a runner's turn: deliver, handlers at once.
  void wake() override { deliver(true); }
  void abort_all(const error_code& ec);
  void abort_on_stop() override { abort_all(asio::error::operation_aborted); }
  bool ready(asio::socket_base::wait_type what);
  tcp_layer& layer() { return owner.core().tcp(); }

  host& owner;
  std::optional<tcp_socket_id> id;
  op_queue reads, writes, others;
  std::shared_ptr<handler_memory> memory = std::make_shared<handler_memory>();
  bool delivery_pending = false;       // one readiness notice in flight at a time
  std::vector<std::uint8_t> gathered;  // a write of many buffers, copied into one (write_now)
};

// What read_some and a read operation do: read what is in order now (the first buffer's worth).
// would_block when nothing is; eof at the end of the stream.
std::size_t read_into(socket_state& s, byte_span out, error_code& ec);
// What write_some and a write operation do: queue what fits now; would_block when nothing does.
std::size_t write_from(socket_state& s, const_byte_span data, error_code& ec);

template <class MutableBuffers>
std::size_t read_now(socket_state& s, const MutableBuffers& buffers, error_code& ec) {
  ec = {};
  if (asio::buffer_size(buffers) == 0) return 0;
  const asio::mutable_buffer first = *asio::buffer_sequence_begin(buffers);
  return read_into(s, {static_cast<std::uint8_t*>(first.data()), first.size()}, ec);
}

// A sequence of buffers (Beast's serializer writes a header as many small ones) is queued in one
// call, so it can leave as one segment rather than one piece per round trip: up to this much of
// it, copied into one (write_some may write part), so that the copy stays small.
constexpr std::size_t max_gathered = 64 * 1024;

template <class ConstBuffers>
std::size_t write_now(socket_state& s, const ConstBuffers& buffers, error_code& ec) {
  ec = {};
  const std::size_t wanted = std::min(asio::buffer_size(buffers), max_gathered);
  if (wanted == 0) return 0;
  const asio::const_buffer first = *asio::buffer_sequence_begin(buffers);
  if (first.size() >= wanted)
    return write_from(s, {static_cast<const std::uint8_t*>(first.data()), first.size()}, ec);
  s.gathered.resize(wanted);
  asio::buffer_copy(asio::buffer(s.gathered), buffers);
  return write_from(s, s.gathered, ec);
}

// Where an operation for Handler lives: the handler's own allocator if it has one, else its
// socket's handler_memory.
template <class Handler>
using op_allocator = asio::associated_allocator_t<Handler, handler_allocator<void>>;

// What every operation holds (its handler, the allocator it was made with, the executor it
// completes on, its outcome once it has one) and how it ends: its handler called with
// (error_code, Results...). Derived is the operation's own type, which destroy() frees.
template <class Derived, class Handler, class... Results>
class handler_op : public op {
 public:
  handler_op(Handler&& h, const op_allocator<Handler>& alloc, host::executor_type io)
      : handler_{std::move(h)}, alloc_{alloc}, io_{io} {}
  void abort(const error_code& ec) override {
    complete(ec, Results{}...);
    const auto ex = asio::get_associated_executor(handler_, io_);
    asio::post(ex, take_call());
  }
  void finish(bool here) override {
    const auto ex = asio::get_associated_executor(handler_, io_);
    auto call = take_call();
    destroy();
    if (here)
      asio::dispatch(ex, std::move(call));
    else
      asio::post(ex, std::move(call));
  }
  void destroy() override {
    using traits =
        typename std::allocator_traits<op_allocator<Handler>>::template rebind_traits<Derived>;
    typename traits::allocator_type alloc{alloc_};  // a copy: the operation's own goes with it
    auto* self = static_cast<Derived*>(this);
    traits::destroy(alloc, self);
    traits::deallocate(alloc, self, 1);
  }

 protected:
  // Keeps the outcome for finish(). True, for perform() to return.
  bool complete(error_code ec, Results... results) {
    outcome_ = {ec, results...};
    return true;
  }

 private:
  // The handler and the outcome as one call, in the operation's allocator.
  auto take_call() {
    auto call = [h = std::move(handler_), outcome = outcome_]() mutable {
      std::apply(std::move(h), std::move(outcome));
    };
    return allocated_handler<decltype(call), op_allocator<Handler>>{std::move(call), alloc_};
  }

  Handler handler_;
  op_allocator<Handler> alloc_;
  host::executor_type io_;
  std::tuple<error_code, Results...> outcome_;
};

// Makes an operation of type Op for handler in the memory op_allocator chooses. The socket's
// memory belongs to the host's thread: an operation started on another takes the heap.
template <class Op, class Handler, class... Args>
op_ptr make_op(socket_state& s, Handler&& handler, Args&&... args) {
  const bool host_thread = s.owner.get_executor().running_in_this_thread();
  const auto alloc = asio::get_associated_allocator(
      handler, handler_allocator<void>{host_thread ? s.memory : nullptr});
  using traits = typename std::allocator_traits<
      std::remove_const_t<decltype(alloc)>>::template rebind_traits<Op>;
  typename traits::allocator_type op_alloc{alloc};
  Op* p = traits::allocate(op_alloc, 1);
  try {
    traits::construct(op_alloc, p, std::move(handler), alloc, s.owner.get_executor(),
                      std::forward<Args>(args)...);
  } catch (...) {
    traits::deallocate(op_alloc, p, 1);
    throw;
  }
  return op_ptr{p};
}

// A read or a write: transfer (read_now or write_now) tried until it would not block.
template <class Buffers, class Handler>
class transfer_op final : public handler_op<transfer_op<Buffers, Handler>, Handler, std::size_t> {
 public:
  using transfer = std::size_t (*)(socket_state&, const Buffers&, error_code&);
  transfer_op(Handler&& h, const op_allocator<Handler>& alloc, host::executor_type io, transfer t,
              const Buffers& b)
      : transfer_op::handler_op{std::move(h), alloc, io}, transfer_{t}, buffers_{b} {}
  bool perform(socket_state& s) override {
    error_code ec;
    const std::size_t n = transfer_(s, buffers_, ec);
    return ec != asio::error::would_block && this->complete(ec, n);
  }

 private:
  transfer transfer_;
  Buffers buffers_;
};

// Waits for connect() to finish: connected, or failed with the error the layer holds.
template <class Handler>
class connect_op final : public handler_op<connect_op<Handler>, Handler> {
 public:
  using connect_op::handler_op::handler_op;
  bool perform(socket_state& s) override {
    if (s.layer().connected(*s.id)) return this->complete({});
    if (!s.layer().readable(*s.id)) return false;
    std::uint8_t none[1];
    std::size_t n = 0;
    const auto ec = s.layer().receive(*s.id, {none, 0}, n, s.owner.now());
    return this->complete(ec ? to_asio(ec) : error_code{asio::error::not_connected});
  }
};

// Waits until the socket is ready to read, to write, or has failed (async_wait).
template <class Handler>
class wait_op final : public handler_op<wait_op<Handler>, Handler> {
 public:
  wait_op(Handler&& h, const op_allocator<Handler>& alloc, host::executor_type io,
          asio::socket_base::wait_type what)
      : wait_op::handler_op{std::move(h), alloc, io}, what_{what} {}
  bool perform(socket_state& s) override { return s.ready(what_) && this->complete({}); }

 private:
  asio::socket_base::wait_type what_;
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
    throw_on_error(ec, "set_option");
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

// Asio's socket_base names wait_read, shutdown_send and the option types on the socket's class,
// as on asio::ip::tcp::socket.
class socket : public detail::object, public asio::socket_base {
 public:
  // What asio::ssl::stream and Beast name to reach the socket under their layers.
  using lowest_layer_type = socket;

  explicit socket(host& h) : object{h} {}
  ~socket();
  socket(socket&&) = default;
  socket& operator=(socket&&) = default;

  lowest_layer_type& lowest_layer() { return *this; }
  const lowest_layer_type& lowest_layer() const { return *this; }
  endpoint local_endpoint() const;
  endpoint remote_endpoint() const;
  void shutdown(shutdown_type what, error_code& ec);
  void shutdown(shutdown_type what);
  void close(error_code& ec);
  void close();
  void cancel();
  std::optional<tcp_connection_info> info() const;
  // Bytes that read_some would return now without waiting.
  std::size_t available(error_code& ec) const;
  std::size_t available() const;

  // The synchronous calls never block: the socket is always in Asio's non-blocking mode. The
  // host runs on the thread that runs its io_context, and so does the caller of a synchronous
  // call; blocking there would wait for segments that only that thread could process (a
  // deadlock), and running the io_context from inside the call would run other handlers, and
  // this socket's own, in the middle of the caller's. So read_some and write_some move what
  // they can now and report would_block when that is nothing; async_wait (or the async_*
  // operations) waits. non_blocking(false) is operation_not_supported.
  bool non_blocking() const { return true; }
  void non_blocking(bool mode, error_code& ec);
  void non_blocking(bool mode);
  template <class MutableBuffers>
  std::size_t read_some(const MutableBuffers& buffers, error_code& ec) {
    return detail::read_now(*state_, buffers, ec);
  }
  template <class MutableBuffers>
  std::size_t read_some(const MutableBuffers& buffers) {
    return detail::or_throw("read_some", [&](error_code& ec) { return read_some(buffers, ec); });
  }
  template <class ConstBuffers>
  std::size_t write_some(const ConstBuffers& buffers, error_code& ec) {
    return detail::write_now(*state_, buffers, ec);
  }
  template <class ConstBuffers>
  std::size_t write_some(const ConstBuffers& buffers) {
    return detail::or_throw("write_some", [&](error_code& ec) { return write_some(buffers, ec); });
  }

  template <class Token>
  auto async_connect(const endpoint& remote, Token&& token) {
    return asio::async_initiate<Token, void(error_code)>(
        [this, remote](auto handler) {
          auto pending =
              detail::make_op<detail::connect_op<decltype(handler)>>(*state_, std::move(handler));
          asio::post(
              get_executor(), [state = state_, remote, pending = std::move(pending)]() mutable {
                ipv4_endpoint e;
                if (auto bad = detail::from_asio(remote, e)) return pending->abort(bad);
                if (!state->id) state->attach(state->layer().open());
                if (const auto ec = state->layer().connect(*state->id, e, state->owner.now()))
                  return pending->abort(detail::to_asio(ec));
                state->owner.flush();
                state->others.push(std::move(pending));
                state->deliver(true);
              });
        },
        token);
  }

  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return start<void(error_code, std::size_t), detail::transfer_op, MutableBuffers>(
        &detail::socket_state::reads, std::forward<Token>(token), &detail::read_now<MutableBuffers>,
        buffers);
  }
  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return start<void(error_code, std::size_t), detail::transfer_op, ConstBuffers>(
        &detail::socket_state::writes, std::forward<Token>(token), &detail::write_now<ConstBuffers>,
        buffers);
  }
  // Completes when read_some would not be would_block (wait_read), when write_some would not be
  // (wait_write), or when the connection has failed (wait_error: reset, refused, timed out).
  template <class Token>
  auto async_wait(wait_type what, Token&& token) {
    const auto queue = what == wait_read    ? &detail::socket_state::reads
                       : what == wait_write ? &detail::socket_state::writes
                                            : &detail::socket_state::others;
    return start<void(error_code), detail::wait_op>(queue, std::forward<Token>(token), what);
  }

  // The acceptor hands an accepted connection over.
  void assign(tcp_socket_id handle) { state_->attach(handle); }

 private:
  // Op<Extra..., Handler> made for the token's handler with args, started on queue. The args are
  // copied: a token such as use_awaitable runs the initiation later, when the caller's
  // temporaries are gone.
  template <class Signature, template <class...> class Op, class... Extra, class Token,
            class... Args>
  auto start(detail::op_queue detail::socket_state::*queue, Token&& token, const Args&... args) {
    return asio::async_initiate<Token, Signature>(
        [this, queue, args...](auto handler) {
          state_->start(detail::make_op<Op<Extra..., decltype(handler)>>(
                            *state_, std::move(handler), args...),
                        queue);
        },
        token);
  }
};

class acceptor : public detail::object {
 public:
  explicit acceptor(host& h) : object{h} {}
  // Opens, binds and listens, as asio's acceptor(io, endpoint) does, with the backlog Asio's
  // listen() takes by default: SOMAXCONN, 4096 on Linux, which a busy server needs (a burst of
  // connects past the backlog meets SYN cookies, and a cookie's ACK that finds the accept queue
  // full is dropped, leaving an idle client connected to nothing, as with Linux).
  acceptor(host& h, const endpoint& local,
           std::size_t backlog = asio::socket_base::max_listen_connections);
  ~acceptor();
  acceptor(const acceptor&) = delete;
  acceptor& operator=(const acceptor&) = delete;

  void bind(const endpoint& local, error_code& ec);
  void listen(std::size_t backlog, error_code& ec);
  // Assigns peer (not open) the next connection waiting; would_block when none is. Never blocks,
  // as the socket's synchronous calls: a server takes every waiting connection at once with it
  // after an async_accept completes, where one completion per turn of the io_context would take
  // one connection while a turn of the runner completes hundreds of handshakes.
  void accept(socket& peer, error_code& ec);
  endpoint local_endpoint() const;
  void close();

  // Completes with the next connection assigned to peer, which must not be open.
  template <class Token>
  auto async_accept(socket& peer, Token&& token) {
    return asio::async_initiate<Token, void(error_code)>(
        [this, &peer](auto handler) {
          state_->start(
              detail::make_op<accept_op<decltype(handler)>>(*state_, std::move(handler), peer),
              &detail::socket_state::others);
        },
        token);
  }

 private:
  template <class Handler>
  class accept_op final : public detail::handler_op<accept_op<Handler>, Handler> {
   public:
    accept_op(Handler&& h, const detail::op_allocator<Handler>& alloc, host::executor_type io,
              socket& peer)
        : accept_op::handler_op{std::move(h), alloc, io}, peer_{peer} {}
    bool perform(detail::socket_state& s) override {
      tcp_socket_id accepted = 0;
      const auto ec = s.layer().accept(*s.id, accepted);
      if (ec == std::errc::operation_would_block) return false;
      if (!ec) peer_.assign(accepted);
      return this->complete(detail::to_asio(ec));
    }

   private:
    socket& peer_;
  };
};

}  // namespace tapstack::tcp
