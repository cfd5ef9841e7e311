#pragma once
// The log sink: where a host's messages go. The core formats nothing unless the level is enabled
// (messages are built by a callable), and writes through a sink the program provides: stderr in the
// apps, a string buffer in tests. Not a tracing facility for frames; that is the tracer device.
#include <string>
#include <string_view>

#include "stack/base/time.hpp"

namespace tapstack {

enum class log_level { trace, debug, info, warn, error, off };

std::string_view to_string(log_level l);
// Accepts the names printed by to_string; returns false for anything else.
bool parse_log_level(std::string_view text, log_level& out);

class log_sink {
 public:
  virtual ~log_sink() = default;
  virtual void write(log_level level, instant when, std::string_view message) = 0;
};

// Non-owning: the sink outlives every logger that points at it.
class logger {
 public:
  logger() = default;
  logger(log_sink* sink, log_level threshold) : sink_{sink}, threshold_{threshold} {}

  bool enabled(log_level level) const { return sink_ != nullptr && level >= threshold_; }

  template <class MakeMessage>
  void log(log_level level, instant when, MakeMessage&& make) const {
    if (enabled(level)) sink_->write(level, when, make());
  }

 private:
  log_sink* sink_ = nullptr;
  log_level threshold_ = log_level::off;
};

}  // namespace tapstack
