#include "stack/asio/udp_socket.hpp"

namespace tapstack::udp {
namespace detail {

void socket_state::deliver() {
  // A stopped host receives nothing more: whatever waits, or comes to wait, is aborted.
  if (owner.stopped()) return abort_pending(asio::error::operation_aborted);
  udp_layer& udp = owner.core().udp();
  while (id && !pending.empty() && udp.ready(*id)) {
    udp_datagram d;
    const auto ec = udp.receive(*id, d);
    auto op = std::move(pending.front());
    pending.pop_front();
    op->complete(to_asio(ec), ec ? nullptr : &d);
  }
}

void socket_state::abort_pending(const error_code& ec) {
  while (!pending.empty()) {
    auto op = std::move(pending.front());
    pending.pop_front();
    op->complete(ec, nullptr);
  }
}

}  // namespace detail

socket::~socket() {
  error_code ignored;
  close(ignored);
}

void socket::open(error_code& ec) {
  if (state_->id) {
    ec = asio::error::already_open;
    return;
  }
  udp_layer& udp = state_->owner.core().udp();
  state_->id = udp.open();
  // The core calls this while it processes a frame: only schedule, never call back into it.
  std::weak_ptr<detail::socket_state> weak = state_;
  udp.on_ready(*state_->id, [weak, ex = get_executor()] {
    asio::post(ex, [weak] {
      if (auto state = weak.lock()) state->deliver();
    });
  });
  state_->owner.on_stop(weak);
  ec = {};
}

void socket::bind(const endpoint& local, error_code& ec) {
  ipv4_endpoint e;
  if ((ec = detail::from_asio(local, e))) return;
  if (!state_->id) open(ec);
  if (!ec) ec = detail::to_asio(state_->owner.core().udp().bind(*state_->id, e));
}

void socket::connect(const endpoint& remote, error_code& ec) {
  ipv4_endpoint e;
  if ((ec = detail::from_asio(remote, e))) return;
  if (!state_->id) open(ec);
  if (!ec) ec = detail::to_asio(state_->owner.core().udp().connect(*state_->id, e));
}

void socket::close(error_code& ec) {
  ec = {};
  if (!state_->id) return;
  state_->abort_pending(asio::error::operation_aborted);
  ec = detail::to_asio(state_->owner.core().udp().close(*state_->id));
  state_->id.reset();
}

void socket::cancel() { state_->abort_pending(asio::error::operation_aborted); }

endpoint socket::local_endpoint() const {
  const auto e = state_->id ? state_->owner.core().udp().local_endpoint(*state_->id) : std::nullopt;
  if (!e) throw boost::system::system_error(asio::error::bad_descriptor, "local_endpoint");
  return detail::to_asio(*e);
}

endpoint socket::remote_endpoint() const {
  const auto e =
      state_->id ? state_->owner.core().udp().remote_endpoint(*state_->id) : std::nullopt;
  if (!e) throw boost::system::system_error(asio::error::not_connected, "remote_endpoint");
  return detail::to_asio(*e);
}

error_code socket::receive_now(udp_datagram& out) {
  if (!state_->id) return asio::error::bad_descriptor;
  return detail::to_asio(state_->owner.core().udp().receive(*state_->id, out));
}

error_code socket::send_now(const_byte_span data, const endpoint& to, bool connected) {
  if (!state_->id) return asio::error::bad_descriptor;
  udp_layer& udp = state_->owner.core().udp();
  const instant now = state_->owner.now();
  std::error_code ec;
  if (connected) {
    ec = udp.send(*state_->id, data, now);
  } else {
    ipv4_endpoint e;
    if (const auto bad = detail::from_asio(to, e)) return bad;
    ec = udp.send_to(*state_->id, data, e, now);
  }
  state_->owner.flush();
  return detail::to_asio(ec);
}

// The throwing forms, as Asio's own sockets have them.
namespace {
template <class F>
void or_throw(F&& f, const char* what) {
  error_code ec;
  f(ec);
  if (ec) throw boost::system::system_error(ec, what);
}
}  // namespace

void socket::open() {
  or_throw([&](error_code& ec) { open(ec); }, "open");
}
void socket::bind(const endpoint& local) {
  or_throw([&](error_code& ec) { bind(local, ec); }, "bind");
}
void socket::connect(const endpoint& remote) {
  or_throw([&](error_code& ec) { connect(remote, ec); }, "connect");
}
void socket::close() {
  or_throw([&](error_code& ec) { close(ec); }, "close");
}

}  // namespace tapstack::udp
