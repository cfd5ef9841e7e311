#include "apps/sim/link_witness.hpp"

#include <algorithm>

#include "stack/wire/ethernet.hpp"
#include "stack/wire/ipv4.hpp"
#include "stack/wire/tcp.hpp"

namespace tapstack::sim {
namespace {

std::size_t index(end_point e) { return e == end_point::client ? 0 : 1; }
end_point other(end_point e) {
  return e == end_point::client ? end_point::server : end_point::client;
}

}  // namespace

std::string_view to_string(end_point e) { return e == end_point::client ? "client" : "server"; }

std::optional<link_witness::segment> link_witness::parse(end_point from, const_byte_span frame,
                                                         instant at) {
  const auto eth = ethernet_view::check(frame);
  if (!eth || eth->ethertype() != static_cast<std::uint16_t>(ethertype::ipv4)) return std::nullopt;
  const auto ip_view = ipv4_view::check(eth->payload());
  if (!ip_view) return std::nullopt;
  const auto ip = ipv4_repr::parse(*ip_view);
  if (!ip || ip->protocol != ip_protocol::tcp || ip->is_fragment()) return std::nullopt;
  const auto tcp_view = tcp_view::check(ip_view->payload());
  if (!tcp_view) return std::nullopt;
  const auto seg = tcp_repr::parse(*tcp_view, ip->src, ip->dst);
  if (!seg) return std::nullopt;
  const bool client = from == end_point::client;
  return segment{.ports = client ? std::pair{seg->src_port, seg->dst_port}
                                 : std::pair{seg->dst_port, seg->src_port},
                 .r = {.at = at,
                       .seq = seg->seq,
                       .len = seg->segment_len(),
                       .ack = seg->flags.ack ? std::optional{seg->ack} : std::nullopt,
                       .rst = seg->flags.rst},
                 .opens = seg->flags.syn && !seg->flags.ack};
}

void link_witness::count_frame(instant at) {
  const auto second = std::chrono::duration_cast<std::chrono::seconds>(at.time_since_epoch());
  if (second.count() != second_) {
    busiest_idle_ = busiest_idle_second();
    second_ = second.count();
    frames_this_second_ = 0;
    progress_this_second_ = false;
  }
  ++frames_this_second_;
}

void link_witness::sent(end_point from, const_byte_span frame, instant at) {
  count_frame(at);
  const auto s = parse(from, frame, at);
  if (!s) return;
  if (from == end_point::client && s->opens) forgotten_.reset(s->ports.first);
  if (forgotten_.test(s->ports.first)) return;
  connections_[s->ports][index(from)].sent.push_back(s->r);
}

void link_witness::received(end_point by, const_byte_span frame, instant at) {
  const auto s = parse(other(by), frame, at);
  if (!s || forgotten_.test(s->ports.first)) return;
  half& h = connections_[s->ports][index(by)];
  h.received.push_back(s->r);
  if (s->r.ack && (!h.highest_ack || seq_gt(*s->r.ack, *h.highest_ack))) {
    h.highest_ack = s->r.ack;
    progress_this_second_ = true;
  }
}

void link_witness::forget(std::uint16_t client_port) {
  connections_.erase(connections_.lower_bound({client_port, 0}),
                     connections_.upper_bound({client_port, UINT16_MAX}));
  forgotten_.set(client_port);
}

const link_witness::connection* link_witness::find(std::uint16_t client_port) const {
  const auto it = connections_.lower_bound({client_port, 0});
  return it != connections_.end() && it->first.first == client_port ? &it->second : nullptr;
}

std::string link_witness::unexplained_timeout(end_point who, std::uint16_t client_port,
                                              instant at) const {
  const connection* c = find(client_port);
  if (!c) return {};
  const half& mine = (*c)[index(who)];
  const half& peer = (*c)[index(other(who))];
  // The last run of retransmissions: the segments with sequence space (ACKs carry none) at the
  // end of what `who` sent, all at the same sequence number.
  std::optional<seq32> repeated;
  instant first{};
  for (auto it = mine.sent.rbegin(); it != mine.sent.rend(); ++it) {
    if (it->len == 0 || it->rst) continue;
    if (repeated && it->seq != *repeated) break;
    repeated = it->seq;
    first = it->at;
  }
  if (!repeated) return {};
  // The first of them that reached the peer, then a segment the peer sent after that reaching
  // `who` before it gave up (one sent earlier and still on its way answers nothing).
  const auto reached =
      std::find_if(peer.received.begin(), peer.received.end(), [&](const record& r) {
        return r.at >= first && r.at < at && r.seq == *repeated && r.len > 0;
      });
  if (reached == peer.received.end()) return {};
  const auto sent_after = [&](const record& taken) {
    const auto sent = std::find_if(peer.sent.rbegin(), peer.sent.rend(), [&](const record& r) {
      return r.at <= taken.at && r.same_segment(taken);
    });
    return sent != peer.sent.rend() && sent->at >= reached->at;
  };
  const auto answered = std::find_if(
      mine.received.begin(), mine.received.end(),
      [&](const record& r) { return r.at > reached->at && r.at < at && sent_after(r); });
  if (answered == mine.received.end()) return {};
  return std::string{to_string(who)} + " gave up at " + tapstack::to_string(at) +
         " though its retransmission of seq " + std::to_string(repeated->value()) +
         " reached the peer at " + tapstack::to_string(reached->at) +
         " and the peer's segment reached it at " + tapstack::to_string(answered->at);
}

std::uint64_t link_witness::busiest_idle_second() const {
  return progress_this_second_ ? busiest_idle_ : std::max(busiest_idle_, frames_this_second_);
}

std::size_t witness_device::receive(byte_span out, instant now) {
  const std::size_t n = inner_.receive(out, now);
  const auto eth = ethernet_view::check(out.first(n));
  if (eth && (eth->dst() == mac_ || eth->dst().is_broadcast()))
    witness_.received(host_, out.first(n), now);
  return n;
}

bool witness_device::transmit(const_byte_span frame, instant now) {
  witness_.sent(host_, frame, now);
  return inner_.transmit(frame, now);
}

}  // namespace tapstack::sim
