#include "apps/sim/stepper.hpp"

#include <iomanip>
#include <istream>
#include <ostream>

#include "stack/wire/describe.hpp"

namespace tapstack::sim {
namespace {

// The simulator numbers hosts in the order network added them: the client first.
constexpr std::string_view host_names[] = {"client", "server"};

// What a TCP timer that ran did, told by what it counted where one timer can end several ways.
std::string tcp_timer_text(tcp_timer which, const counters& before, const counters& after) {
  const auto grew = [&](event e) { return after[e] > before[e]; };
  switch (which) {
    case tcp_timer::retransmit:
      return grew(event::tcp_timeouts) ? "retransmission timeout: the connection gave up, "
                                         "retransmitted too often"
             : grew(event::tcp_rtos)   ? "retransmission timeout (RFC 6298): the oldest segment "
                                         "again, cwnd down to one segment, RTO doubled"
                                       : "retransmission timeout: the SYN or SYN-ACK again, RTO "
                                         "doubled";
    case tcp_timer::delayed_ack:
      return "delayed ACK (RFC 1122 4.2.3.2): the ACK that waited goes";
    case tcp_timer::persist:
      return "zero-window probe (RFC 9293 3.8.6.1): asks the peer for its window";
    case tcp_timer::keepalive:
      return grew(event::tcp_timeouts) ? "keep-alive: unanswered too often, the connection reset"
                                       : "keep-alive probe (RFC 1122 4.2.3.6)";
    case tcp_timer::time_wait:
      return "TIME-WAIT over (2 MSL): the four-tuple may be used again";
  }
  return std::string{to_string(which)};
}

}  // namespace

void stepper::wired(network& net) {
  net_ = &net;
  out_ << "Stepping through the run: Enter for the next event, c and Enter to run to the end.\n"
          "Each line: virtual time, host, what happened, and => the TCP state changes it caused.\n";
  for (std::size_t i = 0; i < 2; ++i) {
    stack& host = i == 0 ? net.client : net.server;
    host.tcp().observe_timers(
        [this](const tcp_tuple&, tcp_timer which, instant) { timers_.push_back(which); });
    host.tcp().observe_states([this, name = host_names[i]](const tcp_tuple& tuple, tcp_state from,
                                                           tcp_state to, std::string_view cause) {
      changes_.push_back(std::string{name} + ":" + std::to_string(tuple.local.port) + " " +
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

// The TCP timers that ran, each named; or, with none, the host's other timers (ARP's). Then the
// frames they queued, or none.
std::string stepper::timer_text(const counters& before, const counters& after, std::size_t sent) {
  std::string what;
  for (const tcp_timer which : timers_)
    what += (what.empty() ? "" : "; ") + tcp_timer_text(which, before, after);
  timers_.clear();
  if (what.empty())
    what = after[event::arp_requests_out] > before[event::arp_requests_out]
               ? "ARP asks again"
               : "an expiry (an ARP entry)";
  what += sent == 0 ? ", nothing sent"
                    : ", " + std::to_string(sent) + (sent == 1 ? " frame" : " frames") + " sent";
  return what;
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
