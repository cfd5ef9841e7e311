#include "stack/base/log.hpp"

#include <array>

namespace tapstack {
namespace {
constexpr std::array<std::string_view, 6> level_names = {"trace", "debug", "info",
                                                         "warn",  "error", "off"};
}

std::string_view to_string(log_level l) { return level_names[static_cast<std::size_t>(l)]; }

bool parse_log_level(std::string_view text, log_level& out) {
  for (std::size_t i = 0; i < level_names.size(); ++i) {
    if (level_names[i] == text) {
      out = static_cast<log_level>(i);
      return true;
    }
  }
  return false;
}

}  // namespace tapstack
