#pragma once
// TCP for one host (RFC 9293): the tables (connections, TIME-WAIT records, listeners with their
// backlogs), the socket calls, and the demultiplexing of segments and timers to the connections,
// each a tcp_connection that owns its TCB and runs the RFC's steps on it (tcp_connection.hpp).
// The layer's own part of SEGMENT ARRIVES (no connection, a listener, SYN cookies) is in
// tcp_arrival.cpp, TIME-WAIT's records in tcp_time_wait.cpp. Sockets are numbered handles, as in
// the UDP layer; the Asio face wraps them. A connection the application has closed lives on in the
// table until it reaches CLOSED (after TIME-WAIT or a reset), so the tuple is not reused early; it
// leaves the table the moment it is CLOSED.
//
// Cost per event is constant in the number of connections: a segment finds its connection by a
// keyed hash of its tuple, and the timers by a deadline heap holding each connection once, at the
// earliest of its timers, so poll() touches only the connections due. What walks every
// connection says so: connections(), add_held(), and closing a listener (its children).
#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <system_error>
#include <unordered_map>
#include <vector>

#include "stack/base/deadline_heap.hpp"
#include "stack/base/port_allocator.hpp"
#include "stack/context.hpp"
#include "stack/held.hpp"
#include "stack/ip/icmp_layer.hpp"
#include "stack/ip/ipv4_layer.hpp"
#include "stack/tcp/isn.hpp"
#include "stack/tcp/syn_cookie.hpp"
#include "stack/tcp/tcb.hpp"
#include "stack/tcp/tcp_connection.hpp"
#include "stack/tcp/tcp_event.hpp"
#include "stack/tcp/time_wait.hpp"
#include "stack/wire/tcp.hpp"

namespace tapstack {

// What tcp_info reports, like Linux's: the state and the figures of the TCB.
struct tcp_connection_info {
  tcp_state state = tcp_state::closed;
  tcp_tuple tuple;
  std::uint32_t snd_una = 0, snd_nxt = 0, rcv_nxt = 0;  // relative to the ISNs
  std::uint32_t snd_wnd = 0, rcv_wnd = 0;
  std::uint16_t snd_mss = 0;
  duration rto{};
  std::optional<duration> srtt;
  duration rttvar{};
  std::size_t bytes_in_flight = 0;
  std::uint64_t retransmits = 0;  // segments resent in all
  std::uint64_t fast_retransmits = 0;
  std::uint64_t timeouts = 0;  // retransmission timer expiries
  std::uint64_t bytes_acked = 0;
  std::uint64_t delivery_rate = 0;  // bytes per second, over about the last round trip
  std::uint32_t cwnd = 0, ssthresh = 0;
  bool in_recovery = false;
  congestion_algorithm congestion = congestion_algorithm::newreno;
  // The options in force, and how our ACKs are sent.
  bool sack = false, timestamps = false;
  std::optional<std::uint8_t> snd_wscale, rcv_wscale;  // nullopt: no window scaling
  bool no_delay = false, delayed_ack = false;
};

class tcp_layer {
 public:
  tcp_layer(host_context& ctx, ipv4_layer& ip);
  ~tcp_layer();

  // Socket calls. Errors are errno values, as std::error_code.
  tcp_socket_id open();
  std::error_code bind(tcp_socket_id s, ipv4_endpoint local);
  // backlog bounds the connections being set up plus those waiting for accept(); a SYN beyond it
  // is dropped (the peer retries), as Linux does when its accept queue is full.
  std::error_code listen(tcp_socket_id s, std::size_t backlog);
  // A connection that completed its handshake, as a new socket; operation_would_block if none.
  std::error_code accept(tcp_socket_id listener, tcp_socket_id& out);
  // Sends the SYN; the socket becomes ready (connected, refused, timed out) later.
  std::error_code connect(tcp_socket_id s, ipv4_endpoint remote, instant now);
  // Queues what fits in the send buffer; operation_would_block when none does.
  std::error_code send(tcp_socket_id s, const_byte_span data, std::size_t& queued, instant now);
  // Reads what is in order; read = 0 with no error is the end of the stream (the peer's FIN);
  // operation_would_block when there is nothing yet.
  std::error_code receive(tcp_socket_id s, byte_span out, std::size_t& read, instant now);
  // Sends FIN after the queued data; receiving goes on (half-close).
  std::error_code shutdown_send(tcp_socket_id s, instant now);
  // Orderly close, as close(2): FIN after the queued data, then the handle is gone and the
  // connection finishes on its own. With unread data it resets instead (RFC 9293 3.10.4, Linux).
  std::error_code close(tcp_socket_id s, instant now);
  // Resets the connection and frees the handle.
  std::error_code abort(tcp_socket_id s, instant now);
  // A socket's options. A listener's are those of the connections it accepts. A connection's
  // send buffer may shrink to what it holds, its receive buffer only grow: the window already
  // offered to the peer must stay open (RFC 9293 3.8.6). Out-of-range sizes are invalid_argument.
  std::optional<tcp_socket_options> options(tcp_socket_id s) const;
  std::error_code set_options(tcp_socket_id s, const tcp_socket_options& o, instant now);

  // Whether receive() (or accept()) would return at once; and whether send() would queue.
  bool readable(tcp_socket_id s) const;
  bool writable(tcp_socket_id s) const;
  // Connected: the handshake completed (also true after the peer closed).
  bool connected(tcp_socket_id s) const;
  // In-order bytes that receive() would return now.
  std::size_t available(tcp_socket_id s) const;
  // Why the connection failed (reset, refused, timed out), as SO_ERROR; none while it has not.
  std::error_code pending_error(tcp_socket_id s) const;
  std::optional<ipv4_endpoint> local_endpoint(tcp_socket_id s) const;
  std::optional<ipv4_endpoint> remote_endpoint(tcp_socket_id s) const;
  std::optional<tcp_connection_info> info(tcp_socket_id s) const;
  // Called, from inside receive or poll, when the socket's readiness may have changed. It must not
  // call back into the stack, only schedule work.
  void on_ready(tcp_socket_id s, std::function<void()> notify);
  // Every connection in the table (for a status page), handles or not.
  std::vector<tcp_connection_info> connections() const;
  void add_held(held_resources& h) const;

  // When the host stops, as a process's sockets close when it exits: shut_down lines up every
  // connection; close_next sends the next n in line their FIN after their data, and with reset a
  // RST right behind it that ends the connection (the caller's bound for the stop has passed:
  // the peer gets its end of stream and no wait); reset_all then resets every connection still
  // synchronized and empties the table, so the peers hear the end at once. From shut_down on,
  // no socket is woken: the applications' operations have all ended (a stopped host aborts
  // them), and a wake-up per state change of 100,000 connections would cost the stop a fifth of
  // its time for nothing.
  void shut_down(instant now);
  // False once none is left in line.
  bool close_next(std::size_t n, bool reset, instant now);
  bool stopping() const { return stopping_; }
  void reset_all(instant now);
  // Connections whose FIN is sent and not yet acknowledged (FIN-WAIT-1, CLOSING, LAST-ACK): when
  // none is left, a stopping host has nothing more to wait for.
  std::size_t fins_unacknowledged() const { return fins_unacknowledged_; }

  // From the stack. Segments received between begin_batch and end_batch came together: what a
  // connection would send after each (its ACK, the data that ACKs let go) waits, and end_batch
  // sends it once for each connection the batch touched. So one ACK covers the batch (up to
  // 64 KB of it), as smoltcp's does, and Linux's, whose GRO hands it one coalesced segment: a
  // stretch ACK, past RFC 1122's every-second-segment SHOULD, which senders take in their stride
  // (RFC 5681 counts the bytes acknowledged, not the ACKs). What RFC 5681 4.2 wants at once still
  // goes at once: the duplicate ACK for a segment out of order or already seen, a filled gap, a
  // FIN. The simulator hands frames over one at a time, so its TCP acknowledges segment by
  // segment.
  void begin_batch() { batching_ = true; }
  void end_batch(instant now);
  void receive(const ipv4_packet& packet, instant now);
  void receive_error(const icmp_error& error, instant now);
  void poll(instant now);
  std::optional<instant> next_deadline() const;

  // Called with every state change: the connection's tuple, the old and new states, and why.
  using state_observer =
      std::function<void(const tcp_tuple&, tcp_state from, tcp_state to, std::string_view cause)>;
  void observe_states(state_observer observer) { observer_ = std::move(observer); }
  // Called with each tcp_event of every connection, after the TCB took it in.
  using event_observer = std::function<void(const tcb&, tcp_event, instant now)>;
  void observe_events(event_observer observer) { event_observer_ = std::move(observer); }
  // Called with each timer of a connection that poll() finds due, before it runs.
  using timer_observer = std::function<void(const tcp_tuple&, tcp_timer, instant now)>;
  void observe_timers(timer_observer observer) { timer_observer_ = std::move(observer); }

 private:
  // A connection calls back into the layer for what concerns more than itself (tcp_connection.hpp
  // lists it): state changes, TIME-WAIT, resets, departures, the reply budgets and the observers.
  friend class tcp_connection;

  struct socket {
    tcp_socket_options options;
    std::optional<ipv4_endpoint> local;
    std::shared_ptr<tcp_connection> conn;  // for a connected socket
    // For a listener.
    bool listening = false;
    std::size_t backlog = 0;
    std::size_t pending = 0;  // children in SYN-RECEIVED
    // A list, not a deque: every socket has one, and an empty deque holds 576 bytes.
    std::list<std::shared_ptr<tcp_connection>> accept_queue;
    // When the listener last answered a SYN with a cookie: ACKs are checked for cookies only
    // while one may be in flight, so that no one can guess their way in at other times.
    std::optional<instant> cookie_sent;
    std::function<void()> notify;
  };

  // tcp_arrival.cpp: RFC 9293 3.10.7.1 and 3.10.7.2, and the way to a connection or record.
  void segment_to_closed(const tcp_tuple& tuple, const tcp_repr& seg, instant now);
  // iss: the ISN to take instead of RFC 6528's, for a SYN that reopens a tuple in TIME-WAIT.
  void segment_to_listener(tcp_socket_id listener, const tcp_tuple& tuple, const tcp_repr& seg,
                           instant now, std::optional<seq32> iss = std::nullopt);
  // The connection a SYN to the listener makes, in SYN-RECEIVED with iss as its ISN, in the table.
  std::shared_ptr<tcp_connection> make_child(socket& l, tcp_socket_id listener,
                                             const tcp_tuple& tuple, const tcp_repr& syn, seq32 iss,
                                             std::uint32_t ts_offset, instant now);
  // RFC 4987 3.6: a SYN-ACK whose ISN is a cookie, for a SYN the listener keeps nothing of; and
  // the ACK that hands one back, which makes the connection (true) if the cookie checks out.
  void send_cookie(socket& l, const tcp_tuple& tuple, const tcp_repr& syn, instant now);
  bool cookie_ack(socket& l, tcp_socket_id listener, const tcp_tuple& tuple, const tcp_repr& seg,
                  instant now);
  // Whether the host holds --max-connections (logged the first time it does).
  bool at_connection_limit(instant now);
  // What a peer may make us send, from a connection's or a record's budgets: a challenge ACK
  // (RFC 5961 7), and the ACK that answers an unacceptable segment (RFC 9293 3.10.7.4), limited
  // per interval for pure ACKs (tcp_config::invalid_ack_interval). True if the reply may go now
  // (the budget spent); counted either way.
  bool may_challenge(reply_budget& challenges, instant now);
  bool may_answer_invalid(reply_budget& challenges, reply_budget& answers, const tcp_repr& seg,
                          instant now);

  // tcp_time_wait.cpp. 3.10.7.4 in TIME-WAIT, from the record.
  void segment_in_time_wait(time_wait_record& r, const tcp_repr& seg, instant now);
  // The connection gives way to a time_wait_record, in the table and in the heap of their own;
  // its socket, if the application still has one, keeps the TCB, in TIME-WAIT, to read.
  void enter_time_wait(tcp_connection& c, std::string_view cause, instant now);
  // The record's 2 MSL start again (a FIN came again).
  void restart_time_wait(time_wait_record& r, instant now);
  void send_time_wait_ack(const time_wait_record& r, instant now);

  // A reset for a segment that has no connection, or for one we abort (RFC 9293 3.10.7.1).
  void send_reset(const tcp_tuple& tuple, seq32 seq, std::optional<seq32> ack, instant now);

  // The three places to stop a debugger at to watch TCP work (README, "Stepping through TCP"):
  // every segment that reaches TCP valid, before the RFC 9293 3.10.7 steps; every segment TCP
  // sends, built and about to go down to IP; every state change. Never inlined, so that
  // `break segment_arrives` stops there with the arguments at hand in an optimised build too.
  [[gnu::noinline]] void segment_arrives(const tcp_tuple& tuple, const tcp_repr& seg, instant now);
  [[gnu::noinline]] void segment_departs(const tcp_tuple& tuple, const tcp_repr& seg, frame&& f,
                                         instant now);
  [[gnu::noinline]] void change_state(tcp_connection& c, tcp_state to, std::string_view cause,
                                      instant now);
  // A TIME-WAIT record's end (to is CLOSED): the record goes and the tuple is free. The same
  // name, so that `break change_state` stops at every state change, this one included.
  [[gnu::noinline]] void change_state(time_wait_record& r, tcp_state to, std::string_view cause,
                                      instant now);
  // A state change told to the observer and the debug log (change_state's, and a record's end).
  void report_state(const tcp_tuple& tuple, tcp_state from, tcp_state to, std::string_view cause,
                    instant now);
  // The handshake is complete: ESTABLISHED, keep-alive armed, and a child of a listener goes on
  // its accept queue.
  void establish(tcp_connection& c, std::string_view cause, instant now);
  // The connection's place in the deadline heap after an event: at its earliest timer, or none.
  void schedule(tcp_connection& c);
  // In a batch, lines up c's output for end_batch and returns true, unless an ACK is owed at once.
  bool defer_output(tcp_connection& c);
  // A connection that reached CLOSED leaves the table (it lives on in closed_ until the event
  // that closed it is over, and in its socket until the application closes that).
  void leave_table(tcp_connection& c);
  // The table's entry for a tuple, or nullptr. The last one found is remembered, as BSD's stacks
  // remember their last PCB: a flow's segments mostly follow one another, and the keyed hash
  // (SipHash, against hash flooding) is the costliest part of a lookup.
  std::shared_ptr<tcp_connection>* find_connection(const tcp_tuple& tuple);
  std::error_code bind_ephemeral(socket& s, const std::optional<ipv4_endpoint>& remote);
  socket* find(tcp_socket_id s);
  const socket* find(tcp_socket_id s) const;
  tcp_connection* connection_of(tcp_socket_id s) const;
  tcp_connection_info info_of(const tcb& t) const;

  host_context& ctx_;
  ipv4_layer& ip_;
  // The host's secret: the ISN function's key, and from it the keys of the other hashes.
  siphash_key secret_;
  isn_generator isn_;
  syn_cookies cookies_;
  bool limit_logged_ = false;
  bool stopping_ = false;                // set by shut_down
  std::size_t fins_unacknowledged_ = 0;  // kept by change_state
  // By handle, found in O(1): a stop closes 100,000 of them.
  std::unordered_map<tcp_socket_id, socket> sockets_;
  std::unordered_map<tcp_tuple, std::shared_ptr<tcp_connection>, tcp_tuple_hash> connections_;
  // find_connection's last entry (an element of connections_ keeps its address until erased).
  decltype(connections_)::value_type* last_found_ = nullptr;
  deadline_heap<tcp_connection> timers_;
  std::unordered_map<tcp_tuple, time_wait_record, tcp_tuple_hash> time_wait_;
  deadline_heap<time_wait_record> time_wait_timers_;
  std::vector<std::shared_ptr<tcp_connection>> closed_;
  std::vector<std::shared_ptr<tcp_connection>> stop_line_;  // shut_down's, for close_next
  std::size_t stop_next_ = 0;                               // the next in stop_line_
  std::vector<tcp_connection*> due_;                        // poll()'s, kept for its memory
  bool batching_ = false;                                   // between begin_ and end_batch
  std::vector<std::shared_ptr<tcp_connection>> deferred_;   // defer_output's, for end_batch
  std::map<std::uint16_t, tcp_socket_id> listeners_;
  // Every socket with a local port holds it here, accepted ones included.
  port_allocator ports_;
  tcp_socket_id next_id_ = 1;
  state_observer observer_;
  event_observer event_observer_;
  timer_observer timer_observer_;
};

}  // namespace tapstack
