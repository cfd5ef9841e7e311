#include "tests/support/tcp_harness.hpp"

#include <doctest/doctest.h>

#include <sstream>

#include "stack/wire/arp.hpp"
#include "stack/wire/describe.hpp"
#include "stack/wire/ethernet.hpp"
#include "tests/support/frames.hpp"

namespace tapstack::test {
namespace {

const mac_address peer_mac{{0x02, 0x74, 0x73, 0x00, 0x00, 0x01}};
const ipv4_address peer_ip{0x0a000001};

std::string describe(const expected_segment& e) {
  std::ostringstream out;
  out << "Flags [" << e.flags << "]";
  if (e.seq) out << ", seq " << e.seq->value();
  if (e.ack) out << ", ack " << e.ack->value();
  if (e.window) out << ", win " << *e.window;
  if (e.length) out << ", length " << *e.length;
  return out.str();
}

bool matches(const sent_segment& s, const expected_segment& e) {
  return to_string(s.seg.flags) == e.flags && (!e.seq || s.seg.seq == *e.seq) &&
         (!e.ack || s.seg.ack == *e.ack) && (!e.length || s.payload.size() == *e.length) &&
         (!e.window || s.seg.window == *e.window);
}

}  // namespace

std::vector<std::uint8_t> text(std::string_view s) { return {s.begin(), s.end()}; }

stack_config tcp_harness::default_config() {
  stack_config c;
  c.gateway.reset();
  c.tcp.min_rto = std::chrono::seconds{1};
  // The rows of RFC 9293 3.10.7 are about what each segment is answered with: every ACK at once
  // keeps them to the point. The delayed-ACK tests turn it back on.
  c.tcp.delayed_ack = false;
  return c;
}

tcp_harness::tcp_harness(stack_config config) : host{config} {
  host.start(now_);
  // The peer's ARP request: the host learns its MAC, so replies need no resolution.
  const arp_repr request{arp_operation::request, peer_mac, peer_ip, mac_address{},
                         config.address.address};
  host.receive(emit_frame({peer_mac, mac_address::broadcast(), ethertype::arp}, emit_arp(request)),
               now_);
  drain(host);
}

void tcp_harness::inject(tcp_flags flags, seq32 seq, seq32 ack,
                         const std::vector<std::uint8_t>& payload, std::uint16_t window,
                         const tcp_options& options, std::uint16_t from_port) {
  tcp_repr seg;
  seg.src_port = from_port;
  seg.seq = seq;
  seg.ack = ack;
  seg.flags = flags;
  seg.window = window;
  seg.options = options;
  seg.payload = payload;
  send_from_peer(seg);
}

void tcp_harness::inject_urgent(seq32 seq, seq32 ack, const std::vector<std::uint8_t>& payload,
                                std::uint16_t urgent) {
  tcp_repr seg;
  seg.src_port = peer_port;
  seg.seq = seq;
  seg.ack = ack;
  seg.flags = {.psh = true, .ack = true, .urg = true};
  seg.window = 65535;
  seg.urgent = urgent;
  seg.payload = payload;
  send_from_peer(seg);
}

void tcp_harness::send_from_peer(const tcp_repr& segment) {
  tcp_repr seg = segment;
  seg.dst_port = host_port;
  std::vector<std::uint8_t> bytes(seg.buffer_len());
  seg.emit(bytes, peer_ip, host.config().address.address);
  ipv4_repr ip;
  ip.src = peer_ip;
  ip.dst = host.config().address.address;
  ip.protocol = ip_protocol::tcp;
  auto frame = emit_frame({peer_mac, host.config().mac, ethertype::ipv4}, emit_ipv4(ip, bytes));
  if (batch_)
    batch_->push_back(std::move(frame));
  else
    host.receive(frame, now_);
}

void tcp_harness::end_batch() {
  std::vector<received_frame> frames;
  for (auto& f : *batch_) frames.push_back({f, f.size(), {}});
  host.receive_batch(frames, now_);
  batch_.reset();
}

void tcp_harness::collect() {
  for (auto& frame : drain(host)) {
    const auto eth = ethernet_view::check(frame);
    // The peer answers ARP as a real neighbour would: the host's entry expires in long runs.
    const bool is_arp = eth->ethertype() == static_cast<std::uint16_t>(ethertype::arp);
    if (const auto request = is_arp ? arp_view::check(eth->payload()) : drop_reason::arp_truncated;
        request && request->target_ip() == peer_ip) {
      const arp_repr reply{arp_operation::reply, peer_mac, peer_ip, host.config().mac,
                           host.config().address.address};
      host.receive(emit_frame({peer_mac, host.config().mac, ethertype::arp}, emit_arp(reply)),
                   now_);
      collect();
      continue;
    }
    outbox_.push_back(std::move(frame));
  }
}

std::vector<sent_segment> tcp_harness::sent() {
  collect();
  std::vector<sent_segment> out;
  for (const auto& frame : std::exchange(outbox_, {})) {
    const auto eth = ethernet_view::check(frame);
    const auto ip = ipv4_view::check(eth->payload());
    if (!ip || ip->protocol() != static_cast<std::uint8_t>(ip_protocol::tcp)) continue;
    const auto view = tcp_view::check(ip->payload());
    REQUIRE(view);
    const auto seg = tcp_repr::parse(*view, ip->src(), ip->dst());
    REQUIRE(seg);
    if (seg->options.timestamps) host_tsval = seg->options.timestamps->val;
    sent_segment s{*seg, {seg->payload.begin(), seg->payload.end()}, describe_frame(frame)};
    s.seg.payload = {};
    out.push_back(std::move(s));
  }
  return out;
}

void tcp_harness::advance(duration d) {
  const instant until = now_ + d;
  // Every deadline on the way fires at its own instant, as it would in a real run.
  while (const auto next = host.next_deadline()) {
    if (*next > until) break;
    now_ = std::max(now_, *next);
    host.poll(now_);
    collect();
  }
  now_ = until;
  host.poll(now_);
  collect();
}

void tcp_harness::open_listener() {
  listener = host.tcp().open();
  REQUIRE_FALSE(host.tcp().bind(listener, {ipv4_address::any(), host_port}));
  REQUIRE_FALSE(host.tcp().listen(listener, 4));
}

tcp_socket_id tcp_harness::open_active() {
  const auto s = host.tcp().open();
  REQUIRE_FALSE(host.tcp().bind(s, {ipv4_address::any(), host_port}));
  REQUIRE_FALSE(host.tcp().connect(s, {peer_ip, peer_port}, now_));
  const auto syn = sent();
  REQUIRE(syn.size() == 1);
  REQUIRE(to_string(syn[0].seg.flags) == "S");
  host_iss = syn[0].seg.seq;
  host_syn_options = syn[0].seg.options;
  snd_una = host_iss;
  snd_nxt = host_iss + 1;
  return s;
}

tcp_options tcp_harness::peer_options() const {
  tcp_options o;
  if (peer_syn_options.timestamps) o.timestamps = tcp_timestamps{peer_tsval, host_tsval};
  return o;
}

void tcp_harness::peer_fin(seq32 ack) {
  inject({.fin = true, .ack = true}, rcv_nxt, ack, {}, 65535, peer_options());
  rcv_nxt += 1;
  check_sent(sent(), {{".", snd_nxt, rcv_nxt}});
}

void tcp_harness::host_fin(tcp_socket_id s) {
  REQUIRE_FALSE(host.tcp().shutdown_send(s, now_));
  check_sent(sent(), {{"F.", snd_nxt, rcv_nxt}});
  snd_nxt += 1;
}

tcp_socket_id tcp_harness::reach(tcp_state to, open_kind how) {
  const bool active = how == open_kind::active;
  REQUIRE(to != tcp_state::closed);
  REQUIRE_FALSE((to == tcp_state::listen && active));
  REQUIRE_FALSE((to == tcp_state::syn_sent && !active));
  tcp_options syn = peer_syn_options;
  if (syn.timestamps) syn.timestamps = tcp_timestamps{peer_tsval, 0};
  rcv_nxt = peer_iss + 1;
  tcp_socket_id s = 0;
  if (!active) {
    open_listener();
    if (to == tcp_state::listen) return listener;
    inject({.syn = true}, peer_iss, seq32{0}, {}, peer_window, syn);
    const auto syn_ack = sent();
    REQUIRE(syn_ack.size() == 1);
    host_iss = syn_ack[0].seg.seq;
    host_syn_options = syn_ack[0].seg.options;
    snd_una = host_iss;
    snd_nxt = host_iss + 1;
    check_sent(syn_ack, {{"S.", host_iss, rcv_nxt}});
    if (to == tcp_state::syn_received) return 0;
    snd_una = snd_nxt;
    inject({.ack = true}, rcv_nxt, snd_nxt, {}, peer_window, peer_options());
    check_sent(sent(), {});
    REQUIRE_FALSE(host.tcp().accept(listener, s));
  } else {
    s = open_active();
    if (to == tcp_state::syn_sent) return s;
    if (to == tcp_state::syn_received) {
      inject({.syn = true}, peer_iss, seq32{0}, {}, peer_window, syn);
      check_sent(sent(), {{"S.", host_iss, rcv_nxt}});
      return s;
    }
    snd_una = snd_nxt;
    if (syn.timestamps) syn.timestamps->ecr = host_tsval;
    inject({.syn = true, .ack = true}, peer_iss, snd_nxt, {}, peer_window, syn);
    check_sent(sent(), {{".", snd_nxt, rcv_nxt}});
  }
  switch (to) {
    case tcp_state::fin_wait_1:
      host_fin(s);
      break;
    case tcp_state::fin_wait_2:
    case tcp_state::time_wait:
      host_fin(s);
      snd_una = snd_nxt;
      inject({.ack = true}, rcv_nxt, snd_una, {}, 65535, peer_options());
      check_sent(sent(), {});
      if (to == tcp_state::time_wait) peer_fin(snd_una);
      break;
    case tcp_state::closing:
      host_fin(s);
      peer_fin(snd_una);  // the FINs cross: the peer's does not acknowledge the host's
      break;
    case tcp_state::close_wait:
    case tcp_state::last_ack:
      peer_fin(snd_una);
      if (to == tcp_state::last_ack) host_fin(s);
      break;
    default:
      break;
  }
  REQUIRE(state() == to);
  return s;
}

tcp_state tcp_harness::state() {
  for (const auto& c : host.tcp().connections())
    if (c.tuple.local.port == host_port && c.tuple.remote.port == peer_port) return c.state;
  return tcp_state::closed;
}

received tcp_harness::read(tcp_socket_id s) {
  received r;
  std::vector<std::uint8_t> buf(4096);
  for (;;) {
    std::size_t n = 0;
    r.error = host.tcp().receive(s, buf, n, now_);
    if (r.error || n == 0) return r;
    r.data.append(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
  }
}

std::string to_string(start s) {
  return std::string{to_string(s.state)} +
         (s.how == open_kind::active ? " (active open)" : " (passive open)");
}

std::ostream& operator<<(std::ostream& out, const received& r) {
  out << '"' << r.data << "\", ";
  return r.error ? out << r.error.message() : out << "end of stream";
}

void check_sent(const std::vector<sent_segment>& actual,
                const std::vector<expected_segment>& expected, std::source_location where) {
  bool same = actual.size() == expected.size();
  for (std::size_t i = 0; same && i < actual.size(); ++i) same = matches(actual[i], expected[i]);
  if (same) return;
  std::ostringstream why;
  why << "expected " << expected.size() << " segment(s):\n";
  for (const auto& e : expected) why << "  " << describe(e) << '\n';
  why << "the host sent " << actual.size() << ":\n";
  for (const auto& a : actual) why << "  " << a.line << '\n';
  ADD_FAIL_CHECK_AT(where.file_name(), static_cast<int>(where.line()), why.str());
}

}  // namespace tapstack::test

doctest::String tapstack::toString(tcp_state s) {
  return doctest::String{std::string{to_string(s)}.c_str()};
}
