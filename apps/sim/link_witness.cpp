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
                                                         instant at, bool verify) {
  const auto eth = ethernet_view::check(frame);
  if (!eth || eth->ethertype() != static_cast<std::uint16_t>(ethertype::ipv4)) return std::nullopt;
  const auto ip = ipv4_view::check(eth->payload());
  if (!ip || ip->protocol() != static_cast<std::uint8_t>(ip_protocol::tcp) ||
      ip->more_fragments() || ip->frag_offset() != 0)
    return std::nullopt;
  const auto tcp = tcp_view::check(ip->payload());
  if (!tcp) return std::nullopt;
  if (verify && (!ip->verify_checksum() ||
                 transport_checksum(ip_protocol::tcp, ip->src(), ip->dst(), tcp->segment()) != 0))
    return std::nullopt;
  const tcp_flags flags = tcp->flags();
  const bool client = from == end_point::client;
  return segment{.ports = client ? std::pair{tcp->src_port(), tcp->dst_port()}
                                 : std::pair{tcp->dst_port(), tcp->src_port()},
                 .r = {.at = at,
                       .seq = tcp->seq(),
                       .ack = tcp->ack(),
                       .len = static_cast<std::uint32_t>(tcp->payload().size()) +
                              (flags.syn ? 1u : 0u) + (flags.fin ? 1u : 0u),
                       .has_ack = flags.ack,
                       .rst = flags.rst},
                 .opens = flags.syn && !flags.ack};
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
  const auto s = parse(from, frame, at, false);
  if (!s) return;
  if (from == end_point::client && s->opens) forgotten_.reset(s->ports.first);
  if (forgotten_.test(s->ports.first)) return;
  connection& c = connections_[s->ports];
  half& h = c.halves[index(from)];
  h.sent.push_back(s->r);
  if (s->r.len > 0 && !s->r.rst && (!h.last_run || h.last_run->seq != s->r.seq)) {
    h.last_run = run{s->r.seq, at};
    h.settled.reset();
  }
  if (h.sent.size() > c.prune_at) prune(c, at);
}

void link_witness::received(end_point by, const_byte_span frame, instant at) {
  const auto s = parse(other(by), frame, at, verify_received_);
  if (!s || forgotten_.test(s->ports.first)) return;
  connection& c = connections_[s->ports];
  half& h = c.halves[index(by)];
  h.received.push_back(s->r);
  if (s->r.has_ack && (!h.highest_ack || seq_gt(s->r.ack, *h.highest_ack))) {
    h.highest_ack = s->r.ack;
    progress_this_second_ = true;
  }
  if (h.received.size() > c.prune_at) prune(c, at);
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

std::optional<link_witness::round_trip> link_witness::round_trip_in(const connection& c,
                                                                    end_point who, instant before) {
  const half& mine = c.halves[index(who)];
  const half& peer = c.halves[index(other(who))];
  const run& r = *mine.last_run;
  // The first of its segments that reached the peer, then a segment the peer sent after that
  // reaching `who` (one sent earlier and still on its way answers nothing).
  const auto reached =
      std::find_if(peer.received.begin(), peer.received.end(), [&](const record& x) {
        return x.at >= r.first && x.at < before && x.seq == r.seq && x.len > 0;
      });
  if (reached == peer.received.end()) return std::nullopt;
  const auto sent_after = [&](const record& taken) {
    const auto sent = std::find_if(peer.sent.rbegin(), peer.sent.rend(), [&](const record& x) {
      return x.at <= taken.at && x.same_segment(taken);
    });
    return sent != peer.sent.rend() && sent->at >= reached->at;
  };
  const auto answered = std::find_if(
      mine.received.begin(), mine.received.end(),
      [&](const record& x) { return x.at > reached->at && x.at < before && sent_after(x); });
  if (answered == mine.received.end()) return std::nullopt;
  return round_trip{reached->at, answered->at};
}

void link_witness::prune(connection& c, instant now) {
  // A run's first round trip, once found among records all older than now, stays the first: what
  // is recorded later is no older than now.
  instant horizon = now;
  for (const end_point e : {end_point::client, end_point::server}) {
    half& h = c.halves[index(e)];
    if (!h.last_run) continue;
    if (!h.settled) h.settled = round_trip_in(c, e, now);
    if (!h.settled) horizon = std::min(horizon, h.last_run->first);
  }
  std::size_t most = 0;
  for (half& h : c.halves)
    for (auto* records : {&h.sent, &h.received}) {
      while (!records->empty() && records->front().at < horizon) records->pop_front();
      most = std::max(most, records->size());
    }
  // A run that goes on and on keeps its records: the next walk waits until they double.
  c.prune_at = std::max(connection::first_prune, 2 * most);
}

std::string link_witness::unexplained_timeout(end_point who, std::uint16_t client_port,
                                              instant at) const {
  const connection* c = find(client_port);
  if (!c) return {};
  const half& mine = c->halves[index(who)];
  if (!mine.last_run) return {};
  const auto trip = mine.settled ? mine.settled : round_trip_in(*c, who, at);
  if (!trip || trip->reached >= at || trip->answered >= at) return {};
  return std::string{to_string(who)} + " gave up at " + tapstack::to_string(at) +
         " though its retransmission of seq " + std::to_string(mine.last_run->seq.value()) +
         " reached the peer at " + tapstack::to_string(trip->reached) +
         " and the peer's segment reached it at " + tapstack::to_string(trip->answered);
}

std::size_t link_witness::records() const {
  std::size_t n = 0;
  for (const auto& [ports, c] : connections_)
    for (const half& h : c.halves) n += h.sent.size() + h.received.size();
  return n;
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
