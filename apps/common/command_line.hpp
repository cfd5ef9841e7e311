#pragma once
// Parsing a program's command line: its own options and positional arguments, then the host and
// TCP flags every program shares (host_options.hpp, tcp_host_flags.hpp), with one --help for all.
// Parse errors become usage_error, so run_program turns them into one line and exit code 2.
#include <boost/program_options.hpp>
#include <optional>
#include <string>

#include "apps/common/host_options.hpp"

namespace tapstack {

// Fills vm and returns the host options; nullopt when --help was asked for and printed.
std::optional<host_options> parse_command_line(
    int argc, char** argv, const std::string& usage,
    const boost::program_options::options_description& own,
    boost::program_options::variables_map& vm,
    const boost::program_options::positional_options_description& positional = {});

}  // namespace tapstack
