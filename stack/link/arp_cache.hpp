#pragma once
// The ARP cache: IPv4 address to MAC, with expiry, bounded retries and a bounded queue of packets
// waiting for an answer. Pure data in virtual time: it never sends; it tells its caller which
// requests are due and which packets to release or give up on. Entries live in an ordered map so a
// simulation walks them in the same order every run.
#include <deque>
#include <map>
#include <optional>
#include <vector>

#include "stack/buffers/frame.hpp"
#include "stack/config.hpp"

namespace tapstack {

class arp_cache {
 public:
  struct entry {
    std::optional<mac_address> mac;  // nullopt while incomplete: asked, not yet answered
    // Resolved: when the entry is forgotten. Incomplete: when to ask again or give up.
    instant deadline;
    unsigned requests = 0;  // requests sent while incomplete
    std::deque<frame> pending;
  };

  explicit arp_cache(const arp_config& config) : config_{config} {}

  std::optional<mac_address> lookup(ipv4_address ip, instant now) const;

  // RFC 826's merge step: refreshes an existing entry and returns true, releasing the packets that
  // waited for it into released. An absent address is left absent.
  bool update(ipv4_address ip, mac_address mac, instant now, std::vector<frame>& released);
  // Adds or refreshes; false when the cache is full.
  bool insert(ipv4_address ip, mac_address mac, instant now, std::vector<frame>& released);

  struct enqueued {
    bool send_request = false;     // the address was not being asked for: ask now
    bool cache_full = false;       // no entry could be made; the packet comes back in evicted
    std::optional<frame> evicted;  // a packet pushed out (the oldest), or the one refused
  };
  // Holds a packet until ip resolves.
  enqueued enqueue(ipv4_address ip, frame&& packet, instant now);

  struct due {
    std::vector<ipv4_address> requests;  // to ask again
    std::vector<frame> failed;           // gave up on: every retry went unanswered
  };
  // Forgets expired entries, and retries or fails incomplete ones whose time has come.
  void poll(instant now, due& out);

  std::optional<instant> next_deadline() const;
  std::size_t size() const { return entries_.size(); }
  const std::map<ipv4_address, entry>& entries() const { return entries_; }

 private:
  void resolve(entry& e, mac_address mac, instant now, std::vector<frame>& released);

  arp_config config_;
  std::map<ipv4_address, entry> entries_;
};

}  // namespace tapstack
