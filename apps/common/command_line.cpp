#include "apps/common/command_line.hpp"

#include <iostream>

#include "apps/common/fault_flags.hpp"
#include "apps/common/program.hpp"
#include "apps/common/tcp_host_flags.hpp"

namespace tapstack {
namespace po = boost::program_options;

std::optional<host_options> parse_command_line(
    int argc, char** argv, const std::string& usage, const po::options_description& own,
    po::variables_map& vm, const po::positional_options_description& positional) {
  host_flags flags;
  tcp_host_flags tcp;
  fault_flags faults;
  po::options_description all{"General"};
  all.add_options()("help,h", "print this help and exit");
  all.add(own);
  all.add(flags.description());
  all.add(tcp.description());
  all.add(faults.description());
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), vm);
    if (vm.count("help")) {
      std::cout << usage << '\n' << all << '\n';
      return std::nullopt;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    throw usage_error(e.what());
  }
  host_options options = flags.resolve(vm);
  tcp.resolve(options.stack.tcp);
  options.faults = faults.resolve(vm);
  return options;
}

}  // namespace tapstack
