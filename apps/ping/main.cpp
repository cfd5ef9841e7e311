// tapstack-ping: ping from the stack. Sends ICMP echo requests from a tapstack host on a tap and
// reports the replies in the style of iputils ping, with the summary on exit or Ctrl-C. Exit
// status 0 when any reply came back, 1 when none did, 2 for a bad command line.
#include <cmath>
#include <cstdio>
#include <iostream>
#include <map>
#include <set>
#include <vector>

#include "apps/common/app_host.hpp"
#include "apps/common/command_line.hpp"
#include "apps/common/program.hpp"
#include "stack/base/rng.hpp"

namespace po = boost::program_options;
using namespace tapstack;

namespace {

struct ping_options {
  ipv4_address target;
  std::uint64_t count = 0;  // 0: until interrupted
  duration interval = std::chrono::seconds{1};
  std::size_t size = 56;
  duration wait = std::chrono::seconds{10};
};

duration seconds_flag(const std::string& flag, double value, double min) {
  if (!(value >= min) || value > 3600)
    throw usage_error("invalid value for " + flag + ": expected seconds from " +
                      std::to_string(min) + " to 3600");
  return std::chrono::duration_cast<duration>(std::chrono::duration<double>{value});
}

// Milliseconds with three significant digits, as iputils prints them: 0.045, 1.23, 12.3, 123.
std::string ms(double value) {
  char out[32];
  std::snprintf(out, sizeof out,
                value < 1     ? "%.3f"
                : value < 10  ? "%.2f"
                : value < 100 ? "%.1f"
                              : "%.0f",
                value);
  return out;
}

class pinger {
 public:
  pinger(app_host& app, const ping_options& o)
      : app_{app},
        o_{o},
        timer_{app.io()},
        signals_{app.io(), SIGINT, SIGTERM},
        ident_{static_cast<std::uint16_t>(rng{app.options().stack.seed}.next())},
        data_(o.size) {
    for (std::size_t i = 0; i < data_.size(); ++i) data_[i] = static_cast<std::uint8_t>(i);
  }

  void start() {
    std::cout << "PING " << to_string(o_.target) << " (" << to_string(o_.target) << ") " << o_.size
              << "(" << o_.size + 28 << ") bytes of data." << std::endl;
    app_.node().core().icmp().on_echo_reply(
        [this] { asio::post(app_.io(), [this] { take_replies(); }); });
    signals_.async_wait([this](const boost::system::error_code& ec, int) {
      if (!ec) finish();
    });
    started_ = app_.node().now();
    send_next();
  }

  // 0 when any reply came back, 1 when none did.
  int status() const { return received_ > 0 ? 0 : 1; }

 private:
  void send_next() {
    const instant now = app_.node().now();
    const auto seq = static_cast<std::uint16_t>(++sent_);
    if (!app_.node().core().icmp().send_echo_request(o_.target, ident_, seq, data_, now)) {
      std::cerr << "tapstack-ping: cannot send to " << to_string(o_.target) << '\n';
      return finish();
    }
    sent_at_[seq] = now;
    app_.node().flush();
    const bool last = o_.count != 0 && sent_ >= o_.count;
    timer_.expires_after(last ? o_.wait : o_.interval);
    timer_.async_wait([this, last](const boost::system::error_code& ec) {
      if (ec) return;
      if (last) return finish();
      send_next();
    });
  }

  void take_replies() {
    auto& replies = app_.node().core().icmp().replies();
    for (auto it = replies.begin(); it != replies.end();) {
      if (it->ident != ident_ || it->from != o_.target) {
        ++it;
        continue;
      }
      report(*it);
      it = replies.erase(it);
    }
    if (o_.count != 0 && received_ >= o_.count && !finished_) finish();
  }

  void report(const echo_reply& r) {
    const auto sent = sent_at_.find(r.seq);
    if (sent == sent_at_.end()) return;
    const bool duplicate = !answered_.insert(r.seq).second;
    const double rtt = std::chrono::duration<double, std::milli>(r.received - sent->second).count();
    std::cout << r.data_len + 8 << " bytes from " << to_string(r.from) << ": icmp_seq=" << r.seq
              << " ttl=" << unsigned{r.ttl} << " time=" << ms(rtt) << " ms"
              << (duplicate ? " (DUP!)" : "") << std::endl;
    if (duplicate) {
      ++duplicates_;
      return;
    }
    ++received_;
    rtts_.push_back(rtt);
  }

  void finish() {
    if (finished_) return;
    finished_ = true;
    timer_.cancel();
    boost::system::error_code ignored;
    signals_.cancel(ignored);
    const auto elapsed =
        std::chrono::duration_cast<std::chrono::milliseconds>(app_.node().now() - started_);
    const double loss = sent_ == 0 ? 0 : 100.0 * double(sent_ - received_) / double(sent_);
    std::cout << "\n--- " << to_string(o_.target) << " ping statistics ---\n"
              << sent_ << " packets transmitted, " << received_ << " received";
    if (duplicates_) std::cout << ", +" << duplicates_ << " duplicates";
    std::cout << ", " << std::lround(loss) << "% packet loss, time " << elapsed.count() << "ms\n";
    if (!rtts_.empty()) {
      double min = rtts_[0], max = rtts_[0], sum = 0, squares = 0;
      for (const double r : rtts_) {
        min = std::min(min, r);
        max = std::max(max, r);
        sum += r;
        squares += r * r;
      }
      const double avg = sum / double(rtts_.size());
      const double mdev = std::sqrt(std::max(0.0, squares / double(rtts_.size()) - avg * avg));
      char line[128];
      std::snprintf(line, sizeof line, "rtt min/avg/max/mdev = %.3f/%.3f/%.3f/%.3f ms\n", min, avg,
                    max, mdev);
      std::cout << line;
    }
    std::cout << std::flush;
    app_.node().stop();
  }

  app_host& app_;
  ping_options o_;
  asio::steady_timer timer_;
  asio::signal_set signals_;
  std::uint16_t ident_;
  std::vector<std::uint8_t> data_;
  std::map<std::uint16_t, instant> sent_at_;
  std::set<std::uint16_t> answered_;
  std::vector<double> rtts_;
  std::uint64_t sent_ = 0;
  std::uint64_t received_ = 0;
  std::uint64_t duplicates_ = 0;
  instant started_{};
  bool finished_ = false;
};

int run(int argc, char** argv) {
  std::string target;
  double interval = 1, wait = 10;
  std::uint64_t count = 0;
  std::size_t size = 56;
  po::options_description own{"Ping"};
  own.add_options()("host", po::value(&target), "IPv4 address to ping")(
      "count,c", po::value(&count), "stop after this many replies' worth of requests")(
      "interval,i", po::value(&interval)->default_value(interval), "seconds between requests")(
      "size,s", po::value(&size)->default_value(size), "bytes of data per request (0 to 65507)")(
      "timeout,W", po::value(&wait)->default_value(wait),
      "seconds to wait for replies after the last request");
  po::positional_options_description positional;
  positional.add("host", 1);
  po::variables_map vm;
  const auto options = parse_command_line(
      argc, argv,
      "Usage: tapstack-ping [options] HOST\n\n"
      "Pings HOST from a tapstack host on a tap, as iputils ping does from the kernel. The host\n"
      "takes the tap and address given by the host flags below (default 10.0.0.2 on tap0), so\n"
      "run it where no other tapstack program holds that tap. Ctrl-C prints the summary.\n",
      own, vm, positional);
  if (!options) return 0;

  if (target.empty()) throw usage_error("missing HOST: the IPv4 address to ping");
  ping_options o;
  const auto address = ipv4_address::parse(target);
  if (!address) throw usage_error("invalid HOST '" + target + "': expected an IPv4 address");
  o.target = *address;
  o.count = count;
  o.interval = seconds_flag("--interval", interval, 0.001);
  o.wait = seconds_flag("--timeout", wait, 0.001);
  if (size > 65507) throw usage_error("invalid value for --size: expected 0 to 65507");
  o.size = size;

  app_host app{"tapstack-ping", *options, false};
  app.node().start();
  pinger ping{app, o};
  ping.start();
  app.io().run();
  return ping.status();
}

}  // namespace

int main(int argc, char** argv) {
  return run_program("tapstack-ping", [&] { return run(argc, argv); });
}
