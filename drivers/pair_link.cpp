#include "drivers/pair_link.hpp"

#include <algorithm>

namespace tapstack {

pair_link::pair_link(const link_config& config) : config_{config}, random_{config.seed} {
  a_.link_ = b_.link_ = this;
  a_.peer_ = &b_;
  b_.peer_ = &a_;
}

std::optional<instant> pair_link::next_arrival() const {
  std::optional<instant> next;
  for (const end* e : {&a_, &b_})
    if (!e->inbox_.empty() && (!next || e->inbox_.front().arrives < *next))
      next = e->inbox_.front().arrives;
  return next;
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
  if (peer_->inbox_.size() >= link_->config_.queue_limit) return false;
  // A lost frame was still accepted by the device: the loss happens on the wire.
  if (link_->config_.loss > 0 &&
      static_cast<double>(link_->random_.next() >> 11) * 0x1.0p-53 < link_->config_.loss) {
    ++link_->dropped_;
    return true;
  }
  peer_->inbox_.push_back({now + link_->config_.latency, {frame.begin(), frame.end()}});
  return true;
}

}  // namespace tapstack
