#include "stack/asio/host.hpp"

namespace tapstack {

host::host(asio::io_context& io, const real_clock& clock, const stack_config& config, device& dev,
           logger log, bool handle_signals)
    : io_{io},
      clock_{clock},
      stack_{config, log},
      runner_{io, stack_, dev, clock_, handle_signals} {}

}  // namespace tapstack
