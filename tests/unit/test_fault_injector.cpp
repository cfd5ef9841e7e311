// The fault injector, in virtual time: each fault does what its configuration says, with shares
// checked over thousands of frames under a fixed seed; delays never reorder unless asked; the
// targeted rules drop exactly the frames they name; a seed reproduces a run; next_deadline() tells
// a driver when held frames are due, and the simulator wakes for it.
#include <doctest/doctest.h>

#include <algorithm>
#include <bit>
#include <deque>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "apps/sim/sim_network.hpp"
#include "drivers/fault_injector.hpp"
#include "drivers/pair_link.hpp"
#include "drivers/simulator.hpp"
#include "stack/stack.hpp"
#include "stack/wire/ethernet.hpp"
#include "stack/wire/ipv4.hpp"
#include "stack/wire/tcp.hpp"
#include "tests/support/frames.hpp"

namespace tapstack::test {
namespace {

using namespace std::chrono_literals;

const mac_address mac_a{{0x02, 0x74, 0x73, 0x00, 0x00, 0x01}};
const mac_address mac_b{{0x02, 0x74, 0x73, 0x00, 0x00, 0x02}};
const ipv4_endpoint client{ipv4_address{0x0a000001}, 40000};
const ipv4_endpoint other_client{ipv4_address{0x0a000001}, 40001};
const ipv4_endpoint server{ipv4_address{0x0a000002}, 80};

struct timed_frame {
  byte_vector bytes;
  instant at;
  friend bool operator==(const timed_frame&, const timed_frame&) = default;
};

// The far side of the injector, standing for the wire: it logs what the injector transmits, with
// the instant, and offers the frames queued in `incoming` from their instant on, as a link would.
class wire_device final : public device {
 public:
  std::size_t receive(byte_span out, instant now) override {
    if (incoming.empty() || incoming.front().at > now) return 0;
    const byte_vector& f = incoming.front().bytes;
    const std::size_t n = std::min(out.size(), f.size());
    std::copy_n(f.begin(), n, out.begin());
    incoming.pop_front();
    return n;
  }
  bool transmit(const_byte_span frame, instant now) override {
    if (full) return false;
    sent.push_back({{frame.begin(), frame.end()}, now});
    return true;
  }
  std::optional<instant> next_deadline() const override {
    if (incoming.empty()) return std::nullopt;
    return incoming.front().at;
  }

  std::deque<timed_frame> incoming;
  std::vector<timed_frame> sent;
  bool full = false;
};

// The injector over a wire device, driven as a driver would: before each frame, and to the end of
// a run, it is woken at every deadline it gives; frames it delivers towards the host are kept.
struct test_bench {
  explicit test_bench(const fault_config& in, const fault_config& out, std::uint64_t seed = 1)
      : faults{wire, in, out, seed} {}

  void run_until(instant until) {
    for (int wakeups = 0;; ++wakeups) {
      REQUIRE(wakeups < 1'000'000);  // a deadline that a wake-up does not clear
      const auto due = faults.next_deadline();
      if (!due || *due > until) return;
      drain(*due);
    }
  }
  void drain(instant now) {
    while (const std::size_t n = faults.receive(buffer, now))
      delivered.push_back({{buffer.begin(), buffer.begin() + static_cast<long>(n)}, now});
  }
  // The host transmits at t.
  bool send(const byte_vector& frame, instant t) {
    run_until(t);
    return faults.transmit(frame, t);
  }
  // The wire offers a frame at t.
  void offer(const byte_vector& frame, instant t) {
    run_until(t);
    wire.incoming.push_back({frame, t});
    drain(t);
  }

  wire_device wire;
  fault_injector faults;
  byte_vector buffer = byte_vector(65536);
  std::vector<timed_frame> delivered;
};

// A TCP segment in an Ethernet frame whose IPv4 identification numbers it.
byte_vector segment(std::uint16_t number, ipv4_endpoint src, ipv4_endpoint dst, tcp_flags flags,
                    std::size_t payload_len = 0) {
  const byte_vector payload(payload_len, 0x5a);
  tcp_repr tcp;
  tcp.src_port = src.port;
  tcp.dst_port = dst.port;
  tcp.seq = seq32{1000u * number};
  tcp.ack = seq32{1};
  tcp.flags = flags;
  tcp.window = 64240;
  tcp.payload = payload;
  byte_vector bytes(tcp.buffer_len());
  tcp.emit(bytes, src.address, dst.address);
  return emit_frame(
      {mac_a, mac_b, ethertype::ipv4},
      emit_ipv4(
          {.src = src.address, .dst = dst.address, .protocol = ip_protocol::tcp, .ident = number},
          bytes));
}

// Frame `number` of a bulk transfer, frame_len bytes long on the wire.
byte_vector numbered(std::uint16_t number, std::size_t frame_len = 200) {
  return segment(number, client, server, {.ack = true},
                 frame_len - ethernet::header_len - ipv4::min_header_len - tcp::min_header_len);
}

std::vector<std::uint16_t> numbers(const std::vector<timed_frame>& frames) {
  std::vector<std::uint16_t> out;
  for (const auto& f : frames) out.push_back(ipv4_ident(f.bytes));
  return out;
}

// Whether the frame's IPv4 header and TCP segment pass their checks and checksums.
bool intact(const byte_vector& frame) {
  const auto eth = ethernet_view::check(frame);
  if (!eth) return false;
  const auto ip = ipv4_view::check(eth->payload());
  if (!ip || !ip->verify_checksum()) return false;
  const auto tcp = tcp_view::check(ip->payload());
  return tcp && tcp_repr::parse(*tcp, ip->src(), ip->dst()).ok();
}

// Every observed fault of one kind, by direction.
struct fault_log {
  void watch(fault_injector& f) {
    f.on_fault([this](direction d, fault_kind k, const_byte_span frame, instant at) {
      entries.push_back({d, k, {frame.begin(), frame.end()}, at});
    });
  }
  std::vector<std::uint16_t> numbers_of(direction d, fault_kind k) const {
    std::vector<std::uint16_t> out;
    for (const auto& e : entries)
      if (e.dir == d && e.kind == k) out.push_back(ipv4_ident(e.frame));
    return out;
  }
  struct entry {
    direction dir;
    fault_kind kind;
    byte_vector frame;
    instant at;
  };
  std::vector<entry> entries;
};

}  // namespace

TEST_CASE("uniform loss drops its share in each direction, counted and observed") {
  test_bench b{{.loss = 0.3}, {.loss = 0.1}, 11};
  fault_log log;
  log.watch(b.faults);
  for (std::uint16_t i = 0; i < 10000; ++i) {
    CHECK(b.send(numbered(i), instant{i * 1us}));  // a lost frame was still accepted
    b.offer(numbered(i), instant{i * 1us});
  }
  const auto lost_out = 10000 - b.wire.sent.size();
  const auto lost_in = 10000 - b.delivered.size();
  CHECK(lost_out > 900);
  CHECK(lost_out < 1100);
  CHECK(lost_in > 2850);
  CHECK(lost_in < 3150);
  CHECK(b.faults.frames(direction::out) == 10000);
  CHECK(b.faults.count(direction::out, fault_kind::loss) == lost_out);
  CHECK(b.faults.count(direction::in, fault_kind::loss) == lost_in);
  CHECK(log.numbers_of(direction::out, fault_kind::loss).size() == lost_out);
  CHECK(log.entries.size() == lost_out + lost_in);
  // The frames that got through are the others, in order.
  const auto out = numbers(b.wire.sent);
  CHECK(std::is_sorted(out.begin(), out.end()));
  const std::string report = b.faults.report();
  CHECK(report.find("  out_dropped_loss         " + std::to_string(lost_out) + "\n") !=
        std::string::npos);
  CHECK(report.find("  in_frames                10000\n") != std::string::npos);
}

TEST_CASE("Gilbert-Elliott loss comes in bursts of the configured mean length") {
  const auto g = gilbert_elliott::from_mean(0.05, 4);
  CHECK(g.r == doctest::Approx(0.25));
  CHECK(g.mean_loss() == doctest::Approx(0.05));
  CHECK_THROWS_AS(gilbert_elliott::from_mean(0.6, 1), std::invalid_argument);
  CHECK_THROWS_AS(gilbert_elliott::from_mean(0.05, 0.5), std::invalid_argument);

  // The lengths of the runs of consecutive frames lost, over 100000 frames.
  const auto runs = [](const fault_config& out, fault_kind kind) {
    test_bench b{{}, out, 5};
    std::uint64_t index = 0;
    std::vector<std::uint64_t> lost;
    b.faults.on_fault([&](direction, fault_kind k, const_byte_span, instant) {
      if (k == kind) lost.push_back(index);
    });
    const byte_vector frame = numbered(1);
    for (index = 0; index < 100000; ++index) b.faults.transmit(frame, instant{});
    std::vector<std::uint64_t> lengths;
    for (std::size_t i = 0; i < lost.size(); ++i) {
      if (i == 0 || lost[i] != lost[i - 1] + 1) lengths.push_back(0);
      ++lengths.back();
    }
    CHECK(b.faults.count(direction::out, kind) == lost.size());
    return std::pair{static_cast<double>(lost.size()) / 100000,
                     static_cast<double>(lost.size()) / static_cast<double>(lengths.size())};
  };
  const auto [burst_share, burst_mean] = runs({.burst = g}, fault_kind::burst);
  CHECK(burst_share == doctest::Approx(0.05).epsilon(0.1));
  CHECK(burst_mean == doctest::Approx(4).epsilon(0.1));
  // The same share lost uniformly comes one frame at a time.
  const auto [uniform_share, uniform_mean] = runs({.loss = 0.05}, fault_kind::loss);
  CHECK(uniform_share == doctest::Approx(0.05).epsilon(0.1));
  CHECK(uniform_mean < 1.1);
}

TEST_CASE("duplication sends its share of frames twice, the copy right behind") {
  test_bench b{{}, {.duplicate = 0.2}, 3};
  for (std::uint16_t i = 0; i < 10000; ++i) b.send(numbered(i), instant{i * 1us});
  const auto duplicated = b.faults.count(direction::out, fault_kind::duplicated);
  CHECK(duplicated > 1800);
  CHECK(duplicated < 2200);
  REQUIRE(b.wire.sent.size() == 10000 + duplicated);
  std::uint64_t twins = 0;
  for (std::size_t i = 1; i < b.wire.sent.size(); ++i)
    if (b.wire.sent[i] == b.wire.sent[i - 1]) ++twins;
  CHECK(twins == duplicated);
  const auto out = numbers(b.wire.sent);
  CHECK(std::is_sorted(out.begin(), out.end()));
  CHECK(std::set<std::uint16_t>(out.begin(), out.end()).size() == 10000);
}

TEST_CASE("reordering lets later frames overtake the ones held back, and loses none") {
  test_bench b{{}, {.reorder = 0.05, .reorder_delay = 5ms}, 4};
  for (std::uint16_t i = 0; i < 2000; ++i) b.send(numbered(i), instant{i * 1ms});
  b.run_until(instant{10s});
  CHECK(b.faults.held(direction::out) == 0);
  auto out = numbers(b.wire.sent);
  REQUIRE(out.size() == 2000);
  // A frame is overtaken when some later-numbered frame arrived before it.
  std::uint64_t overtaken = 0;
  std::uint16_t highest = 0;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (i > 0 && out[i] < highest) ++overtaken;
    highest = std::max(highest, out[i]);
  }
  const auto reordered = b.faults.count(direction::out, fault_kind::reordered);
  CHECK(reordered > 70);
  CHECK(reordered < 130);
  CHECK(overtaken == reordered);
  std::sort(out.begin(), out.end());
  for (std::uint16_t i = 0; i < 2000; ++i) CHECK(out[i] == i);
}

TEST_CASE("corruption changes only the bytes it reports, never the Ethernet header") {
  test_bench b{{}, {.corrupt = 0.5, .corrupt_bits = 4}, 6};
  std::vector<std::vector<std::size_t>> reported;
  b.faults.on_fault([&](direction, fault_kind k, const_byte_span, instant) {
    if (k == fault_kind::corrupted)
      reported.emplace_back(b.faults.last_corruption().begin(), b.faults.last_corruption().end());
  });
  std::vector<byte_vector> originals;
  for (std::uint16_t i = 0; i < 2000; ++i) {
    originals.push_back(numbered(i));
    b.send(originals.back(), instant{});
  }
  REQUIRE(b.wire.sent.size() == 2000);
  const auto corrupted = b.faults.count(direction::out, fault_kind::corrupted);
  CHECK(corrupted > 900);
  CHECK(corrupted < 1100);
  REQUIRE(reported.size() == corrupted);
  std::size_t next_report = 0;
  std::set<std::size_t> bit_counts;
  for (std::size_t i = 0; i < originals.size(); ++i) {
    const byte_vector& before = originals[i];
    const byte_vector& after = b.wire.sent[i].bytes;
    REQUIRE(after.size() == before.size());
    std::vector<std::size_t> changed;
    std::size_t bits = 0;
    for (std::size_t at = 0; at < before.size(); ++at)
      if (before[at] != after[at]) {
        changed.push_back(at);
        bits +=
            static_cast<std::size_t>(std::popcount(static_cast<unsigned>(before[at] ^ after[at])));
      }
    if (changed.empty()) continue;
    REQUIRE(next_report < reported.size());
    CHECK(changed == reported[next_report++]);
    CHECK(changed.front() >= ethernet::header_len);
    bit_counts.insert(bits);
  }
  CHECK(next_report == corrupted);
  CHECK(bit_counts == std::set<std::size_t>{1, 2, 3, 4});
}

TEST_CASE("a single flipped bit is caught by the IPv4 or TCP checksum") {
  test_bench b{{}, {.corrupt = 1}, 8};
  for (std::uint16_t i = 0; i < 2000; ++i) {
    const byte_vector frame = numbered(i);
    REQUIRE(intact(frame));
    b.send(frame, instant{});
  }
  REQUIRE(b.wire.sent.size() == 2000);
  CHECK(b.faults.count(direction::out, fault_kind::corrupted) == 2000);
  for (const auto& f : b.wire.sent) CHECK_FALSE(intact(f.bytes));
}

TEST_CASE("latency and jitter delay every frame but never reorder") {
  test_bench b{{}, {.latency = 10ms, .jitter = 5ms}, 9};
  // Frames far apart show the jitter's spread; then frames closer together than the jitter,
  // which it would reorder if it were not held to their order.
  std::vector<instant> sent_at;
  for (std::uint16_t i = 0; i < 6000; ++i) {
    sent_at.push_back(i < 1000 ? instant{i * 20ms} : sent_at.back() + 100us);
    b.send(numbered(i), sent_at.back());
  }
  b.run_until(sent_at.back() + 1s);
  REQUIRE(b.wire.sent.size() == 6000);
  CHECK(b.faults.count(direction::out, fault_kind::delayed) == 6000);
  CHECK(b.faults.count(direction::out, fault_kind::reordered) == 0);
  duration shortest = 1h;
  duration longest{};
  for (std::uint16_t i = 0; i < 6000; ++i) {
    const timed_frame& f = b.wire.sent[i];
    CHECK(ipv4_ident(f.bytes) == i);
    const duration delay = f.at - sent_at[i];
    shortest = std::min(shortest, delay);
    longest = std::max(longest, delay);
  }
  CHECK(shortest >= 10ms);
  CHECK(shortest < 10ms + 100us);
  CHECK(longest <= 15ms);
  CHECK(longest > 15ms - 100us);
}

TEST_CASE("the rate limiter's throughput matches its rate over a simulated second") {
  // 24 Mbit/s offered to a 10 Mbit/s limit: the queue stays full and the link busy.
  test_bench b{{}, {.rate_bps = 10'000'000, .queue_limit = 100}, 10};
  for (std::uint16_t i = 0; i < 2000; ++i) b.send(numbered(i, 1500), instant{i * 500us});
  b.run_until(instant{1s});
  std::uint64_t bytes = 0;
  for (const auto& f : b.wire.sent) bytes += f.bytes.size();
  CHECK(static_cast<double>(bytes) == doctest::Approx(10'000'000 / 8).epsilon(0.01));
  CHECK(b.faults.count(direction::out, fault_kind::queue) > 0);
  // One 1500-byte frame every 1.2 ms, back to back.
  for (std::size_t i = 1; i < b.wire.sent.size(); ++i)
    CHECK(b.wire.sent[i].at - b.wire.sent[i - 1].at == 1200us);
}

TEST_CASE("the rate limiter drops at the tail of a full queue, then has room again") {
  // 8 Mbit/s: a 1000-byte frame takes 1 ms to send; 2 ms of latency after that.
  test_bench b{{}, {.latency = 2ms, .rate_bps = 8'000'000, .queue_limit = 3}, 12};
  fault_log log;
  log.watch(b.faults);
  for (std::uint16_t i = 1; i <= 5; ++i) CHECK(b.send(numbered(i, 1000), instant{}));
  CHECK(log.numbers_of(direction::out, fault_kind::queue) == std::vector<std::uint16_t>{4, 5});
  CHECK(b.faults.next_deadline() == instant{3ms});
  b.run_until(instant{3ms});
  CHECK(b.send(numbered(6, 1000), instant{3ms}));  // the queue has drained
  b.run_until(instant{1s});
  REQUIRE(b.wire.sent.size() == 4);
  CHECK(numbers(b.wire.sent) == std::vector<std::uint16_t>{1, 2, 3, 6});
  CHECK(b.wire.sent[0].at == instant{3ms});
  CHECK(b.wire.sent[1].at == instant{4ms});
  CHECK(b.wire.sent[2].at == instant{5ms});
  CHECK(b.wire.sent[3].at == instant{6ms});
  CHECK(b.faults.count(direction::out, fault_kind::queue) == 2);
}

TEST_CASE("the MTU drops frames whose IPv4 packet is larger, and nothing else") {
  test_bench b{{}, {.mtu = 1000}, 13};
  fault_log log;
  log.watch(b.faults);
  b.send(numbered(1, ethernet::header_len + 1000), instant{});
  b.send(numbered(2, ethernet::header_len + 1001), instant{});
  const byte_vector arp =
      emit_frame({mac_a, mac_address::broadcast(), ethertype::arp}, byte_vector(1100, 0));
  b.send(arp, instant{});
  REQUIRE(b.wire.sent.size() == 2);
  CHECK(ipv4_ident(b.wire.sent[0].bytes) == 1);
  CHECK(b.wire.sent[1].bytes == arp);
  CHECK(log.numbers_of(direction::out, fault_kind::mtu) == std::vector<std::uint16_t>{2});
}

TEST_CASE("drop-Nth drops that frame of its own direction only") {
  test_bench b{{.drop_frames = {1}}, {.drop_frames = {3}}, 14};
  for (std::uint16_t i = 1; i <= 5; ++i) {
    b.send(numbered(i), instant{});
    b.offer(numbered(i), instant{});
  }
  CHECK(numbers(b.wire.sent) == std::vector<std::uint16_t>{1, 2, 4, 5});
  CHECK(numbers(b.delivered) == std::vector<std::uint16_t>{2, 3, 4, 5});
  CHECK(b.faults.count(direction::out, fault_kind::rule) == 1);
  CHECK(b.faults.count(direction::in, fault_kind::rule) == 1);
}

TEST_CASE("the data-segment rule drops the 3rd data segment of one flow and nothing else") {
  // Two connections to the server, their segments interleaved; frame numbers in order.
  const tcp_flags ack{.ack = true};
  const std::vector<byte_vector> frames = {
      segment(1, client, server, {.syn = true}),
      segment(2, other_client, server, {.syn = true}),
      segment(3, client, server, ack),
      segment(4, client, server, ack, 100),        // client's 1st data segment
      segment(5, other_client, server, ack, 100),  // other's 1st
      segment(6, client, server, ack, 100),        // client's 2nd
      segment(7, client, server, ack),
      segment(8, client, server, ack, 100),        // client's 3rd
      segment(9, other_client, server, ack, 100),  // other's 2nd
      segment(10, other_client, server, ack, 1),   // other's 3rd
      segment(11, client, server, ack, 100),
  };
  const auto dropped = [&](const data_segment_drop& rule) {
    test_bench b{{}, {.drop_data_segment = rule}, 15};
    fault_log log;
    log.watch(b.faults);
    for (const auto& f : frames) b.send(f, instant{});
    CHECK(b.wire.sent.size() + log.entries.size() == frames.size());
    return log.numbers_of(direction::out, fault_kind::rule);
  };
  // The first flow seen.
  CHECK(dropped({.nth = 3}) == std::vector<std::uint16_t>{8});
  // A flow named by a port, by its endpoints either way round, or by one endpoint.
  CHECK(dropped({.nth = 3, .flow = {.port = 40001}}) == std::vector<std::uint16_t>{10});
  CHECK(dropped({.nth = 3, .flow = {.a = server, .b = other_client}}) ==
        std::vector<std::uint16_t>{10});
  CHECK(dropped({.nth = 1, .flow = {.a = other_client}}) == std::vector<std::uint16_t>{5});
}

TEST_CASE("the flags rule drops the first two SYN-ACKs, then lets them through") {
  test_bench b{{}, {.drop_flags = {.flags = {.syn = true, .ack = true}, .count = 2}}, 16};
  const tcp_flags syn_ack{.syn = true, .ack = true};
  const std::vector<byte_vector> frames = {
      segment(1, server, client, syn_ack), segment(2, server, client, {.ack = true}),
      segment(3, server, client, syn_ack), segment(4, server, client, {.syn = true}),
      segment(5, server, client, syn_ack), segment(6, server, client, syn_ack),
  };
  for (const auto& f : frames) b.send(f, instant{});
  CHECK(numbers(b.wire.sent) == std::vector<std::uint16_t>{2, 4, 5, 6});
  CHECK(b.faults.count(direction::out, fault_kind::rule) == 2);
}

TEST_CASE("the same seed and frames give the same faults; another seed, others") {
  fault_config everything{.loss = 0.05,
                          .burst = gilbert_elliott::from_mean(0.05, 3),
                          .duplicate = 0.05,
                          .reorder = 0.05,
                          .reorder_delay = 3ms,
                          .corrupt = 0.05,
                          .corrupt_bits = 3,
                          .latency = 2ms,
                          .jitter = 1ms,
                          .rate_bps = 100'000'000,
                          .queue_limit = 50};
  struct outcome {
    std::vector<timed_frame> out;
    std::vector<timed_frame> in;
    std::string report;
  };
  const auto run = [&](std::uint64_t seed) {
    test_bench b{everything, everything, seed};
    for (std::uint16_t i = 0; i < 3000; ++i) {
      b.send(numbered(i, 300 + i % 1000), instant{i * 50us});
      if (i % 3 == 0) b.offer(numbered(i, 1500), instant{i * 50us});
    }
    b.run_until(instant{10s});
    return outcome{b.wire.sent, b.delivered, b.faults.report()};
  };
  const outcome first = run(7);
  const outcome again = run(7);
  const outcome other = run(8);
  CHECK(first.out == again.out);
  CHECK(first.in == again.in);
  CHECK(first.report == again.report);
  CHECK(first.out != other.out);
  CHECK(first.in != other.in);
}

TEST_CASE("next_deadline tells when held frames are due, and forwards the inner device's") {
  test_bench b{{.latency = 10ms}, {.latency = 3ms}, 17};
  CHECK_FALSE(b.faults.next_deadline());
  b.wire.incoming.push_back({numbered(1), instant{5ms}});
  CHECK(b.faults.next_deadline() == instant{5ms});  // the inner device's
  CHECK(b.faults.receive(b.buffer, instant{5ms}) == 0);
  CHECK(b.faults.held(direction::in) == 1);
  CHECK(b.faults.next_deadline() == instant{15ms});

  CHECK(b.faults.transmit(numbered(2), instant{6ms}));
  CHECK(b.wire.sent.empty());
  CHECK(b.faults.next_deadline() == instant{9ms});  // the earlier of the two held frames
  CHECK(b.faults.receive(b.buffer, instant{9ms} - 1ns) == 0);
  CHECK(b.wire.sent.empty());
  CHECK(b.faults.receive(b.buffer, instant{9ms}) == 0);
  REQUIRE(b.wire.sent.size() == 1);
  CHECK(b.wire.sent[0].at == instant{9ms});
  CHECK(b.faults.next_deadline() == instant{15ms});

  CHECK(b.faults.receive(b.buffer, instant{15ms} - 1ns) == 0);
  CHECK(b.faults.receive(b.buffer, instant{15ms}) == numbered(1).size());
  CHECK(ipv4_ident(b.buffer) == 1);
  CHECK_FALSE(b.faults.next_deadline());
}

TEST_CASE("a held outgoing frame the inner device refuses when due is dropped and counted") {
  test_bench b{{}, {.latency = 1ms}, 18};
  CHECK(b.faults.transmit(numbered(1), instant{}));
  b.wire.full = true;
  b.run_until(instant{1s});
  CHECK(b.faults.count(direction::out, fault_kind::device_full) == 1);
  CHECK_FALSE(b.faults.next_deadline());
  // Without a delay the host learns at once that the device is full.
  test_bench at_once{{}, {}, 18};
  at_once.wire.full = true;
  CHECK_FALSE(at_once.faults.transmit(numbered(1), instant{}));
}

TEST_CASE("the injector tells what the frame it just passed on met, however long it was held") {
  test_bench b{{.duplicate = 1, .corrupt = 1, .latency = 2ms}, {.drop_frames = {2}}, 19};
  b.wire.incoming.push_back({numbered(1), instant{}});
  byte_vector buf(2048);
  CHECK(b.faults.receive(buf, instant{}) == 0);  // held, both the frame and its copy
  const std::vector<std::size_t> flipped(b.faults.last_corruption().begin(),
                                         b.faults.last_corruption().end());
  REQUIRE_FALSE(flipped.empty());
  CHECK(b.faults.last_received().kinds.none());
  // A frame in the other direction meanwhile leaves the held ones' record alone.
  CHECK(b.faults.transmit(numbered(7), instant{1ms}));
  CHECK(b.faults.last_transmitted().kinds.none());
  CHECK(b.faults.transmit(numbered(8), instant{1ms}));
  CHECK(b.faults.last_transmitted().met(fault_kind::rule));
  for (const bool copy : {false, true}) {
    REQUIRE(b.faults.receive(buf, instant{2ms}) == numbered(1).size());
    const frame_faults& met = b.faults.last_received();
    CHECK(met.met(fault_kind::corrupted));
    CHECK(met.met(fault_kind::duplicated));
    CHECK(met.met(fault_kind::delayed));
    CHECK_FALSE(met.met(fault_kind::reordered));
    CHECK(met.copy == copy);
    CHECK(met.corrupted == flipped);
    CHECK(met.delay == 2ms);
  }
  CHECK(b.faults.receive(buf, instant{2ms}) == 0);
  CHECK(b.faults.last_received().kinds.none());
}

TEST_CASE("a configuration that makes no sense is refused, naming the field") {
  wire_device wire;
  CHECK_THROWS_WITH_AS(fault_injector(wire, {}, {.loss = 1.5}, 1), doctest::Contains("out.loss"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(fault_injector(wire, {.rate_bps = 1000, .queue_limit = 0}, {}, 1),
                       doctest::Contains("in.queue_limit"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(fault_injector(wire, {}, {.drop_frames = {0}}, 1),
                       doctest::Contains("out.drop_frames"), std::invalid_argument);
}

TEST_CASE("the simulator wakes for frames the injector holds") {
  // Host a's frames take 40 ms out and 10 ms back in: the ARP exchange and the ping each take
  // 50 ms of virtual time, and nothing else would wake the simulator when they are due.
  pair_link link;
  fault_injector faults{link.a(), {.latency = 10ms}, {.latency = 40ms}, 19};
  stack a{sim::host_config(1)};  // mac_a, client.address
  stack b{sim::host_config(2)};  // mac_b, server.address
  simulator sim;
  sim.add(a, faults);
  sim.add(b, link.b());
  sim.start();
  sim.run_for(200ms);
  const instant sent = sim.now();
  const byte_vector payload(56, 0x11);
  REQUIRE(a.icmp().send_echo_request(server.address, 7, 1, payload, sent));
  REQUIRE(sim.run_until([&] { return !a.icmp().replies().empty(); }, 900ms));
  CHECK(a.icmp().replies().front().received - sent == 100ms);
  CHECK(faults.count(direction::out, fault_kind::delayed) >= 2);
}

}  // namespace tapstack::test
