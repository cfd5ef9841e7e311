// tapstack-lab cwnd: NewReno and CUBIC over the same bottleneck, traced to CSV and plotted.
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "apps/common/flag_values.hpp"
#include "apps/common/program.hpp"
#include "apps/lab/commands.hpp"
#include "apps/lab/cwnd_lab.hpp"

extern char** environ;

namespace tapstack::lab {
namespace {

namespace po = boost::program_options;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr const char* usage =
    "Usage: tapstack-lab cwnd --out DIR [--rate 100mbit] [--delay 20ms] [--loss 0.5%]\n"
    "                         [--bytes 20m] [--seed S]\n"
    "\n"
    "Sends --bytes from one tapstack host to another over a bottleneck link, in virtual time,\n"
    "once with NewReno (RFC 5681, 6582) and once with CUBIC (RFC 9438): --rate each way, --delay\n"
    "the round trip (half of it each way), --loss of the frames lost at random each way (seeded\n"
    "by --seed, so a run repeats exactly), and a tail-drop queue of one bandwidth-delay product.\n"
    "Buffers are large enough that the congestion window alone limits the sender, and the\n"
    "minimum RTO is Linux's 200 ms. Prints each algorithm's goodput, completion time and\n"
    "retransmissions; writes the sender's congestion trace (a row per ACK and per loss event:\n"
    "cwnd, ssthresh, bytes in flight, srtt, rto) to DIR/newreno.csv and DIR/cubic.csv, and plots\n"
    "them with scripts/plot-tcp to DIR/newreno.png and DIR/cubic.png (exit status 1, the CSVs\n"
    "written, if that script is missing or fails).\n";

struct cwnd_flags {
  std::string out;
  bulk_lab_config config;
};

// nullopt when --help was asked for and printed.
std::optional<cwnd_flags> parse(int argc, char** argv) {
  std::string out, rate = "100mbit", delay = "20ms", loss = "0.5%", bytes = "20m", seed = "1";
  po::options_description own{"Options"};
  // clang-format off
  own.add_options()
      ("help,h", "print this help and exit")
      ("out", po::value(&out), "directory for the traces and plots; made if missing (required)")
      ("rate", po::value(&rate)->default_value(rate),
       "the bottleneck's rate each way, like 100mbit or 1gbit, 100kbit to 10gbit")
      ("delay", po::value(&delay)->default_value(delay), "the round-trip time, 0 to 2s")
      ("loss", po::value(&loss)->default_value(loss),
       "share of frames lost at random each way, like 0.5%, up to 20%")
      ("bytes", po::value(&bytes)->default_value(bytes),
       "bytes to send, like 20m or 20MB (k, m, g: powers of 1024; kB, MB, GB: of 1000), 64k to 1g")
      ("seed", po::value(&seed)->default_value(seed), "seed for the losses and the hosts");
  // clang-format on
  po::variables_map vm;
  try {
    // No positional arguments: without an (empty) description Boost would ignore them.
    po::store(po::command_line_parser(argc, argv)
                  .options(own)
                  .positional(po::positional_options_description{})
                  .run(),
              vm);
    if (vm.count("help")) {
      std::cout << usage << '\n' << own << '\n';
      return std::nullopt;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    throw usage_error(e.what());
  }
  if (out.empty()) throw usage_error("missing --out DIR: the directory for the traces and plots");
  cwnd_flags f;
  f.out = out;
  f.config.rate_bps = rate_flag("--rate", rate, 100'000, 10'000'000'000);
  f.config.rtt = duration_flag("--delay", delay, 0s, 2s);
  f.config.loss = percent_flag("--loss", loss, 0, 0.2);
  f.config.bytes = size_flag("--bytes", bytes, 64 * 1024, std::size_t{1} << 30);
  f.config.seed = unsigned_flag("--seed", seed, 0, UINT64_MAX, "an unsigned 64-bit number");
  return f;
}

std::string figure(const char* format, double value) {
  char out[64];
  std::snprintf(out, sizeof out, format, value);
  return out;
}

std::string size_text(std::size_t bytes) {
  if (bytes % (1 << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
  if (bytes % (1 << 10) == 0) return std::to_string(bytes >> 10) + " KiB";
  return std::to_string(bytes) + " bytes";
}

void print_summary(const bulk_lab_config& c, const std::vector<bulk_result>& results) {
  std::cout << "NewReno and CUBIC: " << size_text(c.bytes) << " over "
            << figure("%g", static_cast<double>(c.rate_bps) / 1e6) << " Mbit/s, RTT "
            << to_string(c.rtt) << ", " << figure("%g", c.loss * 100)
            << "% loss each way, a queue of " << bottleneck_queue_frames(c)
            << " frames (one BDP), seed " << c.seed << "; virtual time.\n\n"
            << "algorithm     goodput        time  retransmits  fast retransmits  RTOs   lost  "
               "queue drops\n";
  for (const auto& r : results) {
    char line[160];
    std::snprintf(line, sizeof line, "%-9s %7.2f Mbit/s %9.3f s %12llu %17llu %5llu %6llu %12llu",
                  std::string{to_string(r.algorithm)}.c_str(), r.goodput_bps / 1e6,
                  std::chrono::duration<double>(r.completion).count(),
                  static_cast<unsigned long long>(r.retransmits),
                  static_cast<unsigned long long>(r.fast_retransmits),
                  static_cast<unsigned long long>(r.timeouts),
                  static_cast<unsigned long long>(r.frames_lost),
                  static_cast<unsigned long long>(r.queue_drops));
    std::cout << line << '\n';
  }
  std::cout << "\ngoodput: bytes delivered over the time from the first byte written to the last "
               "byte read; lost: frames\nthe link dropped at random, queue drops: frames dropped "
               "at the bottleneck's full queue (both directions).\n";
}

// scripts/plot-tcp beside the build that holds this program (build/bin/../../scripts), else in
// the source tree it was built from.
std::vector<fs::path> plot_script_candidates() {
  std::vector<fs::path> paths;
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) paths.push_back(self.parent_path().parent_path().parent_path() / "scripts/plot-tcp");
  paths.push_back(fs::path{TAPSTACK_SOURCE_DIR} / "scripts/plot-tcp");
  return paths;
}

// Runs SCRIPT CSV -o PNG; the script's own messages go to our stdout and stderr.
void plot(const fs::path& script, const fs::path& csv, const fs::path& png) {
  std::vector<std::string> args{script.string(), csv.string(), "-o", png.string()};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::cout.flush();
  pid_t pid = 0;
  if (const int err = ::posix_spawn(&pid, args[0].c_str(), nullptr, nullptr, argv.data(), environ))
    throw std::runtime_error("cannot run " + args[0] + ": " + std::strerror(err) +
                             "; the traces are written");
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error(args[0] + " failed on " + csv.string() +
                             (WIFEXITED(status)
                                  ? " (exit status " + std::to_string(WEXITSTATUS(status)) + ")"
                                  : " (killed by a signal)") +
                             "; the traces are written");
}

}  // namespace

int cwnd_command(int argc, char** argv) {
  const auto flags = parse(argc, argv);
  if (!flags) return 0;
  const fs::path dir = flags->out;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw std::runtime_error("cannot make " + dir.string() + ": " + ec.message());

  std::vector<bulk_result> results;
  std::vector<fs::path> traces;
  for (const auto algorithm : {congestion_algorithm::newreno, congestion_algorithm::cubic}) {
    const fs::path csv = dir / (std::string{to_string(algorithm)} + ".csv");
    std::ofstream out{csv};
    if (!out)
      throw std::runtime_error("cannot write " + csv.string() + ": " + std::strerror(errno));
    results.push_back(run_bulk_transfer(flags->config, algorithm, &out));
    out.close();
    if (!out)
      throw std::runtime_error("cannot write " + csv.string() + ": " + std::strerror(errno));
    traces.push_back(csv);
  }
  print_summary(flags->config, results);
  std::cout << "\ntraces: " << traces[0].string() << ", " << traces[1].string() << '\n';

  const auto candidates = plot_script_candidates();
  const auto script = std::find_if(candidates.begin(), candidates.end(),
                                   [](const fs::path& p) { return fs::exists(p); });
  if (script == candidates.end()) {
    std::string looked;
    for (const auto& p : candidates) looked += (looked.empty() ? "" : " and ") + p.string();
    throw std::runtime_error("no scripts/plot-tcp to plot with (looked for " + looked +
                             "); the traces are written");
  }
  std::vector<fs::path> plots;
  for (const auto& csv : traces) {
    fs::path png = csv;
    png.replace_extension(".png");
    plot(*script, csv, png);
    plots.push_back(png);
  }
  std::cout << "plots: " << plots[0].string() << ", " << plots[1].string() << '\n';
  return 0;
}

}  // namespace tapstack::lab
