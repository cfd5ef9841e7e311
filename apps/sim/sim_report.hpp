#pragma once
// What tapstack-sim prints about a run: lines for people, or one JSON object for scripts (the
// keys its --help lists). Kept apart from the program so that the tests read what it prints.
#include <ostream>
#include <string>

#include "apps/sim/scenario.hpp"

namespace tapstack::sim {

void print_text(std::ostream& out, const sim_options& options, const sim_result& result);
// One line, no trailing newline.
std::string to_json(const sim_options& options, const sim_result& result);

}  // namespace tapstack::sim
