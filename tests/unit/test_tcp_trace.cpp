// The congestion trace (drivers/tcp_trace), recording the sender of a transfer between two hosts
// in virtual time: a header, then rows of ten columns in time order; ssthresh stays empty until
// the first loss (RFC 5681 3.1: "arbitrarily high"); a lost segment shows as a fast-retransmit
// row with cwnd below the window before it, and a lossless link shows none.
#include <doctest/doctest.h>

#include <cstdint>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "drivers/tcp_trace.hpp"
#include "tests/support/sim_transfer.hpp"

namespace tapstack::test {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view header =
    "time_s,connection,event,state,cwnd,ssthresh,bytes_in_flight,srtt_ms,rto_ms,retransmits";

struct row {
  double time_s = 0;
  std::string connection, event, state;
  std::uint64_t cwnd = 0;
  std::optional<std::uint64_t> ssthresh;
  std::uint64_t bytes_in_flight = 0;
  std::optional<double> srtt_ms;
  double rto_ms = 0;
  std::uint64_t retransmits = 0;
};

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> fields;
  std::istringstream in{line};
  for (std::string f; std::getline(in, f, ',');) fields.push_back(f);
  if (!line.empty() && line.back() == ',') fields.emplace_back();
  return fields;
}

// The whole text must be a number: a stray character fails the row.
template <class T>
T number(const std::string& text) {
  std::istringstream in{text};
  T v{};
  in >> v;
  REQUIRE_MESSAGE((in && in.eof()), "not a number: '" << text << "'");
  return v;
}

template <class T>
std::optional<T> number_or_empty(const std::string& text) {
  if (text.empty()) return std::nullopt;
  return number<T>(text);
}

// Checks the header and the shape of each row, and parses them.
std::vector<row> parse(const std::string& csv) {
  std::istringstream in{csv};
  std::string line;
  REQUIRE(std::getline(in, line));
  CHECK(line == header);
  std::vector<row> rows;
  while (std::getline(in, line)) {
    INFO("row: " << line);
    const auto f = split(line);
    REQUIRE(f.size() == 10);
    row r;
    r.time_s = number<double>(f[0]);
    r.connection = f[1];
    r.event = f[2];
    r.state = f[3];
    r.cwnd = number<std::uint64_t>(f[4]);
    r.ssthresh = number_or_empty<std::uint64_t>(f[5]);
    r.bytes_in_flight = number<std::uint64_t>(f[6]);
    r.srtt_ms = number_or_empty<double>(f[7]);
    r.rto_ms = number<double>(f[8]);
    r.retransmits = number<std::uint64_t>(f[9]);
    CHECK((r.event == "ack" || r.event == "fast-retransmit" || r.event == "recovery-end" ||
           r.event == "rto"));
    CHECK(r.connection.find('>') != std::string::npos);
    rows.push_back(r);
  }
  return rows;
}

// 1 MB from 10.0.0.1 to port 9 of 10.0.0.2 over a link with 10 ms of latency each way, with the
// client's TCP traced; returns the trace.
std::string traced_transfer(double loss) {
  sim_setup setup{.link = {.latency = 10ms, .loss = loss, .seed = 5}};
  // The reductions checked below are NewReno's (RFC 5681 eq. 4), whatever the default becomes.
  setup.client.tcp.congestion = congestion_algorithm::newreno;
  sim_net net{setup};
  std::ostringstream csv;
  tcp_trace trace{net.client.tcp(), csv};
  const auto data = pattern(1024 * 1024);
  REQUIRE(transfer(net, data, {.limit = 10min}).intact(data.size()));
  if (loss > 0) REQUIRE(net.link.dropped() > 0);
  return csv.str();
}

TEST_CASE("a lossy transfer's trace: rows in time order, a fast retransmit that cuts cwnd") {
  const auto rows = parse(traced_transfer(0.01));
  REQUIRE(rows.size() > 100);
  for (std::size_t i = 1; i < rows.size(); ++i) {
    INFO("rows " << i - 1 << " and " << i);
    CHECK(rows[i].time_s >= rows[i - 1].time_s);
  }
  // One connection, the client's: 10.0.0.1.<ephemeral> to 10.0.0.2.9.
  for (const auto& r : rows) {
    CHECK(r.connection.starts_with("10.0.0.1."));
    CHECK(r.connection.ends_with(">10.0.0.2.9"));
  }

  std::size_t first_loss = 0;
  while (first_loss < rows.size() && rows[first_loss].event != "fast-retransmit" &&
         rows[first_loss].event != "rto")
    ++first_loss;
  INFO("first loss at row " << first_loss << " of " << rows.size());
  REQUIRE(first_loss < rows.size());
  REQUIRE(first_loss > 0);
  for (std::size_t i = 0; i < first_loss; ++i) CHECK_FALSE(rows[i].ssthresh);

  std::size_t fast = first_loss;
  while (fast < rows.size() && rows[fast].event != "fast-retransmit") ++fast;
  REQUIRE(fast < rows.size());
  const row& before = rows[fast - 1];
  const row& at = rows[fast];
  CHECK(at.state == "ESTABLISHED");
  CHECK(at.cwnd < before.cwnd);
  // RFC 5681 3.2 (2), eq. (4): ssthresh is half of the flight (here well above the floor of two
  // segments); the row's bytes in flight also hold what limited transmit (RFC 3042) sent, at most
  // two segments, which the flight that is halved leaves out.
  REQUIRE(at.ssthresh);
  REQUIRE(at.bytes_in_flight >= 8 * 1460);
  CHECK(*at.ssthresh <= at.bytes_in_flight / 2);
  CHECK(*at.ssthresh + 1460 >= at.bytes_in_flight / 2);

  // The resent segment is counted in the rows that follow.
  CHECK(rows.back().retransmits > at.retransmits);
  // Recovery ends on a later row, once the lost data is acknowledged.
  bool recovered = false;
  for (std::size_t i = fast + 1; i < rows.size(); ++i) recovered |= rows[i].event == "recovery-end";
  CHECK(recovered);
}

TEST_CASE("a lossless transfer's trace: acks only, ssthresh never set, srtt once measured") {
  const auto rows = parse(traced_transfer(0));
  REQUIRE(rows.size() > 100);
  for (const auto& r : rows) {
    CHECK(r.event == "ack");
    CHECK_FALSE(r.ssthresh);
    CHECK(r.retransmits == 0);
  }
  // Over a 20 ms round trip the smoothed RTT settles near 20 ms.
  REQUIRE(rows.back().srtt_ms);
  CHECK(*rows.back().srtt_ms >= 19.0);
  CHECK(*rows.back().srtt_ms <= 30.0);
  // The window grew from its initial 10 segments.
  CHECK(rows.back().cwnd > rows.front().cwnd);
}

}  // namespace
}  // namespace tapstack::test
