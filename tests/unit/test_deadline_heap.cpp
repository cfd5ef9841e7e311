// The host's timer structure (stack/base/deadline_heap.hpp) and a connection's timer record
// (stack/tcp/tcp_timer_set.hpp): the earliest deadline first, items moved and cancelled in place,
// and many of them checked against a plain model.
#include <doctest/doctest.h>

#include <map>
#include <optional>
#include <random>
#include <set>
#include <utility>
#include <vector>

#include "stack/base/deadline_heap.hpp"
#include "stack/tcp/tcp_timer_set.hpp"

namespace tapstack {
namespace {

using namespace std::chrono_literals;

struct item {
  int id = 0;
  std::size_t heap_slot = no_heap_slot;
};

instant at(duration d) { return instant{} + d; }

TEST_CASE("deadline heap: items come due earliest first, and only once due") {
  deadline_heap<item> heap;
  std::vector<item> items{{1}, {2}, {3}};
  heap.schedule(items[0], at(30ms));
  heap.schedule(items[1], at(10ms));
  heap.schedule(items[2], at(20ms));
  CHECK(heap.next() == at(10ms));
  CHECK(heap.pop_due(at(9ms)) == nullptr);
  CHECK(heap.pop_due(at(25ms))->id == 2);
  CHECK(heap.pop_due(at(25ms))->id == 3);
  CHECK(heap.pop_due(at(25ms)) == nullptr);
  CHECK(heap.next() == at(30ms));
  CHECK(items[1].heap_slot == no_heap_slot);  // popped items are out of the heap
}

TEST_CASE("deadline heap: an item scheduled again moves, and a cancelled one is gone") {
  deadline_heap<item> heap;
  std::vector<item> items{{1}, {2}, {3}};
  for (int i = 0; i < 3; ++i) heap.schedule(items[i], at((i + 1) * 10ms));
  heap.schedule(items[2], at(5ms));  // earlier: to the front
  CHECK(heap.next() == at(5ms));
  heap.schedule(items[2], at(50ms));  // later: to the back, in the heap once
  CHECK(heap.size() == 3);
  CHECK(heap.next() == at(10ms));
  heap.cancel(items[0]);
  heap.cancel(items[0]);                  // twice is harmless
  heap.schedule(items[1], std::nullopt);  // no deadline: out
  CHECK(heap.size() == 1);
  CHECK(heap.next() == at(50ms));
  CHECK(heap.pop_due(at(50ms))->id == 3);
  CHECK(heap.empty());
  CHECK_FALSE(heap.next());
}

TEST_CASE("deadline heap: 10,000 items moved and cancelled at random agree with a model") {
  deadline_heap<item> heap;
  std::vector<item> items(10000);
  // The model: each item's deadline, and the deadlines in order.
  std::map<int, instant> deadline;
  std::set<std::pair<instant, int>> order;
  const auto forget = [&](int id) {
    if (const auto it = deadline.find(id); it != deadline.end()) {
      order.erase({it->second, id});
      deadline.erase(it);
    }
  };
  for (int i = 0; i < static_cast<int>(items.size()); ++i) items[i].id = i;
  std::mt19937 random{7};
  std::uniform_int_distribution<int> pick(0, static_cast<int>(items.size()) - 1);
  std::uniform_int_distribution<int> ms(0, 100000);
  instant now{};
  for (int step = 0; step < 200000; ++step) {
    const int i = pick(random);
    switch (random() % 4) {
      case 0:
      case 1: {
        const instant when = now + std::chrono::milliseconds{ms(random)};
        heap.schedule(items[i], when);
        forget(i);
        deadline[i] = when;
        order.insert({when, i});
        break;
      }
      case 2:
        heap.cancel(items[i]);
        forget(i);
        break;
      case 3:
        now += 10ms;
        while (item* due = heap.pop_due(now)) {
          REQUIRE(deadline.contains(due->id));
          REQUIRE(deadline[due->id] <= now);
          forget(due->id);
        }
        break;
    }
    REQUIRE(heap.size() == deadline.size());
    // The earliest is the model's, and after the pops above nothing left is due.
    REQUIRE(heap.next() == (order.empty() ? std::nullopt : std::optional{order.begin()->first}));
  }
}

TEST_CASE("timer record: each timer armed, cleared and due on its own; next() is the earliest") {
  tcp_timer_set timers;
  CHECK_FALSE(timers.next());
  timers.arm(tcp_timer::retransmit, at(1s));
  timers.arm(tcp_timer::delayed_ack, at(40ms));
  timers.arm_if_off(tcp_timer::retransmit, at(3s));  // running: not restarted (RFC 6298 5.1)
  CHECK(timers.at(tcp_timer::retransmit) == at(1s));
  CHECK(timers.next() == at(40ms));
  CHECK(timers.due(tcp_timer::delayed_ack, at(40ms)));
  CHECK_FALSE(timers.due(tcp_timer::retransmit, at(40ms)));
  CHECK_FALSE(timers.due(tcp_timer::persist, at(1h)));  // off is never due
  timers.clear(tcp_timer::delayed_ack);
  CHECK(timers.next() == at(1s));
  timers.clear_all();
  CHECK_FALSE(timers.armed(tcp_timer::retransmit));
  CHECK_FALSE(timers.next());
  CHECK(to_string(tcp_timer::time_wait) == "TIME-WAIT");
  CHECK(to_string(tcp_timer::persist) == "zero-window probe");
}

}  // namespace
}  // namespace tapstack
