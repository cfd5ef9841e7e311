#include "apps/common/fault_flags.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "apps/common/flag_values.hpp"
#include "stack/config.hpp"

namespace tapstack {
namespace po = boost::program_options;
using namespace std::chrono_literals;

namespace {

// The most any delay may add: far past a round trip a test or a lab would want, short enough that
// a typo (10s for 10ms) is still noticed while the host runs.
constexpr duration max_delay = 10s;

// Writes one flag's value (already stripped of its in:/out: prefix) into a direction's faults.
using setter = void (*)(const std::string& flag, const std::string& text, fault_config& c);

void set_loss(const std::string& flag, const std::string& text, fault_config& c) {
  c.loss = percent_flag(flag, text, 0, 1);
}

// "5%,4": Gilbert's model with a long-run loss of 5% in bursts of 4 frames on average.
void set_burst(const std::string& flag, const std::string& text, fault_config& c) {
  const std::string want =
      "MEAN_LOSS,MEAN_BURST like 5%,4 (a loss below 100% and bursts of at least 1 frame, with the "
      "loss at most burst / (burst + 1))";
  const auto comma = text.find(',');
  if (comma == std::string::npos) bad_flag(flag, text, want);
  const auto loss = parse_percent(std::string_view{text}.substr(0, comma));
  const std::string_view burst_text = std::string_view{text}.substr(comma + 1);
  double burst = 0;
  const auto [end, ec] =
      std::from_chars(burst_text.data(), burst_text.data() + burst_text.size(), burst);
  if (!loss || burst_text.empty() || ec != std::errc{} ||
      end != burst_text.data() + burst_text.size() || !std::isfinite(burst))
    bad_flag(flag, text, want);
  try {
    c.burst = gilbert_elliott::from_mean(*loss, burst);
  } catch (const std::invalid_argument&) {
    bad_flag(flag, text, want);
  }
}

void set_duplicate(const std::string& flag, const std::string& text, fault_config& c) {
  c.duplicate = percent_flag(flag, text, 0, 1);
}

void set_reorder(const std::string& flag, const std::string& text, fault_config& c) {
  c.reorder = percent_flag(flag, text, 0, 1);
}

void set_reorder_delay(const std::string& flag, const std::string& text, fault_config& c) {
  c.reorder_delay = duration_flag(flag, text, 1us, max_delay);
}

void set_corrupt(const std::string& flag, const std::string& text, fault_config& c) {
  c.corrupt = percent_flag(flag, text, 0, 1);
}

void set_latency(const std::string& flag, const std::string& text, fault_config& c) {
  c.latency = duration_flag(flag, text, 0s, max_delay);
}

void set_jitter(const std::string& flag, const std::string& text, fault_config& c) {
  c.jitter = duration_flag(flag, text, 0s, max_delay);
}

void set_rate(const std::string& flag, const std::string& text, fault_config& c) {
  c.rate_bps = rate_flag(flag, text, 1'000, 1'000'000'000'000);
}

void set_queue(const std::string& flag, const std::string& text, fault_config& c) {
  c.queue_limit = unsigned_flag(flag, text, 1, 1'000'000, "a number of frames from 1 to 1000000");
}

void set_mtu(const std::string& flag, const std::string& text, fault_config& c) {
  c.mtu = unsigned_flag(flag, text, min_mtu, max_mtu, "a packet size in bytes from 68 to 65535");
}

void set_drop_frames(const std::string& flag, const std::string& text, fault_config& c) {
  std::vector<std::uint64_t> frames;
  std::size_t start = 0;
  for (;;) {
    const auto comma = text.find(',', start);
    const std::string part = text.substr(start, comma - start);
    std::uint64_t n = 0;
    const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), n);
    if (part.empty() || ec != std::errc{} || end != part.data() + part.size() || n == 0)
      bad_flag(flag, text, "frame numbers counted from 1, separated by commas, like 3,10");
    frames.push_back(n);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  c.drop_frames = std::move(frames);
}

struct fault_flag {
  const char* name;
  const char* help;
  setter set;
};

// --help lists them in this order.
constexpr fault_flag flags[] = {
    {"loss", "drop this share of frames, each on its own (10%)", set_loss},
    {"burst-loss",
     "drop frames in bursts (Gilbert's model): mean loss and mean burst length in frames, like "
     "5%,4",
     set_burst},
    {"dup", "send this share of frames twice", set_duplicate},
    {"reorder", "hold back this share of frames by --reorder-delay, so later ones overtake them",
     set_reorder},
    {"reorder-delay", "how long --reorder holds a frame back (default 10ms)", set_reorder_delay},
    {"corrupt", "flip one bit after the Ethernet header in this share of frames", set_corrupt},
    {"delay", "delay every frame this long (10ms)", set_latency},
    {"jitter", "add a random delay from 0 to this to every frame; frames keep their order",
     set_jitter},
    {"rate", "send at most this many bits per second (100mbit), queueing the rest", set_rate},
    {"queue", "frames --rate's queue holds before it drops at its tail (default 1000)", set_queue},
    {"mtu-limit", "drop IP packets larger than this many bytes", set_mtu},
    {"drop-nth", "drop these frames by number, counted from 1 in each direction: 3,10",
     set_drop_frames},
};

}  // namespace

bool fault_options::any() const { return in.any() || out.any(); }

po::options_description fault_flags::description() {
  po::options_description d{
      "Faults, injected between the tap and the host (all off by default). A plain value applies\n"
      "to both directions; in:VALUE only to frames arriving from the tap towards the host,\n"
      "out:VALUE only to frames the host sends; give a flag twice for different values each way\n"
      "(--loss in:1% --loss out:5%). Random choices are seeded from --seed, in a stream of their\n"
      "own, so a run repeats with the same seed"};
  for (const fault_flag& f : flags)
    d.add_options()(f.name, po::value<std::vector<std::string>>()->composing(), f.help);
  return d;
}

fault_options fault_flags::resolve(const po::variables_map& vm) const {
  fault_options o;
  for (const fault_flag& f : flags) {
    if (!vm.count(f.name)) continue;
    const std::string flag = std::string{"--"} + f.name;
    bool in_set = false;
    bool out_set = false;
    for (const std::string& value : vm[f.name].as<std::vector<std::string>>()) {
      std::string_view text = value;
      bool in = true;
      bool out = true;
      if (text.starts_with("in:")) {
        out = false;
        text.remove_prefix(3);
      } else if (text.starts_with("out:")) {
        in = false;
        text.remove_prefix(4);
      }
      if ((in && in_set) || (out && out_set))
        bad_flag(flag, value, "one value for each direction: this one was given already");
      in_set = in_set || in;
      out_set = out_set || out;
      if (in) f.set(flag, std::string{text}, o.in);
      if (out) f.set(flag, std::string{text}, o.out);
    }
  }
  return o;
}

}  // namespace tapstack
