// ARP through the host (RFC 826, RFC 1122 2.3.2, RFC 5227's announcement): what it sends at start,
// how it answers, what it learns, how it asks and gives up, all against the kernel's frames.
#include <chrono>
#include <functional>
#include <vector>

#include <doctest/doctest.h>

#include "stack/stack.hpp"
#include "tests/support/frames.hpp"
#include "tests/support/golden.hpp"

namespace tapstack::test {
namespace {

using namespace std::chrono_literals;

const mac_address new_mac{{0x02, 0x74, 0x73, 0x00, 0x00, 0x09}};

// An ARP request from the peer's side of the link, broadcast as the kernel sends them.
byte_vector arp_from_peer(const arp_repr& arp) {
  return emit_frame({arp.sender_mac, mac_address::broadcast(), ethertype::arp}, emit_arp(arp));
}

TEST_CASE("at start the host announces itself with the kernel's gratuitous ARP") {
  stack host{stack_config{}};
  const instant t0{};
  host.start(t0);
  const auto out = drain(host);
  INFO(describe_all(out));
  REQUIRE(out.size() == 1);
  CHECK_FRAME(out[0], load_golden("gratuitous-arp").bytes);
  CHECK(host.arp().size() == 0);
  CHECK_FALSE(host.next_deadline());
}

TEST_CASE_FIXTURE(host_fixture, "an ARP request for our address gets the kernel's reply, exactly") {
  const auto out = receive(load_golden("arp-request").bytes, t0);
  INFO(describe_all(out));
  REQUIRE(out.size() == 1);
  CHECK_FRAME(out[0], load_golden("arp-reply").bytes);
  CHECK(host.stats()[event::arp_requests_in] == 1);
  CHECK(host.stats()[event::arp_replies_out] == 1);
  CHECK(host.stats().total_drops() == 0);
}

TEST_CASE_FIXTURE(host_fixture, "the requester is learned for the lifetime") {
  receive(load_golden("arp-request").bytes, t0);
  CHECK(host.arp().lookup(capture::peer_ip, t0) == capture::peer_mac);
  const auto lifetime = host.config().arp.lifetime;
  CHECK(host.next_deadline() == t0 + lifetime);
  CHECK(poll(t0 + lifetime).empty());
  CHECK_FALSE(host.arp().lookup(capture::peer_ip, t0 + lifetime));
  CHECK(host.arp().size() == 0);
}

TEST_CASE_FIXTURE(host_fixture, "an ARP probe (sender 0.0.0.0) is answered but teaches nothing") {
  const arp_repr probe{arp_operation::request, capture::peer_mac, ipv4_address::any(),
                       mac_address{}, capture::host_ip};
  const auto out = receive(arp_from_peer(probe), t0);
  INFO(describe_all(out));
  REQUIRE(out.size() == 1);
  const arp_repr reply{arp_operation::reply, capture::host_mac, capture::host_ip, capture::peer_mac,
                       ipv4_address::any()};
  CHECK_FRAME(out[0],
              emit_frame({capture::host_mac, capture::peer_mac, ethertype::arp}, emit_arp(reply)));
  CHECK(host.arp().size() == 0);
}

TEST_CASE_FIXTURE(host_fixture,
                  "a request for another address: unanswered, not learned, arp_not_for_us") {
  const auto out = receive(load_golden("arp-request-other").bytes, t0);
  INFO(describe_all(out));
  CHECK(out.empty());
  CHECK(host.stats()[drop_reason::arp_not_for_us] == 1);
  CHECK(host.stats().total_drops() == 1);
  CHECK(host.arp().size() == 0);
}

TEST_CASE_FIXTURE(host_fixture,
                  "a request for another address still refreshes a known sender (merge)") {
  learn_peer(t0);
  auto other = load_golden("arp-request-other").bytes;
  std::copy(new_mac.octets.begin(), new_mac.octets.end(), other.begin() + 6);  // Ethernet source
  std::copy(new_mac.octets.begin(), new_mac.octets.end(),
            other.begin() + ethernet::header_len + arp::field::sha);
  CHECK(receive(other, t0 + 30s).empty());
  CHECK(host.arp().lookup(capture::peer_ip, t0 + 30s) == new_mac);
  CHECK(host.next_deadline() == t0 + 30s + host.config().arp.lifetime);
  CHECK(host.stats()[drop_reason::arp_not_for_us] == 1);
}

TEST_CASE_FIXTURE(host_fixture, "a known peer's gratuitous ARP updates it and is no drop") {
  learn_peer(t0);
  const arp_repr announcement{arp_operation::request, new_mac, capture::peer_ip, mac_address{},
                              capture::peer_ip};
  CHECK(receive(arp_from_peer(announcement), t0 + 1s).empty());
  CHECK(host.arp().lookup(capture::peer_ip, t0 + 1s) == new_mac);
  CHECK(host.stats().total_drops() == 0);
}

TEST_CASE_FIXTURE(host_fixture,
                  "another MAC claiming our address is not learned (RFC 5227 conflict)") {
  const ipv4_address self = host.config().address.address;
  const arp_repr claim{arp_operation::request, new_mac, self, mac_address{}, self};
  CHECK(receive(arp_from_peer(claim), t0).empty());
  CHECK_FALSE(host.arp().lookup(self, t0));
  CHECK(host.stats()[drop_reason::arp_address_conflict] == 1);
}

TEST_CASE_FIXTURE(host_fixture,
                  "an unknown host's gratuitous ARP is not learned (RFC 826 merges only)") {
  const arp_repr announcement{arp_operation::request, capture::peer_mac, capture::peer_ip,
                              mac_address{}, capture::peer_ip};
  CHECK(receive(arp_from_peer(announcement), t0).empty());
  CHECK(host.arp().size() == 0);
  CHECK(host.stats().total_drops() == 0);
}

TEST_CASE("malformed ARP packets are counted under their reason, unanswered") {
  struct bad {
    const char* what;
    std::function<void(byte_vector&)> edit;
    drop_reason why;
  };
  const auto set_byte = [](std::size_t at, std::uint8_t v) {
    return [=](byte_vector& f) { f[ethernet::header_len + at] = v; };
  };
  const std::vector<bad> cases{
      {"cut to 20 bytes", [](byte_vector& f) { f.resize(ethernet::header_len + 20); },
       drop_reason::arp_truncated},
      {"hardware type 6", set_byte(arp::field::htype + 1, 6), drop_reason::arp_unsupported},
      {"protocol length 16", set_byte(arp::field::plen, 16), drop_reason::arp_unsupported},
      {"operation 3 (RARP)", set_byte(arp::field::oper + 1, 3), drop_reason::arp_bad_opcode},
      {"multicast sender MAC", set_byte(arp::field::sha, 0x01), drop_reason::arp_bad_sender},
  };
  for (const bad& b : cases) {
    INFO(b.what);
    host_fixture fresh;
    auto frame = load_golden("arp-request").bytes;
    b.edit(frame);
    const auto out = fresh.receive(frame, fresh.t0);
    INFO(describe_all(out));
    CHECK(out.empty());
    CHECK(fresh.host.stats()[b.why] == 1);
    CHECK(fresh.host.stats().total_drops() == 1);
    CHECK(fresh.host.arp().size() == 0);
  }
}

TEST_CASE_FIXTURE(host_fixture,
                  "an unknown next hop is asked for with the kernel's request, then every second") {
  // The echo reply to the kernel's ping must wait: the host does not know 10.0.0.1's MAC.
  const auto ask = receive(load_golden("echo-request").bytes, t0);
  const auto request = load_golden("arp-request-for-peer").bytes;
  INFO(describe_all(ask));
  REQUIRE(ask.size() == 1);
  CHECK_FRAME(ask[0], request);

  const auto retry = host.config().arp.retry_interval;
  REQUIRE(host.config().arp.max_requests == 3);
  for (const instant at : {t0 + retry, t0 + 2 * retry}) {
    INFO(to_string(at));
    CHECK(host.next_deadline() == at);
    CHECK(poll(at - 1ns).empty());
    const auto again = poll(at);
    INFO(describe_all(again));
    REQUIRE(again.size() == 1);
    CHECK_FRAME(again[0], request);
  }
  CHECK(host.stats()[event::arp_requests_out] == 3);

  // No answer a retry_interval after the third request: the echo reply is given up.
  CHECK(poll(t0 + 3 * retry).empty());
  CHECK(host.stats()[drop_reason::arp_unresolved] == 1);
  CHECK(host.stats()[event::icmp_echo_replies_out] == 1);
  CHECK(host.arp().size() == 0);
  CHECK_FALSE(host.next_deadline());
}

TEST_CASE_FIXTURE(host_fixture, "packets beyond max_pending for one next hop push out the oldest") {
  const std::size_t max_pending = host.config().arp.max_pending;
  auto ping = load_golden("echo-request").bytes;
  const std::size_t seq_at = ethernet::header_len + ipv4::min_header_len + icmp::field::seq;
  for (std::uint16_t seq = 1; seq <= max_pending + 1; ++seq) {
    store_be16(&ping[seq_at], seq);
    refresh_icmp_checksum(ping);
    receive(ping, t0);
  }
  CHECK(host.stats()[drop_reason::arp_queue_full] == 1);
  CHECK(host.stats()[event::arp_requests_out] == 1);

  const auto out = receive(load_golden("arp-reply-from-peer").bytes, t0 + 10ms);
  INFO(describe_all(out));
  REQUIRE(out.size() == max_pending);
  // The replies to seq 2..max_pending+1, in order: seq 1's was pushed out.
  for (std::size_t i = 0; i < out.size(); ++i)
    CHECK(std::size_t{load_be16(&out[i][seq_at])} == i + 2);
}

TEST_CASE_FIXTURE(host_fixture, "after the entry expires the next packet asks again") {
  learn_peer(t0);
  const auto lifetime = host.config().arp.lifetime;
  CHECK(poll(t0 + lifetime).empty());
  const auto out = receive(load_golden("echo-request").bytes, t0 + lifetime + 1s);
  INFO(describe_all(out));
  REQUIRE(out.size() == 1);
  CHECK_FRAME(out[0], load_golden("arp-request-for-peer").bytes);
}

TEST_CASE("a full table still answers a request for us, and counts arp_cache_full") {
  stack_config config;
  config.arp.max_entries = 1;
  host_fixture f{config};
  f.learn_peer(f.t0);
  // The peer's MAC now asks from 10.0.0.3: answered, but there is no room to remember it.
  const ipv4_address third{0x0a000003};
  auto request = load_golden("arp-request").bytes;
  store_be32(&request[ethernet::header_len + arp::field::spa], third.value);
  const auto out = f.receive(request, f.t0);
  INFO(describe_all(out));
  REQUIRE(out.size() == 1);
  const arp_repr reply{arp_operation::reply, capture::host_mac, capture::host_ip, capture::peer_mac,
                       third};
  CHECK_FRAME(out[0],
              emit_frame({capture::host_mac, capture::peer_mac, ethertype::arp}, emit_arp(reply)));
  CHECK(f.host.stats()[drop_reason::arp_cache_full] == 1);
  CHECK_FALSE(f.host.arp().lookup(third, f.t0));
}

}  // namespace
}  // namespace tapstack::test
