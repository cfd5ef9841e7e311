#include "stack/tcp/tcp_layer.hpp"

#include "stack/tcp/tcp_connection.hpp"

#include <algorithm>

namespace tapstack {
namespace {

std::error_code error(std::errc e) { return std::make_error_code(e); }

}  // namespace

std::string to_string(const tcb& t) {
  return std::string{to_string(t.state)} + " " + to_string(t.tuple.local) + " > " +
         to_string(t.tuple.remote) + " snd.una=" + std::to_string(t.snd_una - t.iss) +
         " snd.nxt=" + std::to_string(t.snd_nxt - t.iss) + " snd.wnd=" + std::to_string(t.snd_wnd) +
         " rcv.nxt=" + std::to_string(t.rcv_nxt - t.irs) +
         " rcv.wnd=" + std::to_string(std::max(0, t.rcv_adv - t.rcv_nxt)) +
         " rto=" + to_string(t.rtt.rto());
}

tcp_layer::tcp_layer(host_context& ctx, ipv4_layer& ip)
    : ctx_{ctx},
      ip_{ip},
      secret_{ctx.random.next(), ctx.random.next()},
      isn_{secret_},
      cookies_{derive_key(secret_, 2)},
      connections_{0, tcp_tuple_hash{derive_key(secret_, 1)}},
      time_wait_{0, tcp_tuple_hash{derive_key(secret_, 1)}},
      ports_{ctx.config.tcp.ephemeral_ports, ctx.random} {}

tcp_layer::~tcp_layer() = default;

tcp_layer::socket* tcp_layer::find(tcp_socket_id s) {
  const auto it = sockets_.find(s);
  return it == sockets_.end() ? nullptr : &it->second;
}

const tcp_layer::socket* tcp_layer::find(tcp_socket_id s) const {
  const auto it = sockets_.find(s);
  return it == sockets_.end() ? nullptr : &it->second;
}

tcp_connection* tcp_layer::connection_of(tcp_socket_id s) const {
  const socket* sock = find(s);
  return sock ? sock->conn.get() : nullptr;
}

tcp_socket_id tcp_layer::open() {
  const tcp_socket_id id = next_id_++;
  sockets_.emplace(id, socket{.options = tcp_socket_options::defaults(ctx_.config.tcp)});
  return id;
}

std::error_code tcp_layer::bind(tcp_socket_id s, ipv4_endpoint local) {
  socket* sock = find(s);
  if (!sock) return error(std::errc::bad_file_descriptor);
  if (sock->local) return error(std::errc::invalid_argument);
  if (!local.address.is_unspecified() && local.address != ctx_.config.address.address)
    return error(std::errc::address_not_available);
  if (local.port == 0) return bind_ephemeral(*sock, std::nullopt);
  if (ports_.in_use(local.port)) return error(std::errc::address_in_use);
  ports_.hold(local.port);
  sock->local = local;
  return {};
}

std::error_code tcp_layer::bind_ephemeral(socket& s, const std::optional<ipv4_endpoint>& remote) {
  const ipv4_address self = ctx_.config.address.address;
  std::uint16_t port = 0;
  // For a connect, a port whose tuple is neither still in the table nor in TIME-WAIT (which keeps
  // it from an early reuse).
  const auto tuple_free = [&](std::uint16_t p) {
    if (!remote) return true;
    const tcp_tuple tuple{{self, p}, *remote};
    return !connections_.contains(tuple) && !time_wait_.contains(tuple);
  };
  if (const auto ec = ports_.allocate(port, tuple_free)) return ec;
  s.local = ipv4_endpoint{ipv4_address::any(), port};
  return {};
}

std::error_code tcp_layer::listen(tcp_socket_id s, std::size_t backlog) {
  socket* sock = find(s);
  if (!sock) return error(std::errc::bad_file_descriptor);
  if (sock->conn) return error(std::errc::invalid_argument);
  if (!sock->local)
    if (const auto ec = bind_ephemeral(*sock, std::nullopt)) return ec;
  sock->listening = true;
  sock->backlog = std::max<std::size_t>(backlog, 1);
  listeners_[sock->local->port] = s;
  return {};
}

std::error_code tcp_layer::accept(tcp_socket_id listener, tcp_socket_id& out) {
  socket* sock = find(listener);
  if (!sock) return error(std::errc::bad_file_descriptor);
  if (!sock->listening) return error(std::errc::invalid_argument);
  if (sock->accept_queue.empty()) return error(std::errc::operation_would_block);
  auto conn = std::move(sock->accept_queue.front());
  sock->accept_queue.pop_front();
  out = next_id_++;
  socket& accepted = sockets_[out];
  accepted.options = sock->options;
  accepted.local = conn->t.tuple.local;
  ports_.hold(accepted.local->port);  // the listener's port, shared
  conn->handle = out;
  conn->listener.reset();
  accepted.conn = std::move(conn);
  return {};
}

std::error_code tcp_layer::connect(tcp_socket_id s, ipv4_endpoint remote, instant now) {
  socket* sock = find(s);
  if (!sock) return error(std::errc::bad_file_descriptor);
  if (sock->listening) return error(std::errc::invalid_argument);
  if (sock->conn) return error(std::errc::already_connected);
  if (remote.port == 0 || !ip_.can_send_to(remote.address) || remote.address.is_broadcast() ||
      remote.address.is_multicast())
    return error(std::errc::invalid_argument);
  if (!sock->local)
    if (const auto ec = bind_ephemeral(*sock, remote)) return ec;
  const tcp_tuple tuple{{ctx_.config.address.address, sock->local->port}, remote};
  if (connections_.contains(tuple) || time_wait_.contains(tuple))
    return error(std::errc::address_in_use);
  if (at_connection_limit(now)) return error(std::errc::no_buffer_space);

  auto conn = std::make_shared<tcp_connection>(*this, ctx_, sock->options);
  tcb& t = conn->t;
  t.tuple = tuple;
  t.iss = isn_(tuple.local, tuple.remote, now);
  t.snd_una = t.iss;
  t.snd_nxt = t.iss + 1;
  t.snd_max = t.snd_nxt;
  t.snd_sml = t.iss;
  t.recover = t.iss;
  t.ts_offset = static_cast<std::uint32_t>(ctx_.random.next());
  t.snd_mss = static_cast<std::uint16_t>(std::min<std::size_t>(536, ctx_.config.mtu - 40));
  t.last_heard = now;
  conn->handle = s;
  conn->notify = sock->notify;
  sock->conn = conn;
  connections_.emplace(tuple, conn);
  ctx_.stats.count(event::tcp_active_opens);
  change_state(*conn, tcp_state::syn_sent, "connect", now);
  conn->send_syn(now);
  t.timers.arm(tcp_timer::retransmit, now + t.rtt.rto());
  schedule(*conn);
  return {};
}

std::error_code tcp_layer::send(tcp_socket_id s, const_byte_span data, std::size_t& queued,
                                instant now) {
  queued = 0;
  tcp_connection* c = connection_of(s);
  if (!c) return error(find(s) ? std::errc::not_connected : std::errc::bad_file_descriptor);
  tcb& t = c->t;
  if (t.error) return t.error;
  if (t.state == tcp_state::syn_sent || t.state == tcp_state::syn_received)
    return error(std::errc::operation_would_block);
  if (t.send_shut || (t.state != tcp_state::established && t.state != tcp_state::close_wait))
    return error(std::errc::broken_pipe);
  queued = t.send_buffer.write(data);
  if (queued == 0) return error(std::errc::operation_would_block);
  c->output(now);
  schedule(*c);
  return {};
}

std::error_code tcp_layer::receive(tcp_socket_id s, byte_span out, std::size_t& read, instant now) {
  read = 0;
  tcp_connection* c = connection_of(s);
  if (!c) return error(find(s) ? std::errc::not_connected : std::errc::bad_file_descriptor);
  tcb& t = c->t;
  if (!t.recv_buffer.empty()) {
    read = t.recv_buffer.read(out);
    // The window may have opened enough to be worth telling the peer (RFC 1122 4.2.3.3). What the
    // header can offer bounds it: a buffer larger than the largest window would otherwise make
    // every read send an ACK that repeats the last, which the peer counts as a duplicate.
    const std::uint32_t before = static_cast<std::uint32_t>(std::max(0, t.rcv_adv - t.rcv_nxt));
    const std::uint32_t threshold = std::min<std::uint32_t>(
        static_cast<std::uint32_t>(t.recv_buffer.capacity() / 2), t.snd_mss);
    const std::size_t offered = std::min(t.recv_buffer.free(), std::size_t{0xffff} << t.rcv_wscale);
    if (is_synchronized(t.state) && !t.fin_received && offered >= before + threshold) {
      t.ack_now = true;
      c->output(now);
      schedule(*c);
    }
    return {};
  }
  if (t.error) return std::exchange(t.error, error(std::errc::not_connected));
  if (t.fin_received) return {};
  if (t.state == tcp_state::closed) return error(std::errc::not_connected);
  return error(std::errc::operation_would_block);
}

std::error_code tcp_layer::shutdown_send(tcp_socket_id s, instant now) {
  tcp_connection* c = connection_of(s);
  if (!c) return error(find(s) ? std::errc::not_connected : std::errc::bad_file_descriptor);
  if (c->t.send_shut) return {};
  if (!c->send_fin("shutdown", now)) return error(std::errc::not_connected);
  schedule(*c);
  return {};
}

void tcp_layer::shut_down(instant) {
  stopping_ = true;
  // The line holds the connections themselves: whatever the table does meanwhile (a peer's RST
  // takes its connection out), close_next walks what was there at the stop. It walks in the
  // table's order, so that a connection reset there leaves the table where its neighbours are
  // already gone or at hand: an erase need not look for its predecessor in a cold list.
  stop_line_.clear();
  stop_line_.reserve(connections_.size());
  for (const auto& [tuple, conn] : connections_) stop_line_.push_back(conn);
  stop_next_ = 0;
}

bool tcp_layer::close_next(std::size_t n, bool reset, instant now) {
  for (; n > 0 && stop_next_ < stop_line_.size(); --n) {
    const std::shared_ptr<tcp_connection> conn = std::move(stop_line_[stop_next_++]);
    tcp_connection& c = *conn;
    if (c.t.state == tcp_state::closed || c.t.state == tcp_state::time_wait) continue;
    if (!c.t.send_shut && c.send_fin("host stopping", now)) schedule(c);
    if (!reset) continue;
    // SYN-SENT has nothing the peer would take a RST for.
    if (c.t.state != tcp_state::syn_sent) send_reset(c.t.tuple, c.t.snd_max, c.t.rcv_nxt, now);
    change_state(c, tcp_state::closed, "host stopping", now);
  }
  if (stop_next_ < stop_line_.size()) return true;
  stop_line_ = {};
  return false;
}

void tcp_layer::reset_all(instant now) {
  // The whole table goes at once, timers and all: each connection then leaves it without a lookup
  // or a heap update, which for 100,000 connections is a good part of the stop. The table is
  // walked as a local, so nothing a state change calls can disturb the walk.
  timers_.clear();
  const auto table = std::move(connections_);
  connections_.clear();
  last_found_ = nullptr;
  for (const auto& [tuple, conn] : table) {
    // SYN-SENT has nothing the peer would take a RST for.
    if (conn->t.state != tcp_state::syn_sent)
      send_reset(tuple, conn->t.snd_max, conn->t.rcv_nxt, now);
    change_state(*conn, tcp_state::closed, "host stopping", now);
  }
  // Their children gone, the listeners wait for no handshake.
  for (const auto& [port, id] : listeners_)
    if (socket* l = find(id)) l->pending = 0;
  // TIME-WAIT has told the peer everything: its records just go.
  while (!time_wait_.empty())
    change_state(time_wait_.begin()->second, tcp_state::closed, "host stopping", now);
}

std::error_code tcp_layer::close(tcp_socket_id s, instant now) {
  socket* sock = find(s);
  if (!sock) return error(std::errc::bad_file_descriptor);
  closed_.clear();
  if (sock->listening) {
    listeners_.erase(sock->local->port);
    // Connections not yet accepted go with the listener, reset (as Linux does). Found by a walk
    // over the table: closing a listener is rare, and its children need no list of their own.
    std::vector<std::shared_ptr<tcp_connection>> children;
    for (const auto& [tuple, conn] : connections_)
      if (conn->listener == s) children.push_back(conn);
    for (const auto& conn : children) {
      send_reset(conn->t.tuple, conn->t.snd_max, std::nullopt, now);
      change_state(*conn, tcp_state::closed, "listener closed", now);
    }
  } else if (auto conn = sock->conn) {
    conn->handle.reset();
    conn->notify = nullptr;
    tcb& t = conn->t;
    if (!t.recv_buffer.empty() && is_synchronized(t.state)) {
      // RFC 9293 3.10.4 leaves it open; Linux resets when unread data would be lost silently.
      send_reset(t.tuple, t.snd_max, t.rcv_nxt, now);
      change_state(*conn, tcp_state::closed, "close with unread data", now);
    } else if (t.state == tcp_state::syn_sent) {
      change_state(*conn, tcp_state::closed, "close", now);
    } else if (!t.send_shut &&
               (t.state == tcp_state::established || t.state == tcp_state::close_wait)) {
      shutdown_send(s, now);
    }
  }
  if (sock->local) ports_.release(sock->local->port);
  sockets_.erase(s);
  return {};
}

std::error_code tcp_layer::abort(tcp_socket_id s, instant now) {
  socket* sock = find(s);
  if (!sock) return error(std::errc::bad_file_descriptor);
  if (auto conn = sock->conn; conn && conn->t.state != tcp_state::closed) {
    tcb& t = conn->t;
    if (t.state != tcp_state::syn_sent) send_reset(t.tuple, t.snd_max, t.rcv_nxt, now);
    change_state(*conn, tcp_state::closed, "abort", now);
  }
  return close(s, now);
}

std::optional<tcp_socket_options> tcp_layer::options(tcp_socket_id s) const {
  const socket* sock = find(s);
  if (!sock) return std::nullopt;
  return sock->options;
}

std::error_code tcp_layer::set_options(tcp_socket_id s, const tcp_socket_options& o, instant now) {
  socket* sock = find(s);
  if (!sock) return error(std::errc::bad_file_descriptor);
  const auto in_range = [](std::size_t n) {
    return n >= min_socket_buffer && n <= max_socket_buffer;
  };
  if (!in_range(o.send_buffer) || !in_range(o.receive_buffer))
    return error(std::errc::invalid_argument);
  if (sock->conn) {
    tcb& t = sock->conn->t;
    if (o.send_buffer < t.send_buffer.size() || o.receive_buffer < t.recv_buffer.capacity())
      return error(std::errc::invalid_argument);
    if (o.send_buffer != t.send_buffer.capacity()) t.send_buffer.resize(o.send_buffer);
    if (o.receive_buffer != t.recv_buffer.capacity()) {
      t.recv_buffer.resize(o.receive_buffer);
      t.ack_now = is_synchronized(t.state);  // tell the peer of the wider window
    }
    // Turning Nagle off sends what it was holding back, as Linux's TCP_NODELAY does.
    t.no_delay = o.no_delay;
    // Turning keep-alive on starts the idle time from now, as Linux's SO_KEEPALIVE does.
    if (o.keepalive && !t.keepalive)
      t.timers.arm(tcp_timer::keepalive, now + ctx_.config.tcp.keepalive_idle);
    t.keepalive = o.keepalive;
    sock->conn->arm_keepalive();
    t.delayed_ack = o.delayed_ack;
    t.quick_ack = o.quick_ack;
    if ((!t.delayed_ack || t.quick_ack) && t.timers.armed(tcp_timer::delayed_ack))
      t.ack_now = true;  // owed: send it now
    if (o.congestion != t.congestion) {
      // A new algorithm goes on from the window the old one reached, in slow start.
      t.congestion = o.congestion;
      const std::uint32_t cwnd = t.cc->cwnd();
      t.cc = t.new_congestion_control(ctx_.config.tcp);
      t.cc->set_cwnd(cwnd);
    }
    if (is_synchronized(t.state)) sock->conn->output(now);
    schedule(*sock->conn);
  }
  sock->options = o;
  return {};
}

bool tcp_layer::readable(tcp_socket_id s) const {
  const socket* sock = find(s);
  if (!sock) return true;
  if (sock->listening) return !sock->accept_queue.empty();
  if (!sock->conn) return false;
  const tcb& t = sock->conn->t;
  return !t.recv_buffer.empty() || t.fin_received || t.error || t.state == tcp_state::closed;
}

bool tcp_layer::writable(tcp_socket_id s) const {
  const tcp_connection* c = connection_of(s);
  if (!c) return true;
  const tcb& t = c->t;
  if (t.error || t.state == tcp_state::closed) return true;
  return (t.state == tcp_state::established || t.state == tcp_state::close_wait) &&
         (t.send_shut || t.send_buffer.free() > 0);
}

bool tcp_layer::connected(tcp_socket_id s) const {
  const tcp_connection* c = connection_of(s);
  return c && c->t.state != tcp_state::syn_sent && c->t.state != tcp_state::closed;
}

std::size_t tcp_layer::available(tcp_socket_id s) const {
  const tcp_connection* c = connection_of(s);
  return c ? c->t.recv_buffer.size() : 0;
}

std::error_code tcp_layer::pending_error(tcp_socket_id s) const {
  const tcp_connection* c = connection_of(s);
  return c ? c->t.error : std::error_code{};
}

std::optional<ipv4_endpoint> tcp_layer::local_endpoint(tcp_socket_id s) const {
  const socket* sock = find(s);
  if (!sock) return std::nullopt;
  if (sock->conn) return sock->conn->t.tuple.local;
  return sock->local;
}

std::optional<ipv4_endpoint> tcp_layer::remote_endpoint(tcp_socket_id s) const {
  const tcp_connection* c = connection_of(s);
  if (!c) return std::nullopt;
  return c->t.tuple.remote;
}

tcp_connection_info tcp_layer::info_of(const tcb& t) const {
  tcp_connection_info i;
  i.state = t.state;
  i.tuple = t.tuple;
  i.snd_una = static_cast<std::uint32_t>(t.snd_una - t.iss);
  i.snd_nxt = static_cast<std::uint32_t>(t.snd_nxt - t.iss);
  i.rcv_nxt = static_cast<std::uint32_t>(t.rcv_nxt - t.irs);
  i.snd_wnd = t.snd_wnd;
  i.rcv_wnd = static_cast<std::uint32_t>(std::max(0, t.rcv_adv - t.rcv_nxt));
  i.snd_mss = static_cast<std::uint16_t>(t.smss());
  i.rto = t.rtt.rto();
  i.srtt = t.rtt.srtt();
  i.rttvar = t.rtt.rttvar();
  i.bytes_in_flight = static_cast<std::size_t>(std::max(0, t.snd_nxt - t.snd_una));
  i.retransmits = t.total_retransmits;
  i.fast_retransmits = t.fast_retransmits;
  i.timeouts = t.timeouts;
  i.bytes_acked = t.bytes_acked;
  i.delivery_rate = t.delivery_rate;
  i.cwnd = t.cc->cwnd();
  i.ssthresh = t.cc->ssthresh();
  i.in_recovery = t.in_recovery;
  i.congestion = t.congestion;
  i.sack = t.sack_ok;
  i.timestamps = t.ts_ok;
  if (t.wscale_ok) {
    i.snd_wscale = t.snd_wscale;
    i.rcv_wscale = t.rcv_wscale;
  }
  i.no_delay = t.no_delay;
  i.delayed_ack = t.delayed_ack && !t.quick_ack;
  return i;
}

std::optional<tcp_connection_info> tcp_layer::info(tcp_socket_id s) const {
  const tcp_connection* c = connection_of(s);
  if (!c) return std::nullopt;
  return info_of(c->t);
}

std::vector<tcp_connection_info> tcp_layer::connections() const {
  std::vector<tcp_connection_info> all;
  for (const auto& [tuple, conn] : connections_) all.push_back(info_of(conn->t));
  for (const auto& [tuple, record] : time_wait_)
    all.push_back({.state = tcp_state::time_wait, .tuple = tuple});
  // In the order of their tuples, as a status page lists them, not the table's hash order.
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.tuple < b.tuple; });
  return all;
}

void tcp_layer::add_held(held_resources& h) const {
  h.tcp_sockets += sockets_.size();
  h.tcp_connections += connections_.size() + time_wait_.size();
  for (const auto& [tuple, conn] : connections_) {
    const tcb& t = conn->t;
    h.tcp_bytes += t.send_buffer.size() + t.recv_buffer.size();
    for (const auto& r : t.out_of_order.ranges()) h.tcp_bytes += r.end - r.begin;
  }
}

void tcp_layer::on_ready(tcp_socket_id s, std::function<void()> notify) {
  socket* sock = find(s);
  if (!sock) return;
  if (sock->conn) sock->conn->notify = notify;
  sock->notify = std::move(notify);
}

void tcp_layer::report_state(const tcp_tuple& tuple, tcp_state from, tcp_state to,
                             std::string_view cause, instant now) {
  if (observer_) observer_(tuple, from, to, cause);
  ctx_.log.log(log_level::debug, now, [&] {
    return "tcp " + to_string(tuple.local) + " > " + to_string(tuple.remote) + ": " +
           std::string{to_string(from)} + " -> " + std::string{to_string(to)} + " (" +
           std::string{cause} + ")";
  });
}

void tcp_layer::change_state(tcp_connection& c, tcp_state to, std::string_view cause, instant now) {
  const tcp_state from = c.t.state;
  if (from == to) return;
  c.t.state = to;
  const auto fin_unacknowledged = [](tcp_state s) {
    return s == tcp_state::fin_wait_1 || s == tcp_state::closing || s == tcp_state::last_ack;
  };
  fins_unacknowledged_ += fin_unacknowledged(to);
  fins_unacknowledged_ -= fin_unacknowledged(from);
  report_state(c.t.tuple, from, to, cause, now);
  if (to == tcp_state::closed) {
    c.t.timers.clear_all();
    leave_table(c);
  }
  c.wake();
}

void tcp_layer::establish(tcp_connection& c, std::string_view cause, instant now) {
  change_state(c, tcp_state::established, cause, now);
  c.arm_keepalive();
  if (c.listener) {
    if (socket* l = find(*c.listener)) {
      l->pending = l->pending > 0 ? l->pending - 1 : 0;
      l->accept_queue.push_back(connections_.at(c.t.tuple));
      c.accept_queued = true;
      ctx_.stats.count(event::tcp_passive_opens);
      if (l->notify && !stopping_) l->notify();
    }
  }
}

void tcp_layer::leave_table(tcp_connection& c) {
  timers_.cancel(c);
  const auto it = connections_.find(c.t.tuple);
  if (it == connections_.end() || it->second.get() != &c) return;
  // A child that never reached the accept queue frees its place in the backlog.
  if (c.listener && !c.accept_queued)
    if (socket* l = find(*c.listener); l && l->pending > 0) --l->pending;
  closed_.push_back(std::move(it->second));
  if (last_found_ == &*it) last_found_ = nullptr;
  connections_.erase(it);
}

std::shared_ptr<tcp_connection>* tcp_layer::find_connection(const tcp_tuple& tuple) {
  if (last_found_ && last_found_->first == tuple) return &last_found_->second;
  const auto it = connections_.find(tuple);
  if (it == connections_.end()) return nullptr;
  last_found_ = &*it;
  return &it->second;
}

bool tcp_layer::at_connection_limit(instant now) {
  if (connections_.size() + time_wait_.size() < ctx_.config.tcp.max_connections) return false;
  if (!std::exchange(limit_logged_, true))
    ctx_.log.log(log_level::warn, now, [&] {
      return "tcp: " + std::to_string(connections_.size()) +
             " connections, the most --max-connections allows: new ones are refused "
             "(tcp_connection_limit counts them)";
    });
  return true;
}

void tcp_layer::schedule(tcp_connection& c) {
  // A connection in TIME-WAIT has left the table for its record, and its TCB has no timers.
  if (c.t.state == tcp_state::closed || c.t.state == tcp_state::time_wait) return timers_.cancel(c);
  timers_.schedule(c, c.t.timers.next());
}

bool tcp_layer::defer_output(tcp_connection& c) {
  // The most a batch's ACK leaves unacknowledged: what Linux's GRO coalesces into one segment
  // and acknowledges as one.
  constexpr std::uint32_t max_stretch = 65535;
  if (!batching_ || c.t.ack_now || c.t.unacked_bytes >= max_stretch) return false;
  if (c.output_deferred) return true;
  // TIME-WAIT takes a connection out of the table, and its state has nothing more to send.
  const auto* entry = find_connection(c.t.tuple);
  if (!entry) return false;
  c.output_deferred = true;
  deferred_.push_back(*entry);
  return true;
}

void tcp_layer::end_batch(instant now) {
  batching_ = false;
  closed_.clear();
  for (const auto& c : deferred_) {
    c->output_deferred = false;
    // One that closed or went to TIME-WAIT later in the batch has nothing left to send.
    if (c->t.state == tcp_state::closed || c->t.state == tcp_state::time_wait) continue;
    c->output(now);
    schedule(*c);
  }
  deferred_.clear();
}

std::optional<instant> tcp_layer::next_deadline() const {
  const auto connection = timers_.next();
  const auto time_wait = time_wait_timers_.next();
  if (!connection || !time_wait) return connection ? connection : time_wait;
  return std::min(*connection, *time_wait);
}

void tcp_layer::poll(instant now) {
  closed_.clear();
  // The due connections are taken out of the heap first, then run: a timer that set itself due
  // again waits for the next poll rather than running in a loop.
  due_.clear();
  while (tcp_connection* c = timers_.pop_due(now)) due_.push_back(c);
  for (tcp_connection* c : due_) {
    c->run_timers(now);
    schedule(*c);
  }
  while (time_wait_record* r = time_wait_timers_.pop_due(now)) {
    if (timer_observer_) timer_observer_(r->tuple, tcp_timer::time_wait, now);
    change_state(*r, tcp_state::closed, "2 MSL", now);
  }
}

void tcp_layer::receive_error(const icmp_error& e, instant now) {
  const auto quoted = quoted_tcp_view::check(e.original.payload_start);
  if (!quoted) return ctx_.drop(quoted.error(), now);
  const tcp_tuple tuple{{e.original.src, quoted->src_port()}, {e.original.dst, quoted->dst_port()}};
  const auto it = connections_.find(tuple);
  if (it == connections_.end()) return ctx_.drop(drop_reason::icmp_error_unmatched, now);
  // RFC 1122 4.2.3.9: port and protocol unreachable are hard errors for a connection being
  // opened; the rest are soft, and retransmission carries on.
  const bool hard = e.type == icmp_type::dest_unreachable && (e.code == 2 || e.code == 3);
  if (hard && it->second->t.state == tcp_state::syn_sent) {
    closed_.clear();
    it->second->fail(std::errc::connection_refused, "ICMP unreachable", now);
  }
}

// A reset for a segment that has no connection, or for one we abort (RFC 9293 3.10.7.1).
void tcp_layer::send_reset(const tcp_tuple& tuple, seq32 seq, std::optional<seq32> ack,
                           instant now) {
  tcp_repr seg;
  seg.src_port = tuple.local.port;
  seg.dst_port = tuple.remote.port;
  seg.seq = seq;
  seg.flags.rst = true;
  if (ack) {
    seg.flags.ack = true;
    seg.ack = *ack;
  }
  ctx_.stats.count(event::tcp_resets_out);
  segment_departs(tuple, seg, ip_.allocate(seg.header_len()), now);
}

// Every segment leaves here: seg is emitted into f (which has room for it, its payload already
// in place) and the frame goes down to IP.
void tcp_layer::segment_departs(const tcp_tuple& tuple, const tcp_repr& seg, frame&& f,
                                instant now) {
  // A device that completes checksums is left the sum over the segment, the costliest work a
  // segment of data asks of the host; the headers below add their lengths to where it starts.
  const bool partial = ctx_.config.offloads.checksum;
  seg.emit(f.bytes(), tuple.local.address, tuple.remote.address, partial);
  if (partial) {
    f.meta.checksum = frame_meta::checksum_state::partial;
    f.meta.checksum_start = 0;
    f.meta.checksum_offset = tcp::field::checksum;
  }
  ctx_.stats.count(event::tcp_segments_out);
  ip_.send(std::move(f), tuple.remote.address, ip_protocol::tcp, now);
}

}  // namespace tapstack
