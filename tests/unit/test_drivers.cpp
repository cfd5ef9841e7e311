// The in-memory devices and decorators: the pair link delivers in order and bounds its queue; the
// pcap recorder writes a file tcpdump can read (header and records, timestamps from the instants
// it is given); the tracer prints one tcpdump-style line per frame.
#include <doctest/doctest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <utility>
#include <vector>

#include "drivers/pair_link.hpp"
#include "drivers/pcap_recorder.hpp"
#include "drivers/tracer.hpp"
#include "stack/base/bytes.hpp"

using namespace tapstack;
using namespace std::chrono_literals;

namespace {

// A broadcast ARP request from 10.0.0.1 for 10.0.0.2.
const std::vector<std::uint8_t> arp_request = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06,
    0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
    0x0a, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x02};

std::uint32_t load_le32(const std::uint8_t* p) {
  return std::uint32_t{p[0]} | std::uint32_t{p[1]} << 8 | std::uint32_t{p[2]} << 16 |
         std::uint32_t{p[3]} << 24;
}

}  // namespace

TEST_CASE("pair link delivers frames to the other end in order, and bounds its queue") {
  pair_link link{link_config{.queue_limit = 2}};
  std::array<std::uint8_t, 1> one{1}, two{2}, three{3};
  CHECK(link.a().transmit(one, instant{}));
  CHECK(link.a().transmit(two, instant{}));
  CHECK_FALSE(link.a().transmit(three, instant{}));
  CHECK(link.in_flight() == 2);

  std::array<std::uint8_t, 16> buf{};
  CHECK(link.a().receive(buf, instant{}) == 0);
  REQUIRE(link.b().receive(buf, instant{}) == 1);
  CHECK(buf[0] == 1);
  REQUIRE(link.b().receive(buf, instant{}) == 1);
  CHECK(buf[0] == 2);
  CHECK(link.b().receive(buf, instant{}) == 0);
}

TEST_CASE("a link with a rate sends one frame at a time and drops at the tail of a full queue") {
  // 10 Mbit/s: a 1250-byte frame takes 1 ms to send; 5 ms of latency after that.
  pair_link link{link_config{.latency = 5ms, .rate_bps = 10'000'000, .queue_limit = 3}};
  const std::vector<std::uint8_t> frame(1250, 0xab);
  for (int i = 0; i < 5; ++i) CHECK(link.a().transmit(frame, instant{}));
  CHECK(link.queue_drops() == 2);  // three fit in the queue, the rest fall off its tail
  std::vector<std::uint8_t> buf(2000);
  for (const auto arrival : {6ms, 7ms, 8ms}) {
    CHECK(link.next_arrival() == instant{arrival});
    CHECK(link.b().receive(buf, instant{arrival} - 1us) == 0);
    CHECK(link.b().receive(buf, instant{arrival}) == 1250);
  }
  CHECK_FALSE(link.next_arrival());
  // Once the queue has drained, the rate leaves room again: one frame per millisecond.
  CHECK(link.a().transmit(frame, instant{3ms}));
  CHECK(link.next_arrival() == instant{9ms});
  CHECK(link.queue_drops() == 2);
}

TEST_CASE("pcap recorder writes a libpcap file with the frames and their instants") {
  const auto path = std::filesystem::temp_directory_path() / "tapstack-test-drivers.pcap";
  pair_link link;
  {
    pcap_recorder rec{link.a(), path.string()};
    CHECK(rec.transmit(arp_request, instant{1500ms}));
    std::array<std::uint8_t, 64> buf{};
    CHECK(link.b().transmit(arp_request, instant{}));
    CHECK(rec.receive(buf, instant{2s + 250us}) == arp_request.size());
    CHECK(rec.frames_written() == 2);
  }
  std::ifstream in{path, std::ios::binary};
  const std::vector<std::uint8_t> file{std::istreambuf_iterator<char>{in}, {}};
  std::filesystem::remove(path);

  REQUIRE(file.size() == 24 + 2 * (16 + arp_request.size()));
  CHECK(load_le32(&file[0]) == 0xa1b2c3d4);
  CHECK(load_le32(&file[20]) == 1);  // LINKTYPE_ETHERNET
  const std::uint8_t* first = &file[24];
  CHECK(load_le32(first) == 1);           // seconds
  CHECK(load_le32(first + 4) == 500000);  // microseconds
  CHECK(load_le32(first + 8) == arp_request.size());
  CHECK(std::equal(arp_request.begin(), arp_request.end(), first + 16));
  const std::uint8_t* second = first + 16 + arp_request.size();
  CHECK(load_le32(second) == 2);
  CHECK(load_le32(second + 4) == 250);
}

TEST_CASE("pcap recorder names the path it cannot write") {
  pair_link link;
  CHECK_THROWS_WITH_AS(pcap_recorder(link.a(), "/nonexistent-dir/x.pcap"),
                       doctest::Contains("/nonexistent-dir/x.pcap"), std::runtime_error);
}

// A device with offloads that keeps what it is handed, metadata included, and returns one frame
// with the metadata it is given.
class offloading_device final : public device {
 public:
  std::size_t receive(byte_span out, instant now) override {
    frame_meta ignored;
    return receive_offloaded(out, ignored, now);
  }
  bool transmit(const_byte_span frame, instant now) override {
    return transmit_offloaded(frame, {}, now);
  }
  std::size_t receive_offloaded(byte_span out, frame_meta& meta, instant) override {
    if (incoming.empty()) return 0;
    std::copy(incoming.begin(), incoming.end(), out.begin());
    meta = incoming_meta;
    return std::exchange(incoming, {}).size();
  }
  bool transmit_offloaded(const_byte_span frame, const frame_meta& meta, instant) override {
    sent_meta.push_back(meta);
    return !frame.empty();
  }
  device_offloads offloads() const override { return {.checksum = true, .tcp_segmentation = true}; }

  std::vector<std::uint8_t> incoming;
  frame_meta incoming_meta;
  std::vector<frame_meta> sent_meta;
};

TEST_CASE("tracer and recorder pass offload metadata through, and the tracer says what it asks") {
  offloading_device tap;
  std::ostringstream out;
  tracer trace{tap, out};
  const auto path = std::filesystem::temp_directory_path() / "tapstack-offload-meta.pcap";
  pcap_recorder recorder{trace, path.string()};
  CHECK(recorder.offloads() == device_offloads{.checksum = true, .tcp_segmentation = true});

  const frame_meta super{.checksum = frame_meta::checksum_state::partial,
                         .checksum_start = 34,
                         .checksum_offset = 16,
                         .segment_size = 1448};
  CHECK(recorder.transmit_offloaded(arp_request, super, instant{1ms}));
  REQUIRE(tap.sent_meta.size() == 1);
  CHECK(tap.sent_meta[0].segment_size == 1448);
  CHECK(tap.sent_meta[0].checksum == frame_meta::checksum_state::partial);
  CHECK(tap.sent_meta[0].checksum_start == 34);
  CHECK(tap.sent_meta[0].checksum_offset == 16);
  // The plain call asks for nothing.
  CHECK(recorder.transmit(arp_request, instant{1ms}));
  CHECK(tap.sent_meta.at(1).plain());

  tap.incoming.assign(arp_request.begin(), arp_request.end());
  tap.incoming_meta.checksum = frame_meta::checksum_state::verified;
  std::array<std::uint8_t, 64> buf{};
  frame_meta got;
  CHECK(recorder.receive_offloaded(buf, got, instant{2ms}) == arp_request.size());
  CHECK(got.checksum == frame_meta::checksum_state::verified);
  CHECK(
      out.str() ==
      "0.001000 out ARP, Request who-has 10.0.0.2 tell 10.0.0.1, length 28 [super-segment: 1448 "
      "bytes per wire segment] [checksum partial]\n"
      "0.001000 out ARP, Request who-has 10.0.0.2 tell 10.0.0.1, length 28\n"
      "0.002000 in  ARP, Request who-has 10.0.0.2 tell 10.0.0.1, length 28 [checksum verified]\n");
  recorder.flush();
  CHECK(recorder.frames_written() == 3);
  std::filesystem::remove(path);
}

TEST_CASE("tracer prints one tcpdump-style line per frame, in and out") {
  pair_link link;
  std::ostringstream out;
  tracer trace{link.a(), out};
  CHECK(trace.transmit(arp_request, instant{1ms}));
  CHECK(link.b().transmit(arp_request, instant{}));
  std::array<std::uint8_t, 64> buf{};
  CHECK(trace.receive(buf, instant{2ms}) == arp_request.size());
  CHECK(out.str() ==
        "0.001000 out ARP, Request who-has 10.0.0.2 tell 10.0.0.1, length 28\n"
        "0.002000 in  ARP, Request who-has 10.0.0.2 tell 10.0.0.1, length 28\n");
}
