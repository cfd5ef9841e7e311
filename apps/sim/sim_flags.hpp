#pragma once
// tapstack-sim's command line, both ways: the flags parsed into sim_options (its own flags, then
// the shared --tcp-* and fault flags of apps/common), and sim_options rendered back into the
// command that runs them, which is how a failing randomised test says what to type to see the
// failure again. Parsing what command_line() renders gives back the same options, so the same run.
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "apps/sim/scenario.hpp"

namespace tapstack::sim {

inline constexpr const char* program_name = "tapstack-sim";

struct sim_command {
  sim_options options;
  bool json = false;           // print one JSON object rather than lines for people
  bool step = false;           // pause after each event (stepper.hpp)
  bool report_memory = false;  // print the process's resident memory (memory_watch.hpp)
};

// Parses args (without the program's name). Prints the help to help_out and returns nullopt when
// --help is among them; throws usage_error for a bad or misplaced flag.
std::optional<sim_command> parse_flags(const std::vector<std::string>& args,
                                       std::ostream& help_out);

// "tapstack-sim --scenario bulk --bytes 10m --seed 1 --loss out:2%": the scenario, its workload
// and the seed always, every other flag only where options differ from its default; arguments
// quoted for a POSIX shell where they need it. Throws std::invalid_argument when options hold
// something no flag can say (a tcp_config field without a --tcp-* flag, targeted fault rules).
std::string command_line(const sim_options& options);

// Splits what command_line() renders back into arguments, the program's name dropped: enough of
// a POSIX shell's quoting for that (single quotes), not a general shell parser.
std::vector<std::string> split_command_line(const std::string& line);

}  // namespace tapstack::sim
