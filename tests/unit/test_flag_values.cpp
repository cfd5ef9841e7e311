// How programs read times, sizes and the TCP flags from a command line: what is accepted, and
// that everything else is a usage error naming the flag.
#include <doctest/doctest.h>

#include <vector>

#include "apps/common/command_line.hpp"
#include "apps/common/flag_values.hpp"
#include "apps/common/program.hpp"

namespace tapstack::test {
namespace {

using namespace std::chrono_literals;

TEST_CASE("times need a unit, and take decimals") {
  CHECK(parse_duration("200ms") == 200ms);
  CHECK(parse_duration("1.5s") == 1500ms);
  CHECK(parse_duration("250us") == 250us);
  CHECK(parse_duration("2m") == 120s);
  CHECK(parse_duration("1h") == 3600s);
  CHECK(parse_duration("0") == 0s);
  for (const char* bad : {"", "200", "-1s", "1x", "ms", "1 s", "1.2.3s", "2d", "25h", "s1"})
    CHECK_MESSAGE(!parse_duration(bad), bad);
}

TEST_CASE("sizes are bytes or powers of 1024") {
  CHECK(parse_size("65536") == 65536u);
  CHECK(parse_size("256k") == 256u * 1024);
  CHECK(parse_size("4M") == 4u << 20);
  CHECK(parse_size("1g") == std::size_t{1} << 30);
  for (const char* bad : {"", "k", "-1k", "1.5k", "4kb", "1t", "99999999999999999999"})
    CHECK_MESSAGE(!parse_size(bad), bad);
}

TEST_CASE("a flag out of its range is a usage error that says what was expected") {
  CHECK(duration_flag("--x", "200ms", 1ms, 1s) == 200ms);
  CHECK_THROWS_WITH_AS(duration_flag("--x", "2s", 1ms, 1s),
                       "invalid value '2s' for --x: expected a time like 200ms or 1.5s, from 1ms "
                       "to 1s",
                       usage_error);
  CHECK_THROWS_AS(size_flag("--y", "1k", 2048, 4096), usage_error);
  CHECK_THROWS_AS(unsigned_flag("--z", "7", 1, 5, "1 to 5"), usage_error);
}

// Runs the shared command-line parser as a program would.
host_options parse(std::vector<const char*> args) {
  args.insert(args.begin(), "prog");
  boost::program_options::variables_map vm;
  const auto o = parse_command_line(static_cast<int>(args.size()), const_cast<char**>(args.data()),
                                    "usage", {}, vm);
  REQUIRE(o);
  return *o;
}

TEST_CASE("the TCP flags set the host's defaults for every connection") {
  const tcp_config defaults;
  const tcp_config plain = parse({}).stack.tcp;
  CHECK(plain.min_rto == defaults.min_rto);
  CHECK(plain.time_wait == defaults.time_wait);
  CHECK_FALSE(plain.keepalive);

  const tcp_config c = parse({"--tcp-buffer", "64k", "--tcp-min-rto", "200ms", "--tcp-time-wait",
                              "2s", "--tcp-keepalive", "30s", "--tcp-keepalive-interval", "5s",
                              "--tcp-keepalive-probes", "3"})
                           .stack.tcp;
  CHECK(c.send_buffer == 65536);
  CHECK(c.receive_buffer == 65536);
  CHECK(c.min_rto == 200ms);
  CHECK(c.time_wait == 2s);
  CHECK(c.keepalive);
  CHECK(c.keepalive_idle == 30s);
  CHECK(c.keepalive_interval == 5s);
  CHECK(c.keepalive_probes == 3);

  CHECK_THROWS_AS(parse({"--tcp-buffer", "1k"}), usage_error);
  CHECK_THROWS_AS(parse({"--tcp-min-rto", "0"}), usage_error);
  CHECK_THROWS_AS(parse({"--tcp-keepalive", "soon"}), usage_error);
  CHECK_THROWS_AS(parse({"--tcp-keepalive-probes", "0"}), usage_error);
}

}  // namespace
}  // namespace tapstack::test
