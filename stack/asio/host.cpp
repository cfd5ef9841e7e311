#include "stack/asio/host.hpp"

namespace tapstack {

host::host(asio::io_context& io, const real_clock& clock, const stack_config& config, device& dev,
           logger log, bool handle_signals)
    : io_{io},
      clock_{clock},
      stack_{config, log},
      runner_{io, stack_, dev, clock_, handle_signals} {
  runner_.on_stop([this] { abort_sockets(); });
  runner_.on_turn_end([this] { wake_woken(); });
}

void host::wake(std::weak_ptr<wakeable> w, const std::shared_ptr<handler_memory>& memory) {
  if (runner_.in_turn()) {
    woken_.push_back(std::move(w));
    return;
  }
  const auto deliver = [w = std::move(w)] {
    if (const auto s = w.lock()) s->wake();
  };
  asio::post(io_, allocated_handler<decltype(deliver), handler_allocator<void>>{
                      deliver, handler_allocator<void>{memory}});
}

void host::wake_woken() {
  // By index: a handler run here may wake another, which joins the end.
  for (std::size_t i = 0; i < woken_.size(); ++i)
    if (const auto s = woken_[i].lock()) s->wake();
  woken_.clear();
}

void host::on_stop(std::weak_ptr<stoppable> state) {
  // Closed sockets leave expired entries: sweep them whenever the list has doubled.
  if (sockets_.size() >= 2 * sockets_pruned_at_) {
    std::erase_if(sockets_, [](const auto& s) { return s.expired(); });
    sockets_pruned_at_ = std::max<std::size_t>(16, sockets_.size());
  }
  sockets_.push_back(std::move(state));
}

void host::abort_sockets() {
  // The list is done with once stopped (a socket opened later aborts its own operations): taken
  // here, it lets each socket's memory go with the socket rather than all at the host's end.
  for (const auto& s : std::exchange(sockets_, {}))
    if (const auto alive = s.lock()) alive->abort_on_stop();
}

}  // namespace tapstack
