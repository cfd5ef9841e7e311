#pragma once
// tapstack-lab's subcommands. Each takes the command line from its own name on (argv[0] is
// "nagle" or "cwnd"), parses it, runs its experiment, prints, and returns the exit status; a bad
// flag is a usage_error, a failure to run any other exception (run_program reports both).

namespace tapstack::lab {

int nagle_command(int argc, char** argv);
int cwnd_command(int argc, char** argv);

}  // namespace tapstack::lab
