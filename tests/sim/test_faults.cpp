// TCP through the fault injector, in virtual time: lost handshake segments are retransmitted at
// RFC 6298's backoff times, heavy loss in both directions still delivers every byte, every
// corrupted frame is caught by a checksum and none reaches the application, and a seed replays a
// faulty run byte for byte.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "stack/wire/ethernet.hpp"
#include "tests/support/asio_pair.hpp"
#include "tests/support/sim_transfer.hpp"

namespace tapstack::test {
namespace {

using namespace std::chrono_literals;

// RFC 6298's own minimum RTO, with its initial RTO of 1 s (2.1), which a handshake uses.
sim_setup rfc_setup() {
  return {.link = {.latency = 5ms}, .client = two_host_config(1), .server = two_host_config(2)};
}

// Connects and notes when the client retransmits its SYN; stops once it is connected.
struct handshake {
  std::vector<duration> syn_retransmits;  // after connect()
  std::optional<duration> connected;
};

// "1s, 3s": doctest prints a vector it cannot format as {?}.
std::string instants(const std::vector<duration>& times) {
  std::string out;
  for (const duration t : times) out += (out.empty() ? "" : ", ") + to_string(t);
  return out;
}

handshake open_through(sim_net& net) {
  const sim_sockets s = start_connect(net, 9);
  handshake h;
  net.sim.run_until(
      [&] {
        const duration since = net.sim.now() - s.started;
        while (h.syn_retransmits.size() < net.client.stats()[event::tcp_retransmits])
          h.syn_retransmits.push_back(since);
        if (net.client.tcp().connected(s.client)) h.connected = since;
        return h.connected.has_value();
      },
      30s);
  return h;
}

TEST_CASE("two lost SYNs: retransmitted at 1 s, then 2 s later, and the third one connects") {
  sim_setup setup = rfc_setup();
  setup.from_client.drop_flags = {.flags = {.syn = true}, .count = 2};
  sim_net net{setup};
  const handshake h = open_through(net);
  CHECK(net.faults.count(direction::out, fault_kind::rule) == 2);
  // RFC 6298 (2.1) the first RTO is 1 s; (5.5) each expiry doubles it; (5.6) the timer restarts.
  CHECK(instants(h.syn_retransmits) == "1s, 3s");
  REQUIRE(h.connected);
  CHECK(*h.connected == 3s + 10ms);  // the third SYN's round trip
}

// The server answers a retransmitted SYN at once, as Linux does, and counts that answer as its
// own timer's retransmission (backing off), so no extra SYN-ACK of the timer's slips through
// between the client's retransmissions.
TEST_CASE("two lost SYN-ACKs: the SYN is retransmitted at 1 s, then 2 s later, and connects") {
  sim_setup setup = rfc_setup();
  setup.to_client.drop_flags = {.flags = {.syn = true, .ack = true}, .count = 2};
  sim_net net{setup};
  const handshake h = open_through(net);
  REQUIRE(h.connected);
  MESSAGE("SYN retransmitted " << h.syn_retransmits.size() << " times; connected after "
                               << to_string(*h.connected));
  CHECK(net.faults.count(direction::in, fault_kind::rule) == 2);
  // One SYN-ACK answers the SYN, one the first retransmitted SYN: both lost.
  CHECK(instants(h.syn_retransmits) == "1s, 3s");
  CHECK(*h.connected == 3s + 10ms);
}

TEST_CASE("30% loss each way: 1 MB still arrives intact") {
  sim_setup setup;
  setup.link.latency = 2ms;
  setup.to_client.loss = setup.from_client.loss = 0.30;
  setup.fault_seed = 5;
  sim_net net{setup};
  const auto data = pattern(1 << 20);
  const auto r = transfer(net, data, {.limit = 24h});
  CHECK(r.intact(data.size()));
  const auto lost = net.faults.count(direction::in, fault_kind::loss) +
                    net.faults.count(direction::out, fault_kind::loss);
  const auto frames = net.faults.frames(direction::in) + net.faults.frames(direction::out);
  // The injector lost its share, give or take.
  CHECK(lost > frames / 4);
  CHECK(lost < frames * 7 / 20);
  MESSAGE("30% loss: " << to_string(r.finished - r.started) << " virtual, " << lost << " of "
                       << frames << " frames lost, " << net.client.stats()[event::tcp_retransmits]
                       << " retransmits, " << net.client.stats()[event::tcp_rtos] << " timeouts");
}

// The reasons a host gives for input that is malformed rather than unwanted: a frame the injector
// corrupted must end under one of these, and a clean link never produces any.
constexpr drop_reason malformed[] = {
    drop_reason::ip_truncated,       drop_reason::ip_bad_version,
    drop_reason::ip_bad_header_len,  drop_reason::ip_bad_total_len,
    drop_reason::ip_bad_checksum,    drop_reason::ip_bad_source,
    drop_reason::ip_not_for_us,      drop_reason::ip_unknown_protocol,
    drop_reason::icmp_truncated,     drop_reason::icmp_bad_checksum,
    drop_reason::udp_truncated,      drop_reason::udp_bad_length,
    drop_reason::udp_bad_checksum,   drop_reason::tcp_truncated,
    drop_reason::tcp_bad_header_len, drop_reason::tcp_bad_checksum,
    drop_reason::tcp_bad_option,
};

std::uint64_t malformed_drops(const stack& host) {
  std::uint64_t n = 0;
  for (const drop_reason r : malformed) n += host.stats()[r];
  return n;
}

TEST_CASE("5% corruption each way: every corrupted packet is dropped by a check, data intact") {
  sim_setup setup;
  setup.link.latency = 2ms;
  // One bit per frame: the Internet checksum catches every single-bit error (RFC 1071), so a
  // corrupted packet that got through would be a bug, not bad luck.
  for (fault_config* f : {&setup.to_client, &setup.from_client}) {
    f->corrupt = 0.05;
    f->corrupt_bits = 1;
  }
  setup.fault_seed = 9;
  sim_net net{setup};
  // ARP has no checksum: a corrupted ARP frame may be taken at face value, so only IPv4 counts.
  std::uint64_t corrupted_ipv4 = 0;
  net.faults.on_fault([&](direction, fault_kind k, const_byte_span frame, instant) {
    const auto eth = ethernet_view::check(frame);
    if (k == fault_kind::corrupted && eth &&
        eth->ethertype() == static_cast<std::uint16_t>(ethertype::ipv4))
      ++corrupted_ipv4;
  });
  const auto data = pattern(1 << 20);
  const auto r = transfer(net, data, {.limit = 10min});
  CHECK(r.intact(data.size()));
  CHECK(corrupted_ipv4 > 50);
  const auto caught = malformed_drops(net.client) + malformed_drops(net.server);
  CHECK(caught == corrupted_ipv4);
  // Nearly every flip lands where a checksum, not a sanity check, finds it.
  const auto checksums = net.client.stats()[drop_reason::ip_bad_checksum] +
                         net.client.stats()[drop_reason::tcp_bad_checksum] +
                         net.server.stats()[drop_reason::ip_bad_checksum] +
                         net.server.stats()[drop_reason::tcp_bad_checksum];
  CHECK(checksums * 10 >= caught * 9);
  MESSAGE("5% corruption: " << corrupted_ipv4 << " IPv4 frames corrupted, " << caught
                            << " dropped as malformed (" << checksums << " by a checksum); "
                            << to_string(r.finished - r.started) << " virtual");
}

TEST_CASE("a fault seed replays a faulty transfer's capture byte for byte; another does not") {
  const auto data = pattern(1 << 20);
  const auto capture = [&](std::uint64_t seed) {
    const auto path = std::filesystem::temp_directory_path() /
                      ("tapstack-faults-" + std::to_string(seed) + ".pcap");
    {
      sim_setup setup;
      setup.link.latency = 2ms;
      for (fault_config* f : {&setup.to_client, &setup.from_client}) {
        f->loss = 0.02;
        f->burst = gilbert_elliott::from_mean(0.02, 3);
        f->duplicate = 0.01;
        f->reorder = 0.02;
        f->corrupt = 0.01;
        f->jitter = 1ms;
      }
      setup.fault_seed = seed;
      setup.pcap = path.string();
      sim_net net{setup};
      CHECK(transfer(net, data, {.limit = 10min}).intact(data.size()));
      for (const auto kind : {fault_kind::loss, fault_kind::burst, fault_kind::duplicated,
                              fault_kind::reordered, fault_kind::corrupted}) {
        INFO(name(kind) << " with seed " << seed);
        CHECK(net.faults.count(direction::out, kind) > 0);
      }
    }
    std::ifstream in{path, std::ios::binary};
    std::string bytes{std::istreambuf_iterator<char>{in}, {}};
    std::filesystem::remove(path);
    return bytes;
  };
  const std::string first = capture(21);
  CHECK(first.size() > data.size());
  CHECK((capture(21) == first));
  CHECK((capture(22) != first));
}

}  // namespace
}  // namespace tapstack::test
