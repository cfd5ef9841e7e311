#pragma once
// The congestion trace: one CSV row per ACK a connection processes and per event that changes
// the course of a transfer (fast retransmit, the end of recovery, a timeout), with the figures
// that explain it: cwnd, ssthresh, bytes in flight, srtt and rto. scripts/plot-tcp draws it.
// Attach it to a host's TCP layer; it writes to a stream the caller owns, which outlives it.
//
//   time_s,connection,event,state,cwnd,ssthresh,bytes_in_flight,srtt_ms,rto_ms,retransmits
//   0.012000,10.0.0.2.80>10.0.0.1.40000,ack,ESTABLISHED,28960,,14480,1.002,201.002,0
//
// ssthresh is empty while it is still "arbitrarily high" (RFC 5681 3.1), srtt before the first
// sample.
#include <ostream>

#include "stack/tcp/tcp_layer.hpp"

namespace tapstack {

class tcp_trace {
 public:
  // Writes the header line and starts recording every connection of tcp.
  tcp_trace(tcp_layer& tcp, std::ostream& out);
  tcp_trace(const tcp_trace&) = delete;
  tcp_trace& operator=(const tcp_trace&) = delete;

  // One row, as the observer writes it; public so that a lab can record a chosen moment too.
  void record(const tcb& t, tcp_event e, instant now);

 private:
  std::ostream& out_;
};

}  // namespace tapstack
