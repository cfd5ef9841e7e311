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

TEST_CASE("sizes are bytes, powers of 1024 (k, MiB) or of 1000 (kB, MB), as dd reads them") {
  CHECK(parse_size("65536") == 65536u);
  CHECK(parse_size("256k") == 256u * 1024);
  CHECK(parse_size("4M") == 4u << 20);
  CHECK(parse_size("1g") == std::size_t{1} << 30);
  CHECK(parse_size("2KiB") == 2048u);
  CHECK(parse_size("3mib") == 3u << 20);
  CHECK(parse_size("4kb") == 4000u);
  CHECK(parse_size("100MB") == 100'000'000u);
  CHECK(parse_size("1GB") == 1'000'000'000u);
  for (const char* bad :
       {"", "k", "-1k", "1.5k", "4kbit", "1t", "1b", "99999999999999999999", "99999999999999GB"})
    CHECK_MESSAGE(!parse_size(bad), bad);
}

TEST_CASE("rates are bits per second in powers of 1000, always with a unit") {
  CHECK(parse_rate("100mbit") == 100'000'000u);
  CHECK(parse_rate("1gbit") == 1'000'000'000u);
  CHECK(parse_rate("500kbit") == 500'000u);
  CHECK(parse_rate("1.5Gbit") == 1'500'000'000u);
  CHECK(parse_rate("64000bit") == 64'000u);
  for (const char* bad :
       {"", "100", "100m", "100mbps", "100MB", "-1mbit", "mbit", "1 mbit", "1.2.3mbit", "2000gbit"})
    CHECK_MESSAGE(!parse_rate(bad), bad);
}

TEST_CASE("percentages are written with %, and read as shares from 0 to 1") {
  CHECK(parse_percent("0.5%") == doctest::Approx(0.005));
  CHECK(parse_percent("20%") == doctest::Approx(0.2));
  CHECK(parse_percent("100%") == doctest::Approx(1.0));
  CHECK(parse_percent("0") == 0.0);
  for (const char* bad : {"", "0.5", "%", "-1%", "101%", "5 %", "5%%", "0.1.2%"})
    CHECK_MESSAGE(!parse_percent(bad), bad);
}

TEST_CASE("a flag out of its range is a usage error that says what was expected") {
  CHECK(duration_flag("--x", "200ms", 1ms, 1s) == 200ms);
  CHECK_THROWS_WITH_AS(duration_flag("--x", "2s", 1ms, 1s),
                       "invalid value '2s' for --x: expected a time like 200ms or 1.5s, from 1ms "
                       "to 1s",
                       usage_error);
  CHECK_THROWS_AS(size_flag("--y", "1k", 2048, 4096), usage_error);
  CHECK_THROWS_AS(unsigned_flag("--z", "7", 1, 5, "1 to 5"), usage_error);
  CHECK(rate_flag("--rate", "10mbit", 1000, 10'000'000'000) == 10'000'000u);
  CHECK_THROWS_WITH_AS(rate_flag("--rate", "20gbit", 100'000, 10'000'000'000),
                       "invalid value '20gbit' for --rate: expected a rate like 100mbit or 1.5gbit "
                       "(k = 1000 bits per second), from 100kbit to 10gbit",
                       usage_error);
  CHECK(percent_flag("--loss", "1%", 0, 0.2) == doctest::Approx(0.01));
  CHECK_THROWS_WITH_AS(percent_flag("--loss", "50%", 0, 0.2),
                       "invalid value '50%' for --loss: expected a percentage like 0.5%, from 0% "
                       "to 20%",
                       usage_error);
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
