#include "stack/link/ethernet_layer.hpp"

namespace tapstack {

std::optional<ethernet_repr> ethernet_layer::accept(const_byte_span frame, instant now) {
  const auto view = ethernet_view::check(frame);
  if (!view) {
    ctx_.drop(view.error(), now);
    return std::nullopt;
  }
  const auto repr = ethernet_repr::parse(*view);
  if (repr.dst != ctx_.config.mac && !repr.dst.is_broadcast()) {
    ctx_.drop(drop_reason::eth_not_for_us, now);
    return std::nullopt;
  }
  return repr;
}

void ethernet_layer::send(frame&& f, mac_address dst, ethertype type) {
  ethernet_repr{ctx_.config.mac, dst, type}.emit(f.prepend(ethernet::header_len));
  tx_.push_back(std::move(f));
  if (drain_ && tx_.size() - tx_head_ >= backlog_) drain_();
}

std::optional<frame> ethernet_layer::pop_transmit() {
  if (!has_transmit()) return std::nullopt;
  frame f = std::move(tx_[tx_head_++]);
  if (tx_head_ == tx_.size()) {
    tx_.clear();
    tx_head_ = 0;
  }
  return f;
}

}  // namespace tapstack
