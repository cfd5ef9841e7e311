#pragma once
// The log sink of the programs: one line per message on stderr, with the host's time and level.
#include "stack/base/log.hpp"

namespace tapstack {

class stderr_sink final : public log_sink {
 public:
  void write(log_level level, instant when, std::string_view message) override;
};

}  // namespace tapstack
