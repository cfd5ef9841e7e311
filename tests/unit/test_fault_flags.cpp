// The Faults flags every host program takes: a plain value for both directions, in:/out: for one,
// a flag given once per direction, and every malformed value a usage error naming the flag.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "apps/common/command_line.hpp"
#include "apps/common/program.hpp"

namespace tapstack::test {
namespace {

using namespace std::chrono_literals;

fault_options faults_of(std::vector<const char*> args) {
  args.insert(args.begin(), "prog");
  boost::program_options::variables_map vm;
  const auto o = parse_command_line(static_cast<int>(args.size()), const_cast<char**>(args.data()),
                                    "usage", {}, vm);
  REQUIRE(o);
  return o->faults;
}

TEST_CASE("no fault flag, no faults") {
  const fault_options f = faults_of({});
  CHECK_FALSE(f.any());
  // The injector's own defaults stay, for a direction the flags leave alone.
  CHECK(f.in.reorder_delay == 10ms);
  CHECK(f.out.queue_limit == 1000);
}

TEST_CASE("a plain value applies to both directions") {
  const fault_options f =
      faults_of({"--loss",          "10%",  "--dup",      "1%",      "--reorder", "5%",
                 "--reorder-delay", "20ms", "--corrupt",  "0.5%",    "--delay",   "10ms",
                 "--jitter",        "2ms",  "--rate",     "100mbit", "--queue",   "50",
                 "--mtu-limit",     "1400", "--drop-nth", "3,10"});
  CHECK(f.any());
  for (const fault_config* c : {&f.in, &f.out}) {
    CHECK(c->loss == doctest::Approx(0.1));
    CHECK(c->duplicate == doctest::Approx(0.01));
    CHECK(c->reorder == doctest::Approx(0.05));
    CHECK(c->reorder_delay == 20ms);
    CHECK(c->corrupt == doctest::Approx(0.005));
    CHECK(c->latency == 10ms);
    CHECK(c->jitter == 2ms);
    CHECK(c->rate_bps == 100'000'000u);
    CHECK(c->queue_limit == 50);
    CHECK(c->mtu == 1400);
    CHECK(c->drop_frames == std::vector<std::uint64_t>{3, 10});
  }
}

TEST_CASE("in: and out: set one direction, and a flag may be given once for each") {
  const fault_options f = faults_of({"--loss", "in:1%", "--loss", "out:5%", "--delay", "out:20ms"});
  CHECK(f.in.loss == doctest::Approx(0.01));
  CHECK(f.out.loss == doctest::Approx(0.05));
  CHECK(f.in.latency == 0s);
  CHECK(f.out.latency == 20ms);

  const fault_options only_in = faults_of({"--drop-nth", "in:2"});
  CHECK(only_in.any());
  CHECK(only_in.in.drop_frames == std::vector<std::uint64_t>{2});
  CHECK(only_in.out.drop_frames.empty());
}

TEST_CASE("burst loss takes the mean loss and the mean burst length") {
  const fault_options f = faults_of({"--burst-loss", "5%,4"});
  CHECK(f.any());
  CHECK(f.out.burst.mean_loss() == doctest::Approx(0.05));
  CHECK(f.out.burst.r == doctest::Approx(0.25));
  CHECK(f.in.burst.mean_loss() == doctest::Approx(0.05));
}

TEST_CASE("a flag that only shapes another fault asks for none by itself") {
  CHECK_FALSE(faults_of({"--reorder-delay", "50ms", "--queue", "10"}).any());
}

TEST_CASE("every bad fault value is a usage error naming its flag") {
  const std::vector<std::vector<const char*>> bad = {
      {"--loss", "10"},
      {"--loss", "101%"},
      {"--loss", "up:10%"},
      {"--loss", "in:"},
      {"--loss", "10%", "--loss", "out:5%"},
      {"--loss", "in:1%", "--loss", "in:2%"},
      {"--burst-loss", "5%"},
      {"--burst-loss", "5%,0.5"},
      {"--burst-loss", "60%,1"},
      {"--burst-loss", "5%,x"},
      {"--burst-loss", "5,4"},
      {"--dup", "1.5"},
      {"--reorder", "5%%"},
      {"--reorder-delay", "0"},
      {"--reorder-delay", "10"},
      {"--corrupt", "x"},
      {"--delay", "10"},
      {"--delay", "11s"},
      {"--jitter", "1x"},
      {"--rate", "100"},
      {"--rate", "100mbps"},
      {"--queue", "0"},
      {"--queue", "ten"},
      {"--mtu-limit", "67"},
      {"--mtu-limit", "65536"},
      {"--drop-nth", "0"},
      {"--drop-nth", "3,,4"},
      {"--drop-nth", "3,"},
      {"--drop-nth", "x"},
  };
  for (const auto& args : bad) {
    std::string shown;
    for (const char* a : args) shown += std::string{a} + ' ';
    const std::string flag = args[0];
    try {
      faults_of(args);
      FAIL_CHECK("accepted: " << shown);
    } catch (const usage_error& e) {
      CHECK_MESSAGE(std::string{e.what()}.find("for " + flag + ":") != std::string::npos,
                    shown << "-> " << e.what());
    }
  }
}

}  // namespace
}  // namespace tapstack::test
