#pragma once
// The names of the congestion control algorithms, apart from the algorithms themselves
// (congestion_control.hpp), so that configuration and socket options can name one without
// pulling in the behaviour.
#include <optional>
#include <string_view>

namespace tapstack {

enum class congestion_algorithm { newreno, cubic };
std::string_view to_string(congestion_algorithm a);  // "newreno", "cubic"
// The names to_string gives, exactly; anything else is nullopt.
std::optional<congestion_algorithm> parse_congestion_algorithm(std::string_view name);

}  // namespace tapstack
