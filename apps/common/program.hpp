#pragma once
// How every tapstack program ends: a bad flag is one line on stderr and exit code 2; an environment
// failure at start (no tap, no permission, unwritable file) is one line and exit code 1. Programs
// throw usage_error for the first and anything else derived from std::exception for the second.
#include <functional>
#include <stdexcept>
#include <string>

namespace tapstack {

class usage_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

inline constexpr int exit_usage = 2;
inline constexpr int exit_failure = 1;

// Runs body and turns what it throws into the message and exit code above.
int run_program(const std::string& name, const std::function<int()>& body);

}  // namespace tapstack
