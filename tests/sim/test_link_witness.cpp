// The link witness that judges a randomised run's failures: a timeout is the link's doing only if
// no round trip completed during the last run of retransmissions; a second of many frames and no
// new ACK is a storm. Fed segments
// by hand, so each verdict is the one the rule gives.
#include <doctest/doctest.h>

#include "apps/sim/link_witness.hpp"
#include "apps/sim/sim_network.hpp"
#include "tests/support/frames.hpp"

namespace tapstack::test {
namespace {

using namespace std::chrono_literals;
using sim::end_point;
using sim::link_witness;

constexpr std::uint16_t client_port = 40000;
constexpr std::uint16_t server_port = 5001;

// A segment from `from` on the one connection, framed as the hosts send it.
byte_vector segment(end_point from, std::uint32_t seq, std::size_t len, std::uint32_t ack = 1,
                    tcp_flags flags = {.ack = true}) {
  const bool client = from == end_point::client;
  tcp_repr seg;
  seg.src_port = client ? client_port : server_port;
  seg.dst_port = client ? server_port : client_port;
  seg.seq = seq32{seq};
  seg.ack = seq32{ack};
  seg.flags = flags;
  seg.window = 65535;
  const byte_vector payload(len, 'x');
  seg.payload = payload;
  byte_vector bytes(seg.buffer_len());
  const ipv4_address src = client ? sim::client_address : sim::server_address;
  const ipv4_address dst = client ? sim::server_address : sim::client_address;
  seg.emit(bytes, src, dst);
  return emit_frame({}, emit_ipv4({.src = src, .dst = dst, .protocol = ip_protocol::tcp}, bytes));
}

instant at(duration d) { return instant{} + d; }

TEST_CASE("a timeout after the last run of retransmissions all went unanswered is the link's") {
  link_witness w;
  const auto data = segment(end_point::client, 1000, 100);
  for (const auto t : {1s, 3s, 7s}) w.sent(end_point::client, data, at(t));
  // The peer heard the first retransmission and answered; the answer never came back.
  w.received(end_point::server, data, at(1s + 5ms));
  w.sent(end_point::server, segment(end_point::server, 1, 0), at(1s + 5ms));
  CHECK(w.unexplained_timeout(end_point::client, client_port, at(15s)).empty());
}

TEST_CASE("a timeout after a retransmission reached the peer and its answer came back is not") {
  link_witness w;
  const auto data = segment(end_point::client, 1000, 100);
  for (const auto t : {1s, 3s, 7s}) w.sent(end_point::client, data, at(t));
  w.received(end_point::server, data, at(3s + 5ms));
  const auto answer = segment(end_point::server, 1, 0, 1100);
  w.sent(end_point::server, answer, at(3s + 5ms));
  w.received(end_point::client, answer, at(3s + 10ms));
  const std::string why = w.unexplained_timeout(end_point::client, client_port, at(15s));
  CHECK(why.find("client gave up") != std::string::npos);
  // A segment the peer sent before the retransmission reached it answers nothing, even if it
  // arrives after; nor does one arriving at the very instant the sender gives up.
  link_witness early;
  for (const auto t : {1s, 3s, 7s}) early.sent(end_point::client, data, at(t));
  early.sent(end_point::server, answer, at(6s));
  early.received(end_point::server, data, at(7s + 5ms));
  early.received(end_point::client, answer, at(7s + 10ms));
  early.sent(end_point::server, answer, at(7s + 20ms));
  early.received(end_point::client, answer, at(15s));
  CHECK(early.unexplained_timeout(end_point::client, client_port, at(15s)).empty());
}

TEST_CASE("only the last run of retransmissions counts: earlier data that got through does not") {
  link_witness w;
  const auto old_data = segment(end_point::client, 500, 100);
  w.sent(end_point::client, old_data, at(0s));
  w.received(end_point::server, old_data, at(5ms));
  w.received(end_point::client, segment(end_point::server, 1, 0), at(10ms));
  const auto data = segment(end_point::client, 1000, 100);
  for (const auto t : {1s, 3s}) w.sent(end_point::client, data, at(t));
  CHECK(w.unexplained_timeout(end_point::client, client_port, at(7s)).empty());
}

// The client retransmits from t + 1 s; the second one reaches the server, whose answer comes back.
void heard_and_answered(link_witness& w, duration t) {
  const auto data = segment(end_point::client, 1000, 100);
  for (const auto d : {1s, 3s, 7s}) w.sent(end_point::client, data, at(t + d));
  w.received(end_point::server, data, at(t + 3s + 5ms));
  const auto answer = segment(end_point::server, 1, 0, 1100);
  w.sent(end_point::server, answer, at(t + 3s + 5ms));
  w.received(end_point::client, answer, at(t + 3s + 10ms));
}

TEST_CASE("a connection the workload is done with is forgotten, until its port opens another") {
  link_witness w;
  heard_and_answered(w, 0s);
  CHECK_FALSE(w.unexplained_timeout(end_point::client, client_port, at(15s)).empty());
  w.forget(client_port);
  CHECK(w.unexplained_timeout(end_point::client, client_port, at(15s)).empty());
  // What the closing sends afterwards is not kept.
  heard_and_answered(w, 20s);
  CHECK(w.unexplained_timeout(end_point::client, client_port, at(35s)).empty());
  // A SYN from the port opens a connection whose segments count again.
  w.sent(end_point::client, segment(end_point::client, 999, 0, 0, {.syn = true}), at(40s));
  heard_and_answered(w, 40s);
  CHECK_FALSE(w.unexplained_timeout(end_point::client, client_port, at(55s)).empty());
}

TEST_CASE("a long transfer keeps a few round trips of records, and still judges its end") {
  link_witness w;
  // 100,000 segments, each taken in and acknowledged: what a gigabyte of bulk looks like.
  std::uint32_t seq = 1000;
  duration t = 0s;
  for (int i = 0; i < 100'000; ++i, seq += 100, t += 10us) {
    const auto data = segment(end_point::client, seq, 100);
    w.sent(end_point::client, data, at(t));
    w.received(end_point::server, data, at(t + 5us));
    const auto ack = segment(end_point::server, 1, 0, seq + 100);
    w.sent(end_point::server, ack, at(t + 5us));
    w.received(end_point::client, ack, at(t + 10us));
  }
  CHECK(w.records() < 5000);
  // Then a run of retransmissions whose second one was heard and answered: the verdict needs the
  // server's records from the run's start, which no pruning took.
  const auto data = segment(end_point::client, seq, 100);
  for (const auto d : {1s, 3s, 7s}) w.sent(end_point::client, data, at(t + d));
  w.received(end_point::server, data, at(t + 3s + 5ms));
  const auto answer = segment(end_point::server, 1, 0, seq + 100);
  w.sent(end_point::server, answer, at(t + 3s + 5ms));
  for (int i = 0; i < 3000; ++i)  // the server's keep-alive, say, taken in again and again
    w.received(end_point::client, segment(end_point::server, 0, 0, seq), at(t + 3s + i * 1ms));
  w.received(end_point::client, answer, at(t + 6s));
  const std::string why = w.unexplained_timeout(end_point::client, client_port, at(t + 15s));
  CHECK(why.find("reached it at") != std::string::npos);
  CHECK(w.unexplained_timeout(end_point::client, client_port, at(t + 6s)).empty());
}

TEST_CASE("where the link may corrupt frames, one taken in with a bad checksum did not reach") {
  for (const bool corruption : {false, true}) {
    CAPTURE(corruption);
    link_witness w{corruption};
    const auto data = segment(end_point::client, 1000, 100);
    for (const auto t : {1s, 3s, 7s}) w.sent(end_point::client, data, at(t));
    auto damaged = data;
    damaged.back() ^= 0x01;
    w.received(end_point::server, damaged, at(3s + 5ms));
    const auto answer = segment(end_point::server, 1, 0, 1000);
    w.sent(end_point::server, answer, at(3s + 5ms));
    w.received(end_point::client, answer, at(3s + 10ms));
    // Without corruption in play the witness takes the frame as it came (a host's frames leave
    // intact); with it, the damaged retransmission reached nobody, and the timeout is the link's.
    CHECK(w.unexplained_timeout(end_point::client, client_port, at(15s)).empty() == corruption);
  }
}

TEST_CASE("a storm: many frames in a virtual second with no new acknowledgment") {
  link_witness w;
  const auto ack = segment(end_point::client, 1, 0);
  for (int i = 0; i < 3000; ++i) w.sent(end_point::client, ack, at(2s + i * 100us));
  CHECK(w.busiest_idle_second() == 3000);
  // The same number of frames while acknowledgments move on is a transfer, not a storm.
  link_witness busy;
  for (std::uint32_t i = 0; i < 3000; ++i) {
    busy.sent(end_point::client, segment(end_point::client, 1 + 100 * i, 100), at(2s + i * 100us));
    busy.received(end_point::client, segment(end_point::server, 1, 0, 101 + 100 * i),
                  at(2s + i * 100us));
  }
  CHECK(busy.busiest_idle_second() == 0);
}

}  // namespace
}  // namespace tapstack::test
