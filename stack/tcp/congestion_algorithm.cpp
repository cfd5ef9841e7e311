#include "stack/tcp/congestion_algorithm.hpp"

namespace tapstack {

std::string_view to_string(congestion_algorithm a) {
  switch (a) {
    case congestion_algorithm::newreno:
      return "newreno";
    case congestion_algorithm::cubic:
      return "cubic";
  }
  return "?";
}

std::optional<congestion_algorithm> parse_congestion_algorithm(std::string_view name) {
  for (const auto a : {congestion_algorithm::newreno, congestion_algorithm::cubic})
    if (name == to_string(a)) return a;
  return std::nullopt;
}

}  // namespace tapstack
