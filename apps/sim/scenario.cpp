#include "apps/sim/scenario.hpp"

#include <algorithm>
#include <fstream>
#include <stdexcept>
#include <system_error>

#include "apps/common/device_chain.hpp"
#include "apps/common/tcp_host_flags.hpp"
#include "apps/sim/sim_network.hpp"
#include "apps/sim/stream_pattern.hpp"
#include "drivers/tcp_trace.hpp"

namespace tapstack::sim {
namespace {

constexpr std::uint16_t server_port = 5001;
// What one socket call moves at most: the send buffers are no larger by default.
constexpr std::size_t io_chunk = 64 * 1024;

// A connection's shape: `rounds` requests of request_size bytes, each answered by response_size.
struct exchange_shape {
  std::uint64_t rounds = 1;
  std::uint64_t request_size = 0;
  std::uint64_t response_size = 0;
  std::uint64_t conversations = 1;
  // The server sends its whole response at once rather than as each request is read.
  bool answer_at_once = false;

  std::uint64_t up_total() const { return rounds * request_size; }
  std::uint64_t down_total() const { return rounds * response_size; }
};

exchange_shape shape_of(const sim_options& o) {
  switch (o.scenario) {
    case scenario_kind::bulk:
      return {.rounds = 1, .request_size = o.bytes, .response_size = 0, .conversations = 1};
    case scenario_kind::rr:
      return {.rounds = o.requests,
              .request_size = o.request_size,
              .response_size = o.response_size,
              .conversations = 1};
    case scenario_kind::churn:
      return {.rounds = 1,
              .request_size = o.request_size,
              .response_size = o.response_size,
              .conversations = o.connections};
    case scenario_kind::duplex:
      return {.rounds = 1,
              .request_size = o.bytes,
              .response_size = o.bytes,
              .conversations = 1,
              .answer_at_once = true};
  }
  return {};
}

void check(const sim_options& o) {
  const auto positive = [](std::size_t n, const char* what) {
    if (n == 0) throw std::invalid_argument(std::string{"sim: "} + what + " must be at least 1");
  };
  switch (o.scenario) {
    case scenario_kind::bulk:
    case scenario_kind::duplex:
      return positive(o.bytes, "bytes");
    case scenario_kind::rr:
      positive(o.requests, "requests");
      return positive(o.request_size, "request_size");
    case scenario_kind::churn:
      positive(o.connections, "connections");
      return positive(o.request_size, "request_size");
  }
}

network_setup setup_of(const sim_options& o) {
  network_setup s;
  s.link = {.latency = o.link_delay,
            .loss = 0,
            .seed = o.seed,
            .rate_bps = o.link_rate_bps,
            .queue_limit = o.link_queue};
  s.client = host_config(1);
  s.server = host_config(2);
  s.client.tcp = s.server.tcp = o.tcp;
  s.client.seed = o.seed;
  s.server.seed = o.seed + 1;
  s.to_client = o.faults.in;
  s.from_client = o.faults.out;
  s.fault_seed = fault_seed(o.seed);  // as the programs' --seed seeds their injector
  s.pcap = o.pcap;
  return s;
}

// The pattern bytes of one stream around a send offset, refilled as the offset moves on, so a
// sender hands the stack slices of it without a buffer the size of the stream. A refill makes
// only what the sender wants, up to io_chunk: a churn's 100-byte request costs 100 bytes of
// pattern, not 64 KiB.
class pattern_window {
 public:
  const_byte_span at(std::uint64_t stream, std::uint64_t offset, std::uint64_t want) {
    if (stream != stream_ || offset < start_ || offset >= start_ + filled_) {
      stream_ = stream;
      start_ = offset;
      filled_ = std::min<std::uint64_t>(want, bytes_.size());
      fill_pattern(stream, offset, byte_span{bytes_}.first(filled_));
    }
    const std::size_t from = offset - start_;
    return const_byte_span{bytes_}.subspan(from, std::min<std::uint64_t>(want, filled_ - from));
  }

 private:
  std::vector<std::uint8_t> bytes_ = std::vector<std::uint8_t>(io_chunk);
  std::uint64_t stream_ = UINT64_MAX;
  std::uint64_t start_ = 0;
  std::size_t filled_ = 0;
};

// One connection's progress. Stream 2i carries connection i's requests, 2i + 1 its responses.
struct conversation {
  std::uint64_t index = 0;
  tcp_socket_id client = 0;
  std::uint16_t client_port = 0;  // once connect() bound it
  std::optional<tcp_socket_id> server;
  bool client_open = false, server_open = false;
  std::uint64_t up_sent = 0, up_read = 0, down_sent = 0, down_read = 0;
  bool client_shut = false, client_eof = false, server_eof = false;

  std::uint64_t up_stream() const { return 2 * index; }
  std::uint64_t down_stream() const { return 2 * index + 1; }
  bool done() const { return client_eof && server_eof; }
};

class runner {
 public:
  runner(const sim_options& o, run_observer* observer)
      : options_{o}, observer_{observer}, shape_{shape_of(o)}, net_{setup_of(o)} {
    if (!o.tcp_trace.empty()) {
      trace_file_.open(o.tcp_trace, std::ios::binary | std::ios::trunc);
      if (!trace_file_) throw std::runtime_error("cannot write the TCP trace to " + o.tcp_trace);
      trace_.emplace(net_.client.tcp(), trace_file_);
      // One file, one header: the server's rows go through the same writer.
      net_.server.tcp().observe_events(
          [this](const tcb& t, tcp_event e, instant now) { trace_->record(t, e, now); });
    }
    if (observer_) observer_->wired(net_);
  }

  sim_result run() {
    result_.expected_bytes = shape_.conversations * (shape_.up_total() + shape_.down_total());
    started_ = net_.sim.now();
    tcp_layer& server = net_.server.tcp();
    listener_ = server.open();
    if (auto ec = server.bind(listener_, {ipv4_address::any(), server_port}))
      throw std::runtime_error("sim: bind: " + ec.message());
    if (auto ec = server.listen(listener_, 4))
      throw std::runtime_error("sim: listen: " + ec.message());
    called("server", "listen(0.0.0.0:" + std::to_string(server_port) + ")");
    server.on_ready(listener_, [this] { ready_.listener = true; });
    begin(0);
    const bool ended = net_.sim.run_until([this] { return step(); }, options_.time_limit);
    if (!ended) {
      const duration taken = net_.sim.now() - started_;
      // Before the limit, the simulator stopped because nothing was left to happen: no frame in
      // flight, no timer set in either host, and the workload unfinished.
      const std::string why =
          taken < options_.time_limit
              ? "everything went quiet at " + tapstack::to_string(taken) +
                    " (no frame in flight, no timer set)"
              : "the time limit (" + tapstack::to_string(options_.time_limit) + ") passed";
      result_.result = outcome::stalled;
      result_.detail = why + " in " + where() + ": " + std::to_string(result_.delivered_bytes) +
                       " of " + std::to_string(result_.expected_bytes) + " bytes read; " +
                       connection_states();
    }
    if (!result_.intact()) {
      result_.completion = net_.sim.now() - started_;
      abandon();
    }
    server.close(listener_, net_.sim.now());
    called("server", "close() of the listener");
    settle();
    if (observer_) observer_->settled();
    summarize();
    return std::move(result_);
  }

 private:
  // Opens connection i and sends its SYN.
  void begin(std::uint64_t i) {
    conv_ = conversation{.index = i};
    tcp_layer& client = net_.client.tcp();
    conv_.client = client.open();
    conv_.client_open = true;
    client.on_ready(conv_.client, [this] { ready_.client = true; });
    ready_.client = true;
    const ipv4_endpoint to{server_address, server_port};
    if (auto ec = client.connect(conv_.client, to, net_.sim.now()))
      return fail(end_point::client, "connect", ec);
    conv_.client_port = client.local_endpoint(conv_.client)->port;
    called("client", "connect(" + tapstack::to_string(to) + ")");
  }

  void called(std::string_view host, std::string_view call) {
    if (observer_) observer_->called(host, call);
  }
  // A call that moved n bytes, as "receive(): 1448 bytes": built only when someone watches, as
  // it happens on every read and write.
  void called(std::string_view host, std::string_view call, std::size_t n, std::string_view unit) {
    if (observer_)
      observer_->called(host, std::string{call} + std::to_string(n) + std::string{unit});
  }

  // One round's worth of socket calls; true once the workload ended, one way or another. Only
  // the sockets the stack said may be ready are called, as an application's event loop does: a
  // round mostly moves one frame, and the calls would mostly find nothing to do.
  bool step() {
    note_timeouts();
    if (ended_) return true;
    if (!conv_.server && std::exchange(ready_.listener, false)) {
      tcp_socket_id accepted = 0;
      if (!net_.server.tcp().accept(listener_, accepted)) {
        conv_.server = accepted;
        conv_.server_open = true;
        net_.server.tcp().on_ready(accepted, [this] { ready_.server = true; });
        ready_.server = true;
        called("server", "accept()");
      }
    }
    const bool client = std::exchange(ready_.client, false);
    const bool server = std::exchange(ready_.server, false);
    if (client) client_reads();
    if (server && !ended_ && conv_.server_open) server_reads();
    if (server && !ended_ && conv_.server_open) server_sends();
    if (client && !ended_ && conv_.client_open) client_sends();
    if (!ended_ && conv_.done()) {
      ++result_.connections_done;
      if (observer_) observer_->connection_done(result_.connections_done);
      // No failure of a connection both ends have finished with is judged.
      net_.witness.forget(conv_.client_port);
      if (conv_.index + 1 == shape_.conversations) {
        result_.result = outcome::intact;
        ended_ = true;
      } else {
        begin(conv_.index + 1);
      }
    }
    return ended_;
  }

  // When each host last gave up on a connection: the simulator calls step() after every round,
  // so a timeout is seen at the instant its timer ran, before the reset it sends (which may wait
  // for ARP) reaches anyone.
  void note_timeouts() {
    for (const end_point e : {end_point::client, end_point::server}) {
      const stack& host = e == end_point::client ? net_.client : net_.server;
      const auto i = static_cast<std::size_t>(e);
      if (host.stats()[event::tcp_timeouts] == timeouts_seen_[i]) continue;
      timeouts_seen_[i] = host.stats()[event::tcp_timeouts];
      timed_out_at_[i] = net_.sim.now();
    }
  }

  // One end of a conversation as its reads see it: the stream it reads and where it stands.
  struct reader {
    end_point who;
    stack& host;
    tcp_socket_id socket;
    std::uint64_t stream;
    std::uint64_t& read;
    std::uint64_t total;
    bool& eof;
    bool& open;
    const char* what;  // the stream it reads: "request" or "response"
  };

  void client_reads() {
    if (!conv_.client_open) return;
    reads({end_point::client, net_.client, conv_.client, conv_.down_stream(), conv_.down_read,
           shape_.down_total(), conv_.client_eof, conv_.client_open, "response"});
  }

  void server_reads() {
    reads({end_point::server, net_.server, *conv_.server, conv_.up_stream(), conv_.up_read,
           shape_.up_total(), conv_.server_eof, conv_.server_open, "request"});
  }

  // Reads all the end holds, checking each byte; at the end of the stream, checks that it came
  // whole and closes the socket, as an application that has read everything does.
  void reads(const reader& r) {
    tcp_layer& tcp = r.host.tcp();
    for (;;) {
      std::size_t n = 0;
      const auto ec = tcp.receive(r.socket, buffer_, n, net_.sim.now());
      if (ec == std::errc::operation_would_block) return;
      if (ec) return fail(r.who, "receive", ec);
      if (n == 0) {
        if (r.read != r.total)
          return corrupt(std::string{"the "} + r.what + " stream ended after " +
                         std::to_string(r.read) + " of " + std::to_string(r.total) + " bytes");
        r.eof = true;
        r.open = false;
        called(to_string(r.who), "receive(): end of stream");
        tcp.close(r.socket, net_.sim.now());
        called(to_string(r.who), "close()");
        return;
      }
      called(to_string(r.who), "receive(): ", n, " bytes");
      if (!take(r.stream, r.read, r.total, n, r.what)) return;
    }
  }

  // Checks n bytes just read into buffer_ at offset `read` of a stream of `total` bytes.
  bool take(std::uint64_t stream, std::uint64_t& read, std::uint64_t total, std::size_t n,
            const char* what) {
    if (read + n > total) {
      corrupt(std::string{"the "} + what + " stream ran past its " + std::to_string(total) +
              " bytes");
      return false;
    }
    if (const auto at = pattern_mismatch(stream, read, const_byte_span{buffer_}.first(n))) {
      corrupt(std::string{"the "} + what + " stream's byte " + std::to_string(*at) +
              " differs from the one sent");
      return false;
    }
    read += n;
    result_.delivered_bytes += n;
    if (result_.delivered_bytes == result_.expected_bytes)
      result_.completion = net_.sim.now() - started_;
    return true;
  }

  // Requests go once the previous response is read whole; the half-close after the last one.
  void client_sends() {
    tcp_layer& tcp = net_.client.tcp();
    if (!tcp.connected(conv_.client) || conv_.client_shut) return;
    const std::uint64_t answered =
        shape_.response_size ? conv_.down_read / shape_.response_size : shape_.rounds;
    const std::uint64_t allowed = std::min(shape_.rounds, answered + 1) * shape_.request_size;
    if (!send(end_point::client, net_.client, conv_.client, conv_.up_stream(), conv_.up_sent,
              allowed, up_))
      return;
    if (conv_.up_sent == shape_.up_total() && conv_.down_read == shape_.down_total()) {
      if (auto ec = tcp.shutdown_send(conv_.client, net_.sim.now()))
        return fail(end_point::client, "shutdown", ec);
      conv_.client_shut = true;
      called("client", "shutdown(send)");
    }
  }

  // Each request read whole earns its response.
  void server_sends() {
    const std::uint64_t owed = shape_.answer_at_once
                                   ? shape_.down_total()
                                   : conv_.up_read / shape_.request_size * shape_.response_size;
    send(end_point::server, net_.server, *conv_.server, conv_.down_stream(), conv_.down_sent, owed,
         down_);
  }

  // Sends the stream's bytes from `sent` up to `target`, as far as the send buffer takes them.
  bool send(end_point who, stack& host, tcp_socket_id s, std::uint64_t stream, std::uint64_t& sent,
            std::uint64_t target, pattern_window& window) {
    while (sent < target) {
      std::size_t n = 0;
      const auto ec = host.tcp().send(s, window.at(stream, sent, target - sent), n, net_.sim.now());
      if (ec == std::errc::operation_would_block) return true;
      if (ec) {
        fail(who, "send", ec);
        return false;
      }
      sent += n;
      called(to_string(who), "send(): ", n, " bytes queued");
    }
    return true;
  }

  // What each host's connections were doing when the workload stalled, for the report.
  std::string connection_states() {
    std::string out;
    for (stack* h : {&net_.client, &net_.server}) {
      for (const tcp_connection_info& c : h->tcp().connections()) {
        if (!out.empty()) out += "; ";
        out += (h == &net_.client ? "client " : "server ") +
               std::string{tapstack::to_string(c.state)} + " snd.una " + std::to_string(c.snd_una) +
               " snd.nxt " + std::to_string(c.snd_nxt) + " snd.wnd " + std::to_string(c.snd_wnd) +
               " rcv.nxt " + std::to_string(c.rcv_nxt) + " rcv.wnd " + std::to_string(c.rcv_wnd) +
               " in flight " + std::to_string(c.bytes_in_flight) + " cwnd " +
               std::to_string(c.cwnd);
      }
    }
    return out.empty() ? "no connection" : out;
  }

  std::string where() const {
    return "connection " + std::to_string(conv_.index + 1) + " of " +
           std::to_string(shape_.conversations);
  }

  void fail(end_point who, std::string_view call, std::error_code ec) {
    end(outcome::failed,
        std::string{to_string(who)} + " " + std::string{call} + ": " + ec.message());
    result_.unexplained_failure = judge(who, ec);
  }

  // Why the link does not explain the failure `who` met; empty when it does. A timeout is the
  // link's doing only if no round trip completed while the connection retransmitted; a reset or a
  // refusal only if it came from a peer that gave up that way itself. Any other error, or a
  // reset from a peer that never timed out, is the stack's.
  std::string judge(end_point who, std::error_code ec) {
    const instant now = net_.sim.now();
    if (ec == std::errc::timed_out)
      return net_.witness.unexplained_timeout(who, conv_.client_port, now);
    if (ec == std::errc::connection_reset || ec == std::errc::connection_refused) {
      const end_point peer = who == end_point::client ? end_point::server : end_point::client;
      const auto gave_up = timed_out_at_[static_cast<std::size_t>(peer)];
      if (!gave_up)
        return std::string{to_string(who)} + " was reset by a peer that never timed out";
      return net_.witness.unexplained_timeout(peer, conv_.client_port, *gave_up);
    }
    return "no fault of the link ends a connection with '" + ec.message() + "'";
  }
  void corrupt(const std::string& what) { end(outcome::corrupt, what); }
  void end(outcome o, const std::string& what) {
    result_.result = o;
    result_.detail = where() + ", " + what;
    ended_ = true;
  }

  // After a failure the application gives up on the exchange: both ends reset what is open, so
  // that an end which never heard of the failure does not wait for ever.
  void abandon() {
    if (conv_.client_open) {
      net_.client.tcp().abort(conv_.client, net_.sim.now());
      called("client", "abort()");
    }
    if (conv_.server_open) {
      net_.server.tcp().abort(*conv_.server, net_.sim.now());
      called("server", "abort()");
    }
    conv_.client_open = conv_.server_open = false;
  }

  // Runs on until both connection tables are empty: TIME-WAIT, and every retransmission of a FIN
  // the hosts may make before giving up.
  void settle() {
    const tcp_config& c = options_.tcp;
    const duration bound = c.time_wait + (c.max_retransmits + 1) * c.max_rto;
    // connections() lists every connection; a host with a TCP timer set has one in its table, and
    // that costs nothing to ask, so the list is made only once neither host has a timer left.
    const auto empty = [this] {
      tcp_layer &client = net_.client.tcp(), &server = net_.server.tcp();
      return !client.next_deadline() && !server.next_deadline() && client.connections().empty() &&
             server.connections().empty();
    };
    result_.all_closed = net_.sim.run_until(empty, bound);
    result_.connections_left =
        net_.client.tcp().connections().size() + net_.server.tcp().connections().size();
    // What the last changes queued goes out too: the reset of an abandoned connection, which may
    // have to wait for ARP after a long silence, answered or given up on within the same bound.
    net_.sim.run_until([this] { return net_.client.held().none() && net_.server.held().none(); },
                       bound);
    const held_resources client = net_.client.held(), server = net_.server.held();
    result_.held = client.none() && server.none()
                       ? "nothing"
                       : "client: " + client.to_string() + " server: " + server.to_string();
  }

  void summarize() {
    const double seconds = std::chrono::duration<double>(result_.completion).count();
    result_.goodput_bps =
        seconds > 0 ? static_cast<double>(result_.delivered_bytes) * 8 / seconds : 0;
    for (const stack* h : {&net_.client, &net_.server}) {
      result_.retransmits += h->stats()[event::tcp_retransmits];
      result_.rtos += h->stats()[event::tcp_rtos];
      result_.fast_retransmits += h->stats()[event::tcp_fast_retransmits];
      result_.resets_sent += h->stats()[event::tcp_resets_out];
    }
    result_.ended = net_.sim.now() - instant{};
    result_.busiest_idle_second = net_.witness.busiest_idle_second();
    result_.link_queue_drops = net_.link.queue_drops();
    for (const direction d : {direction::in, direction::out}) {
      const std::string prefix = std::string{name(d)} + "_";
      result_.fault_counts.emplace_back(prefix + "frames", net_.faults.frames(d));
      for (std::size_t k = 0; k < static_cast<std::size_t>(fault_kind::count_); ++k)
        result_.fault_counts.emplace_back(prefix + std::string{name(static_cast<fault_kind>(k))},
                                          net_.faults.count(d, static_cast<fault_kind>(k)));
    }
    result_.fault_report = net_.faults.report();
  }

  const sim_options& options_;
  run_observer* observer_;
  const exchange_shape shape_;
  std::ofstream trace_file_;  // before the network: the tracer writes to it until the end
  network net_;
  std::optional<tcp_trace> trace_;
  tcp_socket_id listener_ = 0;
  conversation conv_;
  // Set by the stack's readiness callbacks (on_ready), taken by step().
  struct {
    bool listener = false, client = false, server = false;
  } ready_;
  bool ended_ = false;
  std::array<std::uint64_t, 2> timeouts_seen_{};
  std::array<std::optional<instant>, 2> timed_out_at_;
  instant started_{};
  sim_result result_;
  std::vector<std::uint8_t> buffer_ = std::vector<std::uint8_t>(io_chunk);
  pattern_window up_, down_;
};

}  // namespace

std::string_view to_string(scenario_kind k) {
  switch (k) {
    case scenario_kind::bulk:
      return "bulk";
    case scenario_kind::rr:
      return "rr";
    case scenario_kind::churn:
      return "churn";
    case scenario_kind::duplex:
      return "duplex";
  }
  return "?";
}

std::optional<scenario_kind> parse_scenario(std::string_view name) {
  for (const auto k :
       {scenario_kind::bulk, scenario_kind::rr, scenario_kind::churn, scenario_kind::duplex})
    if (name == to_string(k)) return k;
  return std::nullopt;
}

std::string_view to_string(outcome o) {
  switch (o) {
    case outcome::intact:
      return "intact";
    case outcome::failed:
      return "failed";
    case outcome::corrupt:
      return "corrupt";
    case outcome::stalled:
      return "stalled";
  }
  return "?";
}

tcp_config default_tcp() {
  tcp_config c;
  tcp_host_flags{}.resolve(c);
  return c;
}

sim_result run(const sim_options& options, run_observer* observer) {
  check(options);
  return runner{options, observer}.run();
}

}  // namespace tapstack::sim
