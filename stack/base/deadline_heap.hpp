#pragma once
// The host's timer structure: a binary min-heap of items by deadline, each item in it at most once,
// its place kept in the item itself (a std::size_t member named heap_slot), so that scheduling,
// moving and cancelling an item cost O(log n) and the next deadline O(1). Not for items that hold
// several deadlines at once: each holds one place, at its earliest.
//
// Why a heap and not a timing wheel: a wheel rounds deadlines to its tick, and the core's timers
// are exact instants that the virtual-time tests compare exactly (a delayed ACK due at 40 ms
// fires at 40 ms, not at the next tick); a heap keeps them exact and holds one entry per
// connection, the earliest of its timers, so 100,000 connections cost 17 levels per update.
// A wheel's O(1) start and stop pays off with millions of timers restarted on every segment;
// here each segment moves at most one entry.
//
// The heap holds plain pointers: an item must be cancelled before it is destroyed or moved.
#include <cstddef>
#include <optional>
#include <vector>

#include "stack/base/time.hpp"

namespace tapstack {

inline constexpr std::size_t no_heap_slot = static_cast<std::size_t>(-1);

template <class Item>
class deadline_heap {
 public:
  // Puts item in the heap at at, or moves it there if it is in already.
  void schedule(Item& item, instant at) {
    if (item.heap_slot == no_heap_slot) {
      entries_.push_back({at, &item});
      item.heap_slot = entries_.size() - 1;
      return sift_up(item.heap_slot);
    }
    entry& e = entries_[item.heap_slot];
    const bool earlier = at < e.at;
    e.at = at;
    if (earlier)
      sift_up(item.heap_slot);
    else
      sift_down(item.heap_slot);
  }
  // schedule(item, *at), or cancel(item) when at is nullopt.
  void schedule(Item& item, std::optional<instant> at) {
    if (at)
      schedule(item, *at);
    else
      cancel(item);
  }
  // Takes item out of the heap, if it is there.
  void cancel(Item& item) {
    const std::size_t slot = item.heap_slot;
    if (slot == no_heap_slot) return;
    item.heap_slot = no_heap_slot;
    const entry last = entries_.back();
    entries_.pop_back();
    if (slot == entries_.size()) return;
    place(slot, last);
    sift_up(slot);
    sift_down(item_slot(last));
  }
  std::optional<instant> next() const {
    if (entries_.empty()) return std::nullopt;
    return entries_.front().at;
  }
  // The item with the earliest deadline if that is at or before now, taken out of the heap;
  // nullptr when none is due.
  Item* pop_due(instant now) {
    if (entries_.empty() || entries_.front().at > now) return nullptr;
    Item* item = entries_.front().item;
    cancel(*item);
    return item;
  }
  // Takes every item out of the heap at once.
  void clear() {
    for (const entry& e : entries_) e.item->heap_slot = no_heap_slot;
    entries_.clear();
  }
  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }

 private:
  struct entry {
    instant at;
    Item* item;
  };

  static std::size_t item_slot(const entry& e) { return e.item->heap_slot; }
  void place(std::size_t slot, const entry& e) {
    entries_[slot] = e;
    e.item->heap_slot = slot;
  }
  void sift_up(std::size_t slot) {
    const entry moving = entries_[slot];
    while (slot > 0) {
      const std::size_t parent = (slot - 1) / 2;
      if (!(moving.at < entries_[parent].at)) break;
      place(slot, entries_[parent]);
      slot = parent;
    }
    place(slot, moving);
  }
  void sift_down(std::size_t slot) {
    const entry moving = entries_[slot];
    for (;;) {
      std::size_t child = 2 * slot + 1;
      if (child >= entries_.size()) break;
      if (child + 1 < entries_.size() && entries_[child + 1].at < entries_[child].at) ++child;
      if (!(entries_[child].at < moving.at)) break;
      place(slot, entries_[child]);
      slot = child;
    }
    place(slot, moving);
  }

  std::vector<entry> entries_;
};

}  // namespace tapstack
