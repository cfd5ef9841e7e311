#include "apps/sim/stepper.hpp"

#include <iomanip>
#include <istream>
#include <ostream>

#include "stack/wire/describe.hpp"

namespace tapstack::sim {
namespace {

// The simulator numbers hosts in the order network added them: the client first.
constexpr std::string_view host_names[] = {"client", "server"};

}  // namespace

void stepper::wired(network& net) {
  net_ = &net;
  out_ << "Stepping through the run: Enter for the next event, c and Enter to run to the end.\n"
          "Each line: virtual time, host, what happened, and => the TCP state changes it caused.\n";
  for (std::size_t i = 0; i < 2; ++i) {
    stack& host = i == 0 ? net.client : net.server;
    host.tcp().observe_states([this, name = host_names[i]](const tcb& t, tcp_state from,
                                                           tcp_state to, std::string_view cause) {
      changes_.push_back(std::string{name} + ":" + std::to_string(t.tuple.local.port) + " " +
                         std::string{to_string(from)} + " -> " + std::string{to_string(to)} + " (" +
                         std::string{cause} + ")");
    });
  }
  net.sim.on_event([this](const simulator::event& e) {
    const std::string_view host = host_names[e.host];
    if (e.what == simulator::event::kind::frame)
      step(host, "got    " + describe_frame(e.frame));
    else if (e.sent == 0)
      step(host, "timer  due and ran, sending nothing (an expiry)");
    else
      step(host, "timer  due and ran, sending " + std::to_string(e.sent) +
                     (e.sent == 1 ? " frame" : " frames"));
  });
}

void stepper::called(std::string_view host, std::string_view call) {
  step(host, "call   " + std::string{call});
}

void stepper::step(std::string_view host, std::string_view what) {
  ++events_;
  out_ << std::setw(5) << events_ << "  " << to_string(net_->sim.now()) << "  " << host << "  "
       << what;
  for (std::size_t i = 0; i < changes_.size(); ++i) out_ << (i ? "; " : "  => ") << changes_[i];
  out_ << '\n' << std::flush;
  changes_.clear();
  if (!pausing_) return;
  std::string line;
  if (!std::getline(in_, line) || line == "c") pausing_ = false;
}

}  // namespace tapstack::sim
