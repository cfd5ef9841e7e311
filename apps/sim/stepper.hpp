#pragma once
// tapstack-sim --step: a run one event at a time, for a learner to walk a handshake, a loss and a
// recovery without a debugger. After each event (a frame a host received, a host's timers running,
// a socket call the workload made) it prints one line: the virtual time, the host, what happened
// (frames in tcpdump notation) and the TCP state changes it caused, "=> client:40000 SYN-SENT ->
// ESTABLISHED (SYN-ACK)". Then it waits for a line on its input: an empty one for the next event,
// "c" to run on to the end without pausing; at the end of the input it stops pausing too. Virtual
// time moves only when the run does, so no timer fires while it waits.
//
// The stepper outlives the run it watches; one run per stepper.
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "apps/sim/scenario.hpp"
#include "apps/sim/sim_network.hpp"

namespace tapstack::sim {

class stepper final : public run_observer {
 public:
  stepper(std::istream& in, std::ostream& out) : in_{in}, out_{out} {}

  void wired(network& net) override;
  void called(std::string_view host, std::string_view call) override;

 private:
  void step(std::string_view host, std::string_view what);
  std::string timer_text(const counters& before, const counters& after, std::size_t sent);

  std::istream& in_;
  std::ostream& out_;
  network* net_ = nullptr;
  bool pausing_ = true;
  std::uint64_t events_ = 0;
  // The state changes of the event being taken in, "client SYN-SENT -> ESTABLISHED".
  std::vector<std::string> changes_;
  // The TCP timers that ran in the event being taken in, in the order they ran.
  std::vector<tcp_timer> timers_;
};

}  // namespace tapstack::sim
