#include "apps/sim/stepper.hpp"

#include <iomanip>
#include <istream>
#include <ostream>

#include "stack/wire/describe.hpp"

namespace tapstack::sim {
namespace {

// The simulator numbers hosts in the order network added them: the client first.
constexpr std::string_view host_names[] = {"client", "server"};

// Which timer ran, told by what it counted; the frames it queued, or none.
std::string timer_text(const counters& before, const counters& after, std::size_t sent) {
  const auto grew = [&](event e) { return after[e] > before[e]; };
  std::string what =
      grew(event::tcp_timeouts)       ? "a connection gave up: retransmitted too often"
      : grew(event::tcp_rtos)         ? "retransmission timeout (RFC 6298): the oldest segment "
                                        "again, cwnd down to one segment, RTO doubled"
      : grew(event::tcp_retransmits)  ? "retransmission timeout: the SYN or SYN-ACK again, RTO "
                                        "doubled"
      : grew(event::arp_requests_out) ? "ARP asks again"
      : grew(event::tcp_segments_out) ? "a delayed ACK, or a window or keep-alive probe"
                                      : "an expiry (an ARP entry, TIME-WAIT)";
  what += sent == 0 ? ", nothing sent"
                    : ", " + std::to_string(sent) + (sent == 1 ? " frame" : " frames") + " sent";
  return what;
}

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
    else
      step(host,
           "timer  " +
               timer_text(*e.before, (e.host == 0 ? net_->client : net_->server).stats(), e.sent));
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
