// The ARP cache in virtual time: expiry at exactly the lifetime, retries every retry_interval up to
// max_requests, failure that hands back the waiting packets, the bounded queue and table, and
// RFC 826's merge (update) against add (insert).
#include <chrono>
#include <vector>

#include <doctest/doctest.h>

#include "stack/link/arp_cache.hpp"

namespace tapstack::test {
namespace {

using namespace std::chrono_literals;

const ipv4_address peer_ip{0x0a000001};
const ipv4_address other_ip{0x0a000003};
const mac_address peer_mac{{0x02, 0x74, 0x73, 0x00, 0x00, 0x01}};
const mac_address new_mac{{0x02, 0x74, 0x73, 0x00, 0x00, 0x09}};
const instant t0{};

// A one-byte packet that says which it is, so a test can see which packets come back, in order.
frame packet(std::uint8_t tag) {
  frame f{64, 0};
  f.resize(1);
  f.bytes()[0] = tag;
  return f;
}

std::vector<int> tags(const std::vector<frame>& frames) {
  std::vector<int> out;
  for (const auto& f : frames) out.push_back(f.bytes()[0]);
  return out;
}

arp_config small_config() {
  arp_config c;
  c.lifetime = 60s;
  c.retry_interval = 1s;
  c.max_requests = 3;
  c.max_pending = 2;
  c.max_entries = 2;
  return c;
}

TEST_CASE("a learned address is known until exactly its lifetime, then forgotten") {
  arp_cache cache{small_config()};
  std::vector<frame> released;
  REQUIRE(cache.insert(peer_ip, peer_mac, t0, released));
  CHECK(released.empty());
  CHECK(cache.lookup(peer_ip, t0) == peer_mac);
  CHECK(cache.lookup(peer_ip, t0 + 60s - 1ns) == peer_mac);
  CHECK_FALSE(cache.lookup(peer_ip, t0 + 60s));
  CHECK_FALSE(cache.lookup(other_ip, t0));

  CHECK(cache.next_deadline() == t0 + 60s);
  arp_cache::due due;
  cache.poll(t0 + 60s - 1ns, due);
  CHECK(cache.size() == 1);
  cache.poll(t0 + 60s, due);
  CHECK(cache.size() == 0);
  CHECK(due.requests.empty());
  CHECK(due.failed.empty());
  CHECK_FALSE(cache.next_deadline());
}

TEST_CASE("an empty cache has no deadline and knows nothing") {
  arp_cache cache{small_config()};
  CHECK_FALSE(cache.next_deadline());
  CHECK_FALSE(cache.lookup(peer_ip, t0));
  arp_cache::due due;
  cache.poll(t0 + 1h, due);
  CHECK(due.requests.empty());
}

TEST_CASE("an unknown address is asked for once, then every retry_interval, then given up") {
  arp_cache cache{small_config()};
  const auto first = cache.enqueue(peer_ip, packet(1), t0);
  CHECK(first.send_request);
  CHECK_FALSE(first.evicted);
  CHECK_FALSE(cache.lookup(peer_ip, t0));
  CHECK(cache.next_deadline() == t0 + 1s);

  // A second packet joins the queue without asking again.
  const auto second = cache.enqueue(peer_ip, packet(2), t0 + 500ms);
  CHECK_FALSE(second.send_request);
  CHECK_FALSE(second.evicted);

  arp_cache::due due;
  cache.poll(t0 + 1s - 1ns, due);
  CHECK(due.requests.empty());

  // max_requests = 3: the first went out at enqueue, two more at +1 s and +2 s.
  for (const auto at : {t0 + 1s, t0 + 2s}) {
    INFO(to_string(at));
    arp_cache::due retry;
    cache.poll(at, retry);
    CHECK(retry.requests == std::vector<ipv4_address>{peer_ip});
    CHECK(retry.failed.empty());
    CHECK(cache.next_deadline() == at + 1s);
  }
  CHECK(cache.entries().at(peer_ip).requests == 3);

  // The third went unanswered for a retry_interval: both packets come back, the entry is gone.
  arp_cache::due failure;
  cache.poll(t0 + 3s, failure);
  CHECK(failure.requests.empty());
  CHECK(tags(failure.failed) == std::vector<int>{1, 2});
  CHECK(cache.size() == 0);
  CHECK_FALSE(cache.next_deadline());
}

TEST_CASE("an answer releases the waiting packets, oldest first, and stops the retries") {
  arp_cache cache{small_config()};
  cache.enqueue(peer_ip, packet(1), t0);
  cache.enqueue(peer_ip, packet(2), t0);
  arp_cache::due due;
  cache.poll(t0 + 1s, due);
  REQUIRE(due.requests.size() == 1);

  std::vector<frame> released;
  CHECK(cache.update(peer_ip, peer_mac, t0 + 1500ms, released));
  CHECK(tags(released) == std::vector<int>{1, 2});
  CHECK(cache.lookup(peer_ip, t0 + 1500ms) == peer_mac);
  CHECK(cache.next_deadline() == t0 + 1500ms + 60s);

  arp_cache::due later;
  cache.poll(t0 + 10s, later);
  CHECK(later.requests.empty());
  CHECK(later.failed.empty());
}

TEST_CASE("the queue for one address holds max_pending packets, the oldest pushed out first") {
  arp_cache cache{small_config()};
  cache.enqueue(peer_ip, packet(1), t0);
  cache.enqueue(peer_ip, packet(2), t0);
  auto third = cache.enqueue(peer_ip, packet(3), t0);
  CHECK_FALSE(third.send_request);
  CHECK_FALSE(third.cache_full);
  REQUIRE(third.evicted);
  CHECK(third.evicted->bytes()[0] == 1);

  std::vector<frame> released;
  cache.insert(peer_ip, peer_mac, t0, released);
  CHECK(tags(released) == std::vector<int>{2, 3});
}

TEST_CASE("the table holds max_entries addresses") {
  arp_cache cache{small_config()};
  std::vector<frame> released;
  CHECK(cache.insert(ipv4_address{0x0a000001}, peer_mac, t0, released));
  CHECK(cache.insert(ipv4_address{0x0a000002}, peer_mac, t0, released));
  CHECK_FALSE(cache.insert(other_ip, peer_mac, t0, released));
  CHECK_FALSE(cache.lookup(other_ip, t0));
  CHECK(cache.size() == 2);

  // A full table still refreshes what it has.
  CHECK(cache.insert(ipv4_address{0x0a000001}, new_mac, t0 + 1s, released));
  CHECK(cache.lookup(ipv4_address{0x0a000001}, t0 + 1s) == new_mac);

  // A packet for a new address has nowhere to wait: it comes back, and nothing is asked.
  auto refused = cache.enqueue(other_ip, packet(7), t0 + 1s);
  CHECK(refused.cache_full);
  CHECK_FALSE(refused.send_request);
  REQUIRE(refused.evicted);
  CHECK(refused.evicted->bytes()[0] == 7);

  // Once an entry expires there is room again.
  arp_cache::due due;
  cache.poll(t0 + 60s, due);
  CHECK(cache.size() == 1);
  CHECK(cache.insert(other_ip, peer_mac, t0 + 60s, released));
}

TEST_CASE("update merges only what is there (RFC 826), insert adds") {
  arp_cache cache{small_config()};
  std::vector<frame> released;
  CHECK_FALSE(cache.update(peer_ip, peer_mac, t0, released));
  CHECK(cache.size() == 0);
  CHECK_FALSE(cache.lookup(peer_ip, t0));

  CHECK(cache.insert(peer_ip, peer_mac, t0, released));
  // A later packet from the same address with a new MAC replaces it and restarts the lifetime.
  CHECK(cache.update(peer_ip, new_mac, t0 + 30s, released));
  CHECK(cache.lookup(peer_ip, t0 + 30s) == new_mac);
  CHECK(cache.lookup(peer_ip, t0 + 89s) == new_mac);
  CHECK_FALSE(cache.lookup(peer_ip, t0 + 90s));
  CHECK(cache.size() == 1);
  CHECK(released.empty());
}

TEST_CASE("a packet for an expired address that was not yet swept asks again") {
  arp_cache cache{small_config()};
  std::vector<frame> released;
  cache.insert(peer_ip, peer_mac, t0, released);
  const auto result = cache.enqueue(peer_ip, packet(1), t0 + 61s);
  CHECK(result.send_request);
  CHECK_FALSE(cache.lookup(peer_ip, t0 + 61s));
  CHECK(cache.next_deadline() == t0 + 62s);
}

TEST_CASE("entries are walked in address order, so requests come out the same every run") {
  arp_config config = small_config();
  config.max_entries = 8;
  arp_cache cache{config};
  for (const std::uint32_t host : {5u, 3u, 4u})
    cache.enqueue(ipv4_address{0x0a000000 | host}, packet(0), t0);
  arp_cache::due due;
  cache.poll(t0 + 1s, due);
  CHECK(due.requests == std::vector<ipv4_address>{ipv4_address{0x0a000003},
                                                  ipv4_address{0x0a000004},
                                                  ipv4_address{0x0a000005}});
}

}  // namespace
}  // namespace tapstack::test
