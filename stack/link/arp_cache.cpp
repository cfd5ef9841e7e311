#include "stack/link/arp_cache.hpp"

namespace tapstack {

std::optional<mac_address> arp_cache::lookup(ipv4_address ip, instant now) const {
  const auto it = entries_.find(ip);
  if (it == entries_.end() || !it->second.mac || it->second.deadline <= now) return std::nullopt;
  return it->second.mac;
}

void arp_cache::resolve(entry& e, mac_address mac, instant now, std::vector<frame>& released) {
  e.mac = mac;
  e.deadline = now + config_.lifetime;
  e.requests = 0;
  for (auto& f : e.pending) released.push_back(std::move(f));
  e.pending.clear();
}

bool arp_cache::update(ipv4_address ip, mac_address mac, instant now,
                       std::vector<frame>& released) {
  const auto it = entries_.find(ip);
  if (it == entries_.end()) return false;
  resolve(it->second, mac, now, released);
  return true;
}

bool arp_cache::insert(ipv4_address ip, mac_address mac, instant now,
                       std::vector<frame>& released) {
  if (update(ip, mac, now, released)) return true;
  if (entries_.size() >= config_.max_entries) return false;
  resolve(entries_[ip], mac, now, released);
  return true;
}

arp_cache::enqueued arp_cache::enqueue(ipv4_address ip, frame&& packet, instant now) {
  enqueued result;
  auto it = entries_.find(ip);
  if (it == entries_.end()) {
    if (entries_.size() >= config_.max_entries) {
      result.cache_full = true;
      result.evicted = std::move(packet);
      return result;
    }
    it = entries_.emplace(ip, entry{}).first;
  }
  entry& e = it->second;
  if (e.mac) {
    // Expired (a live entry would have been found by lookup): ask again as if new.
    e.mac.reset();
    e.requests = 0;
  }
  if (e.requests == 0) {
    e.requests = 1;
    e.deadline = now + config_.retry_interval;
    result.send_request = true;
  }
  if (e.pending.size() >= config_.max_pending) {
    result.evicted = std::move(e.pending.front());
    e.pending.pop_front();
  }
  e.pending.push_back(std::move(packet));
  return result;
}

void arp_cache::poll(instant now, due& out) {
  for (auto it = entries_.begin(); it != entries_.end();) {
    entry& e = it->second;
    if (e.deadline > now) {
      ++it;
      continue;
    }
    if (!e.mac && e.requests < config_.max_requests) {
      ++e.requests;
      e.deadline = now + config_.retry_interval;
      out.requests.push_back(it->first);
      ++it;
      continue;
    }
    for (auto& f : e.pending) out.failed.push_back(std::move(f));
    it = entries_.erase(it);
  }
}

std::optional<instant> arp_cache::next_deadline() const {
  std::optional<instant> next;
  for (const auto& [ip, e] : entries_)
    if (!next || e.deadline < *next) next = e.deadline;
  return next;
}

}  // namespace tapstack
