#include "stack/asio/tcp_socket.hpp"

namespace tapstack::tcp {
namespace detail {

socket_state::~socket_state() {
  // Operations left when the last reference goes (the host stopped before they could end) are
  // freed without running their handlers.
  for (auto* queue : {&others, &writes, &reads})
    while (!queue->empty()) queue->pop();
}

void socket_state::attach(tcp_socket_id handle) {
  id = handle;
  // The core calls this while it processes a segment: only schedule, never call back into it.
  std::weak_ptr<socket_state> weak = weak_from_this();
  layer().on_ready(handle, [weak] {
    const auto state = weak.lock();
    if (!state || std::exchange(state->delivery_pending, true)) return;
    state->owner.wake(weak, state->memory);
  });
  owner.on_stop(weak);
}

void socket_state::start(op_ptr pending, op_queue socket_state::*queue) {
  asio::dispatch(owner.get_executor(),
                 [self = shared_from_this(), pending = std::move(pending), queue]() mutable {
                   if (!self->id) return pending->abort(asio::error::bad_descriptor);
                   ((*self).*queue).push(std::move(pending));
                   self->deliver(false);
                 });
}

void socket_state::deliver(bool here) {
  delivery_pending = false;
  // A stopped host moves no more data: whatever waits, or comes to wait, is aborted.
  if (owner.stopped()) return abort_all(asio::error::operation_aborted);
  // Each operation leaves its queue before its handler can run, and start another.
  for (auto* queue : {&others, &writes, &reads})
    while (id && !queue->empty() && queue->front().perform(*this))
      queue->pop().release()->finish(here);
}

void socket_state::abort_all(const error_code& ec) {
  for (auto* queue : {&others, &writes, &reads})
    while (!queue->empty()) queue->pop()->abort(ec);
}

bool socket_state::ready(asio::socket_base::wait_type what) {
  switch (what) {
    case asio::socket_base::wait_read:
      return layer().readable(*id);
    case asio::socket_base::wait_write:
      return layer().writable(*id);
    case asio::socket_base::wait_error:
      break;
  }
  return static_cast<bool>(layer().pending_error(*id));
}

// The core's handle for a socket, or 0, which it never gives and answers with bad_descriptor.
tcp_socket_id handle(const socket_state& s) { return s.id.value_or(0); }

std::size_t read_into(socket_state& s, byte_span out, error_code& ec) {
  std::size_t n = 0;
  const auto e = s.layer().receive(handle(s), out, n, s.owner.now());
  if (!e && n > 0) s.owner.flush();  // a window update may be due
  ec = e ? to_asio(e) : n == 0 ? error_code{asio::error::eof} : error_code{};
  return n;
}

std::size_t write_from(socket_state& s, const_byte_span data, error_code& ec) {
  std::size_t n = 0;
  const auto e = s.layer().send(handle(s), data, n, s.owner.now());
  if (e != std::errc::operation_would_block) s.owner.flush();
  ec = to_asio(e);
  return n;
}

void object::open(const asio::ip::tcp& protocol, error_code& ec) {
  if (protocol != asio::ip::tcp::v4()) {
    ec = asio::error::address_family_not_supported;
    return;
  }
  if (state_->id) {
    ec = asio::error::already_open;
    return;
  }
  state_->attach(state_->layer().open());
  ec = {};
}

void object::open(const asio::ip::tcp& protocol) {
  error_code ec;
  open(protocol, ec);
  detail::throw_on_error(ec, "open");
}

error_code object::current(tcp_socket_options& o) const {
  const auto got = state_->id ? state_->layer().options(*state_->id) : std::nullopt;
  if (!got) return asio::error::bad_descriptor;
  o = *got;
  return {};
}

error_code object::apply(const tcp_socket_options& o) {
  const auto ec = to_asio(state_->layer().set_options(*state_->id, o, state_->owner.now()));
  state_->owner.flush();
  return ec;
}

}  // namespace detail

namespace {

std::error_code close_handle(detail::socket_state& s) {
  if (!s.id) return {};
  s.abort_all(asio::error::operation_aborted);
  const auto ec = s.layer().close(*s.id, s.owner.now());
  s.id.reset();
  s.owner.flush();
  return ec;
}

}  // namespace

socket::~socket() {
  if (state_) close_handle(*state_);
}

endpoint socket::local_endpoint() const {
  const auto e = state_->id ? state_->layer().local_endpoint(*state_->id) : std::nullopt;
  if (!e) throw boost::system::system_error(asio::error::bad_descriptor, "local_endpoint");
  return detail::to_asio(*e);
}

endpoint socket::remote_endpoint() const {
  const auto e = state_->id ? state_->layer().remote_endpoint(*state_->id) : std::nullopt;
  if (!e) throw boost::system::system_error(asio::error::not_connected, "remote_endpoint");
  return detail::to_asio(*e);
}

void socket::shutdown(asio::socket_base::shutdown_type what, error_code& ec) {
  ec = {};
  if (!state_->id) {
    ec = asio::error::bad_descriptor;
    return;
  }
  if (what == asio::socket_base::shutdown_receive) return;  // nothing to tell the peer
  if ((ec = detail::to_asio(state_->layer().shutdown_send(*state_->id, state_->owner.now()))))
    return;
  state_->owner.flush();
}

void socket::shutdown(asio::socket_base::shutdown_type what) {
  error_code ec;
  shutdown(what, ec);
  detail::throw_on_error(ec, "shutdown");
}

void socket::close(error_code& ec) { ec = detail::to_asio(close_handle(*state_)); }

void socket::close() {
  error_code ec;
  close(ec);
  detail::throw_on_error(ec, "close");
}

void socket::cancel() { state_->abort_all(asio::error::operation_aborted); }

std::size_t socket::available(error_code& ec) const {
  ec = state_->id ? error_code{} : error_code{asio::error::bad_descriptor};
  return state_->id ? state_->layer().available(*state_->id) : 0;
}

std::size_t socket::available() const {
  return detail::or_throw("available", [&](error_code& ec) { return available(ec); });
}

void socket::non_blocking(bool mode, error_code& ec) {
  ec = mode ? error_code{} : error_code{asio::error::operation_not_supported};
}

void socket::non_blocking(bool mode) {
  error_code ec;
  non_blocking(mode, ec);
  detail::throw_on_error(ec, "non_blocking");
}

std::optional<tcp_connection_info> socket::info() const {
  return state_->id ? state_->layer().info(*state_->id) : std::nullopt;
}

acceptor::acceptor(host& h, const endpoint& local, std::size_t backlog) : acceptor{h} {
  error_code ec;
  bind(local, ec);
  if (!ec) listen(backlog, ec);
  detail::throw_on_error(ec, "acceptor");
}

acceptor::~acceptor() { close(); }

void acceptor::bind(const endpoint& local, error_code& ec) {
  ipv4_endpoint e;
  if ((ec = detail::from_asio(local, e))) return;
  if (!state_->id) state_->attach(state_->layer().open());
  ec = detail::to_asio(state_->layer().bind(*state_->id, e));
}

void acceptor::listen(std::size_t backlog, error_code& ec) {
  if (!state_->id) state_->attach(state_->layer().open());
  ec = detail::to_asio(state_->layer().listen(*state_->id, backlog));
}

void acceptor::accept(socket& peer, error_code& ec) {
  if (!state_->id) {
    ec = asio::error::bad_descriptor;
    return;
  }
  tcp_socket_id accepted = 0;
  ec = detail::to_asio(state_->layer().accept(*state_->id, accepted));
  if (!ec) peer.assign(accepted);
}

endpoint acceptor::local_endpoint() const {
  const auto e = state_->id ? state_->layer().local_endpoint(*state_->id) : std::nullopt;
  if (!e) throw boost::system::system_error(asio::error::bad_descriptor, "local_endpoint");
  return detail::to_asio(*e);
}

void acceptor::close() { close_handle(*state_); }

}  // namespace tapstack::tcp
