#include "drivers/simulator.hpp"

namespace tapstack {

void simulator::add(stack& host, device& dev) { hosts_.push_back({&host, &dev}); }

void simulator::start() {
  for (auto& h : hosts_) h.host->start(now_);
}

bool simulator::step(instant until) {
  bool moved = false;
  for (std::size_t i = 0; i < hosts_.size(); ++i) {
    const attached& h = hosts_[i];
    for (auto batch = batches_.receive(*h.dev, now_); !batch.empty();
         batch = batches_.receive(*h.dev, now_)) {
      moved = true;
      for (const received_frame& f : batch) {
        h.host->receive(f.bytes(), f.meta, now_);
        if (observer_) observer_({event::kind::frame, i, f.bytes(), now_});
      }
    }
    if (observer_)
      poll_watched(i);
    else
      h.host->poll(now_);
    if (batches_.transmit(*h.host, *h.dev, now_) > 0) moved = true;
  }
  if (moved) return true;
  std::optional<instant> next;
  for (auto& h : hosts_)
    for (const auto d : {h.host->next_deadline(), h.dev->next_deadline()})
      if (d && (!next || *d < *next)) next = d;
  if (!next || *next > until) return false;
  now_ = std::max(now_, *next);
  return true;
}

void simulator::poll_watched(std::size_t i) {
  stack& host = *hosts_[i].host;
  const std::optional<instant> due = host.next_deadline();
  if (!due || *due > now_) return host.poll(now_);
  const std::size_t queued = host.held().transmit_queue;
  const counters before = host.stats();
  host.poll(now_);
  observer_({event::kind::timers, i, {}, now_, host.held().transmit_queue - queued, &before});
}

bool simulator::run_until(const std::function<bool()>& done, duration limit) {
  const instant until = now_ + limit;
  while (!done())
    // The last round may have run a timer that moved no frame (the end of TIME-WAIT, a SYN's
    // last retry): it still counts.
    if (!step(until)) return done();
  return true;
}

void simulator::run_for(duration limit) {
  const instant until = now_ + limit;
  while (step(until)) {
  }
  now_ = std::max(now_, until);
}

}  // namespace tapstack
