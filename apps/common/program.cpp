#include "apps/common/program.hpp"

#include <iostream>

namespace tapstack {

int run_program(const std::string& name, const std::function<int()>& body) {
  try {
    return body();
  } catch (const usage_error& e) {
    std::cerr << name << ": " << e.what() << " (see " << name << " --help)\n";
    return exit_usage;
  } catch (const std::exception& e) {
    std::cerr << name << ": " << e.what() << '\n';
    return exit_failure;
  }
}

}  // namespace tapstack
