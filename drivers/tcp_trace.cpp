#include "drivers/tcp_trace.hpp"

#include <cstdio>

namespace tapstack {
namespace {

std::string milliseconds(duration d) {
  char out[32];
  std::snprintf(out, sizeof out, "%.3f", static_cast<double>(d.count()) / 1e6);
  return out;
}

}  // namespace

tcp_trace::tcp_trace(tcp_layer& tcp, std::ostream& out) : out_{out} {
  out_ << "time_s,connection,event,state,cwnd,ssthresh,bytes_in_flight,srtt_ms,rto_ms,"
          "retransmits\n";
  tcp.observe_events([this](const tcb& t, tcp_event e, instant now) { record(t, e, now); });
}

void tcp_trace::record(const tcb& t, tcp_event e, instant now) {
  const std::uint32_t ssthresh = t.cc->ssthresh();
  out_ << to_string(now) << ',' << to_string(t.tuple.local) << '>' << to_string(t.tuple.remote)
       << ',' << to_string(e) << ',' << to_string(t.state) << ',' << t.cc->cwnd() << ','
       << (ssthresh == UINT32_MAX ? std::string{} : std::to_string(ssthresh)) << ','
       << static_cast<std::uint32_t>(t.snd_max - t.snd_una) << ','
       << (t.rtt.srtt() ? milliseconds(*t.rtt.srtt()) : std::string{}) << ','
       << milliseconds(t.rtt.rto()) << ',' << t.total_retransmits << '\n';
}

}  // namespace tapstack
