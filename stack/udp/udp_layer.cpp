#include "stack/udp/udp_layer.hpp"

#include "stack/wire/udp.hpp"

namespace tapstack {
namespace {

std::error_code error(std::errc e) { return std::make_error_code(e); }

// What a connected socket is told when an ICMP error names its peer (RFC 1122 4.1.3.3; the
// errno values Linux reports).
std::error_code socket_error(const icmp_error& e) {
  if (e.type == icmp_type::time_exceeded) return error(std::errc::host_unreachable);
  switch (e.code) {
    case 0:
      return error(std::errc::network_unreachable);
    case 2:
      return error(std::errc::protocol_not_supported);
    case 3:
      return error(std::errc::connection_refused);
    case 4:
      return error(std::errc::message_size);
    default:
      return error(std::errc::host_unreachable);
  }
}

}  // namespace

udp_socket_id udp_layer::open() {
  const udp_socket_id id = next_id_++;
  sockets_.emplace(id, socket{});
  return id;
}

udp_layer::socket* udp_layer::find(udp_socket_id s) {
  const auto it = sockets_.find(s);
  return it == sockets_.end() ? nullptr : &it->second;
}

const udp_layer::socket* udp_layer::find(udp_socket_id s) const {
  const auto it = sockets_.find(s);
  return it == sockets_.end() ? nullptr : &it->second;
}

std::error_code udp_layer::close(udp_socket_id s) {
  const socket* sock = find(s);
  if (!sock) return error(std::errc::bad_file_descriptor);
  if (sock->local) {
    ports_.release(sock->local->port);
    by_port_.erase(sock->local->port);
  }
  sockets_.erase(s);
  return {};
}

std::error_code udp_layer::bind(udp_socket_id s, ipv4_endpoint local) {
  socket* sock = find(s);
  if (!sock) return error(std::errc::bad_file_descriptor);
  if (sock->local) return error(std::errc::invalid_argument);
  if (!local.address.is_unspecified() && local.address != ctx_.config.address.address)
    return error(std::errc::address_not_available);
  if (local.port == 0) {
    if (const auto ec = bind_ephemeral(s, *sock)) return ec;
    sock->local->address = local.address;
    return {};
  }
  if (ports_.in_use(local.port)) return error(std::errc::address_in_use);
  ports_.hold(local.port);
  by_port_.emplace(local.port, s);
  sock->local = local;
  return {};
}

std::error_code udp_layer::bind_ephemeral(udp_socket_id s, socket& sock) {
  std::uint16_t port = 0;
  if (const auto ec = ports_.allocate(port)) return ec;
  by_port_.emplace(port, s);
  sock.local = ipv4_endpoint{ipv4_address::any(), port};
  return {};
}

std::error_code udp_layer::connect(udp_socket_id s, ipv4_endpoint remote) {
  socket* sock = find(s);
  if (!sock) return error(std::errc::bad_file_descriptor);
  if (remote.port == 0 || remote.address.is_unspecified())
    return error(std::errc::invalid_argument);
  if (!sock->local)
    if (const auto ec = bind_ephemeral(s, *sock)) return ec;
  sock->remote = remote;
  return {};
}

std::error_code udp_layer::send_to(udp_socket_id s, const_byte_span data, ipv4_endpoint to,
                                   instant now) {
  socket* sock = find(s);
  if (!sock) return error(std::errc::bad_file_descriptor);
  if (to.port == 0 || to.address.is_unspecified()) return error(std::errc::invalid_argument);
  if (!sock->local)
    if (const auto ec = bind_ephemeral(s, *sock)) return ec;
  return transmit(*sock, data, to, now);
}

std::error_code udp_layer::send(udp_socket_id s, const_byte_span data, instant now) {
  const socket* sock = find(s);
  if (!sock) return error(std::errc::bad_file_descriptor);
  if (!sock->remote) return error(std::errc::not_connected);
  return transmit(*sock, data, *sock->remote, now);
}

std::error_code udp_layer::transmit(const socket& sock, const_byte_span data, ipv4_endpoint to,
                                    instant now) {
  if (data.size() > max_payload) return error(std::errc::message_size);
  if (!ip_.can_send_to(to.address)) return error(std::errc::address_not_available);
  frame f = ip_.allocate(udp::header_len + data.size());
  udp_repr{sock.local->port, to.port, data}.emit(f.bytes(), ctx_.config.address.address,
                                                 to.address);
  ctx_.stats.count(event::udp_datagrams_out);
  ip_.send(std::move(f), to.address, ip_protocol::udp, now);
  return {};
}

std::error_code udp_layer::receive(udp_socket_id s, udp_datagram& out) {
  socket* sock = find(s);
  if (!sock) return error(std::errc::bad_file_descriptor);
  if (sock->error) return std::exchange(sock->error, {});
  if (sock->queue.empty()) return error(std::errc::operation_would_block);
  out = std::move(sock->queue.front());
  sock->queue.pop_front();
  sock->queued_bytes -= out.data.size();
  return {};
}

bool udp_layer::ready(udp_socket_id s) const {
  const socket* sock = find(s);
  return !sock || sock->error || !sock->queue.empty();
}

std::optional<ipv4_endpoint> udp_layer::local_endpoint(udp_socket_id s) const {
  const socket* sock = find(s);
  return sock ? sock->local : std::nullopt;
}

std::optional<ipv4_endpoint> udp_layer::remote_endpoint(udp_socket_id s) const {
  const socket* sock = find(s);
  return sock ? sock->remote : std::nullopt;
}

void udp_layer::on_ready(udp_socket_id s, std::function<void()> notify) {
  if (socket* sock = find(s)) sock->notify = std::move(notify);
}

void udp_layer::wake(socket& sock) {
  if (sock.notify) sock.notify();
}

void udp_layer::receive(const ipv4_packet& packet, instant now) {
  const auto view = udp_view::check(packet.payload);
  if (!view) return ctx_.drop(view.error(), now);
  const auto parsed =
      udp_repr::parse(*view, packet.header.src, packet.header.dst, packet.checksum_verified);
  if (!parsed) return ctx_.drop(parsed.error(), now);
  const udp_repr& udp = *parsed;
  const ipv4_endpoint from{packet.header.src, udp.src_port};

  // One socket per port; a connected one takes only its peer's datagrams (as Linux scores them,
  // a stranger's datagram finds no socket and is answered with port unreachable).
  const auto it = by_port_.find(udp.dst_port);
  socket* sock = it == by_port_.end() ? nullptr : find(it->second);
  if (sock && sock->remote && *sock->remote != from) sock = nullptr;
  if (!sock) {
    ctx_.drop(drop_reason::udp_no_socket, now);
    return icmp_.send_unreachable(packet, unreachable_code::port, now);
  }
  const udp_config& c = ctx_.config.udp;
  if (sock->queue.size() >= c.max_queued_datagrams ||
      sock->queued_bytes + udp.payload.size() > c.max_queued_bytes)
    return ctx_.drop(drop_reason::udp_queue_full, now);
  sock->queue.push_back({from, {udp.payload.begin(), udp.payload.end()}});
  sock->queued_bytes += udp.payload.size();
  ctx_.stats.count(event::udp_datagrams_in);
  wake(*sock);
}

void udp_layer::receive_error(const icmp_error& e, instant now) {
  const auto quoted = quoted_udp_view::check(e.original.payload_start);
  if (!quoted) return ctx_.drop(quoted.error(), now);
  const ipv4_endpoint peer{e.original.dst, quoted->dst_port()};
  const auto it = by_port_.find(quoted->src_port());
  socket* sock = it == by_port_.end() ? nullptr : find(it->second);
  if (!sock) return ctx_.drop(drop_reason::icmp_error_unmatched, now);
  // Only a connected socket hears of it (Linux without IP_RECVERR); the error is kept for the
  // next call, as a socket's pending error is.
  if (!sock->remote || *sock->remote != peer) return;
  sock->error = socket_error(e);
  wake(*sock);
}

void udp_layer::add_held(held_resources& h) const {
  h.udp_sockets += sockets_.size();
  for (const auto& [id, sock] : sockets_) h.udp_bytes += sock.queued_bytes;
}

}  // namespace tapstack
