#include "drivers/pair_link.hpp"

#include <algorithm>

namespace tapstack {

pair_link::pair_link(const link_config& config) : config_{config}, random_{config.seed} {
  a_.link_ = b_.link_ = this;
  a_.peer_ = &b_;
  b_.peer_ = &a_;
}

std::optional<instant> pair_link::next_arrival() const {
  const auto a = a_.next_deadline();
  const auto b = b_.next_deadline();
  if (a && b) return std::min(*a, *b);
  return a ? a : b;
}

std::optional<instant> pair_link::end::next_deadline() const {
  if (inbox_.empty()) return std::nullopt;
  return inbox_.front().arrives;
}

std::size_t pair_link::end::receive(byte_span out, instant now) {
  if (inbox_.empty() || inbox_.front().arrives > now) return 0;
  const auto& f = inbox_.front().bytes;
  const std::size_t n = std::min(out.size(), f.size());
  std::copy_n(f.begin(), n, out.begin());
  inbox_.pop_front();
  return n;
}

bool pair_link::end::transmit(const_byte_span frame, instant now) {
  const link_config& c = link_->config_;
  instant sent = now;
  if (c.rate_bps > 0) {
    while (!departures_.empty() && departures_.front() <= now) departures_.pop_front();
    if (departures_.size() >= c.queue_limit) {
      ++link_->queue_drops_;
      return true;  // accepted by the device, dropped at the bottleneck's tail
    }
    const instant start = departures_.empty() ? now : std::max(now, departures_.back());
    sent = start + duration{frame.size() * 8 * std::uint64_t{1'000'000'000} / c.rate_bps};
    departures_.push_back(sent);
  } else if (peer_->inbox_.size() >= c.queue_limit) {
    return false;
  }
  // A lost frame was still accepted by the device: the loss happens on the wire.
  if (c.loss > 0 && static_cast<double>(link_->random_.next() >> 11) * 0x1.0p-53 < c.loss) {
    ++link_->dropped_;
    return true;
  }
  peer_->inbox_.push_back({sent + c.latency, {frame.begin(), frame.end()}});
  return true;
}

}  // namespace tapstack
