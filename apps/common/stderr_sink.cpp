#include "apps/common/stderr_sink.hpp"

#include <iostream>

namespace tapstack {

void stderr_sink::write(log_level level, instant when, std::string_view message) {
  std::cerr << to_string(when) << ' ' << to_string(level) << ": " << message << '\n';
}

}  // namespace tapstack
