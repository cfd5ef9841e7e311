// tapstack-sim: experiments in virtual time. Two tapstack hosts joined by a link with a fault
// injector, a named workload between them, every byte checked; prints what TCP did (goodput,
// retransmissions, RTOs) and writes the capture and the congestion trace. The same flags give the
// same run, byte for byte.
#include <iostream>
#include <string>
#include <vector>

#include "apps/common/program.hpp"
#include "apps/sim/memory_watch.hpp"
#include "apps/sim/scenario.hpp"
#include "apps/sim/sim_flags.hpp"
#include "apps/sim/sim_report.hpp"
#include "apps/sim/stepper.hpp"

using namespace tapstack;

int main(int argc, char** argv) {
  return run_program(sim::program_name, [&] {
    const auto command =
        sim::parse_flags(std::vector<std::string>(argv + 1, argv + argc), std::cout);
    if (!command) return 0;
    sim::stepper stepper{std::cin, std::cout};
    sim::memory_watch memory;
    sim::run_observer* observer = nullptr;
    if (command->step) observer = &stepper;
    if (command->report_memory) observer = &memory;
    const sim::sim_result result = sim::run(command->options, observer);
    if (command->json)
      std::cout << sim::to_json(command->options, result) << '\n';
    else
      sim::print_text(std::cout, command->options, result);
    if (command->report_memory) memory.print(std::cout);
    return result.intact() ? 0 : exit_failure;
  });
}
