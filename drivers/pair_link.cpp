#include "drivers/pair_link.hpp"

#include <algorithm>

namespace tapstack {

pair_link::pair_link(std::size_t queue_limit) {
  a_.peer_ = &b_;
  b_.peer_ = &a_;
  a_.limit_ = b_.limit_ = queue_limit;
}

std::size_t pair_link::end::receive(byte_span out, instant) {
  if (inbox_.empty()) return 0;
  const auto& f = inbox_.front();
  const std::size_t n = std::min(out.size(), f.size());
  std::copy_n(f.begin(), n, out.begin());
  inbox_.pop_front();
  return n;
}

bool pair_link::end::transmit(const_byte_span frame, instant) {
  if (peer_->inbox_.size() >= peer_->limit_) return false;
  peer_->inbox_.emplace_back(frame.begin(), frame.end());
  return true;
}

}  // namespace tapstack
