#include "stack/asio/tcp_socket.hpp"

namespace tapstack::tcp {
namespace detail {

void socket_state::attach(tcp_socket_id handle) {
  id = handle;
  // The core calls this while it processes a segment: only schedule, never call back into it.
  std::weak_ptr<socket_state> weak = weak_from_this();
  layer().on_ready(handle, [weak, ex = owner.get_executor()] {
    asio::post(ex, [weak] {
      if (auto state = weak.lock()) state->deliver();
    });
  });
  owner.on_stop(weak, [weak] {
    if (auto state = weak.lock()) state->abort_all(asio::error::operation_aborted);
  });
}

void socket_state::deliver() {
  // A stopped host moves no more data: whatever waits, or comes to wait, is aborted.
  if (owner.stopped()) return abort_all(asio::error::operation_aborted);
  for (auto* queue : {&others, &writes, &reads})
    while (id && !queue->empty() && queue->front()->perform(*this)) queue->pop_front();
}

void socket_state::abort_all(const error_code& ec) {
  for (auto* queue : {&others, &writes, &reads})
    while (!queue->empty()) {
      auto pending = std::move(queue->front());
      queue->pop_front();
      pending->abort(ec);
    }
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
  if (ec) throw boost::system::system_error(ec, "open");
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

void socket::shutdown(asio::socket_base::shutdown_type what) {
  if (!state_->id) throw boost::system::system_error(asio::error::bad_descriptor, "shutdown");
  if (what == asio::socket_base::shutdown_receive) return;  // nothing to tell the peer
  if (const auto ec = state_->layer().shutdown_send(*state_->id, state_->owner.now()))
    throw boost::system::system_error(detail::to_asio(ec), "shutdown");
  state_->owner.flush();
}

void socket::close(error_code& ec) { ec = detail::to_asio(close_handle(*state_)); }

void socket::close() {
  error_code ec;
  close(ec);
  if (ec) throw boost::system::system_error(ec, "close");
}

void socket::cancel() { state_->abort_all(asio::error::operation_aborted); }

std::optional<tcp_connection_info> socket::info() const {
  return state_->id ? state_->layer().info(*state_->id) : std::nullopt;
}

acceptor::acceptor(host& h, const endpoint& local, std::size_t backlog) : acceptor{h} {
  error_code ec;
  bind(local, ec);
  if (!ec) listen(backlog, ec);
  if (ec) throw boost::system::system_error(ec, "acceptor");
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

endpoint acceptor::local_endpoint() const {
  const auto e = state_->id ? state_->layer().local_endpoint(*state_->id) : std::nullopt;
  if (!e) throw boost::system::system_error(asio::error::bad_descriptor, "local_endpoint");
  return detail::to_asio(*e);
}

void acceptor::close() { close_handle(*state_); }

}  // namespace tapstack::tcp
