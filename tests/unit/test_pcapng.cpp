// The pcapng captures the recorder writes where faults are in play, read back block by block: the
// structure a reader needs (lengths before and after each block, the byte-order magic, one
// Ethernet interface with nanosecond timestamps), each frame's direction, and a comment on exactly
// the frames the fault injector below the recorder dropped, delayed, reordered, duplicated or
// corrupted: inbound frames it dropped appear all the same, a corruption's comment names the bytes
// that differ, and a run without faults writes no comment. The same frames and seed give the same
// file.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "drivers/fault_injector.hpp"
#include "drivers/pair_link.hpp"
#include "drivers/pcap_recorder.hpp"
#include "drivers/pcapng_fault_annotator.hpp"
#include "tests/support/frames.hpp"

namespace tapstack::test {
namespace {

using namespace std::chrono_literals;

// 2023-11-14 22:13:20 UTC: timestamps are this plus the instant.
const std::chrono::system_clock::time_point epoch{1'700'000'000s};
constexpr std::uint64_t epoch_ns = 1'700'000'000'000'000'000;

constexpr std::uint32_t inbound = 1;
constexpr std::uint32_t outbound = 2;

// A UDP datagram's frame whose IPv4 identification numbers it.
byte_vector numbered(std::uint16_t number) {
  const byte_vector payload(120, 0x5a);
  return emit_frame(
      {.src = mac_address{{0x02, 0, 0, 0, 0, 1}}, .dst = mac_address{{0x02, 0, 0, 0, 0, 2}}},
      emit_ipv4({.src = ipv4_address{0x0a000001},
                 .dst = ipv4_address{0x0a000002},
                 .protocol = ip_protocol::udp,
                 .ident = number},
                payload));
}

// --- A pcapng reader, as small as these tests need: it checks the structure as it goes. ---

template <class T>
T load(const std::uint8_t* p) {
  T value;
  std::memcpy(&value, p, sizeof value);  // the writer's byte order, which the magic confirms
  return value;
}

struct option {
  std::uint16_t code;
  std::vector<std::uint8_t> value;
  std::string text() const { return {value.begin(), value.end()}; }
};

struct packet {
  std::uint64_t timestamp = 0;
  std::uint32_t original_len = 0;
  byte_vector bytes;
  std::optional<std::uint32_t> flags;
  std::vector<std::string> comments;

  std::string comment() const { return comments.empty() ? "" : comments.front(); }
};

struct capture {
  std::vector<option> section_options;
  std::uint16_t linktype = 0;
  std::optional<std::uint8_t> tsresol;
  std::vector<packet> packets;

  std::vector<packet> with_flags(std::uint32_t direction) const {
    std::vector<packet> out;
    for (const packet& p : packets)
      if (p.flags == direction) out.push_back(p);
    return out;
  }
};

// Options from at to end: each a code, a length and a value padded to 32 bits, ended by
// opt_endofopt exactly at the end of the block's body.
std::vector<option> read_options(const std::uint8_t* at, const std::uint8_t* end) {
  std::vector<option> out;
  for (;;) {
    REQUIRE(end - at >= 4);
    const auto code = load<std::uint16_t>(at);
    const auto len = load<std::uint16_t>(at + 2);
    at += 4;
    if (code == 0) {
      CHECK(len == 0);
      CHECK(at == end);
      return out;
    }
    const std::size_t padded = (len + 3u) / 4 * 4;
    REQUIRE(static_cast<std::size_t>(end - at) >= padded);
    out.push_back({code, {at, at + len}});
    CHECK(std::all_of(at + len, at + padded, [](std::uint8_t b) { return b == 0; }));
    at += padded;
  }
}

capture read_pcapng(const byte_vector& file) {
  capture c;
  std::size_t at = 0;
  bool interface = false;
  while (at < file.size()) {
    REQUIRE(file.size() - at >= 12);
    const std::uint8_t* block = &file[at];
    const auto type = load<std::uint32_t>(block);
    const auto total = load<std::uint32_t>(block + 4);
    REQUIRE(total % 4 == 0);
    REQUIRE(total >= 12);
    REQUIRE(total <= file.size() - at);
    REQUIRE(load<std::uint32_t>(block + total - 4) == total);
    const std::uint8_t* body = block + 8;
    const std::uint8_t* body_end = block + total - 4;
    if (at == 0) {
      REQUIRE(type == 0x0a0d0d0a);  // a section header comes first
      REQUIRE(total >= 28);
      REQUIRE(load<std::uint32_t>(body) == 0x1a2b3c4d);
      CHECK(load<std::uint16_t>(body + 4) == 1);
      CHECK(load<std::uint16_t>(body + 6) == 0);
      c.section_options = read_options(body + 16, body_end);
    } else if (type == 1) {
      REQUIRE_FALSE(interface);
      interface = true;
      c.linktype = load<std::uint16_t>(body);
      for (const option& o : read_options(body + 8, body_end))
        if (o.code == 9 && o.value.size() == 1) c.tsresol = o.value[0];
    } else if (type == 6) {
      REQUIRE(interface);  // a packet names an interface described before it
      CHECK(load<std::uint32_t>(body) == 0);
      packet p;
      p.timestamp =
          std::uint64_t{load<std::uint32_t>(body + 4)} << 32 | load<std::uint32_t>(body + 8);
      const auto captured = load<std::uint32_t>(body + 12);
      p.original_len = load<std::uint32_t>(body + 16);
      const std::uint8_t* data = body + 20;
      const std::size_t padded = (captured + 3u) / 4 * 4;
      REQUIRE(static_cast<std::size_t>(body_end - data) >= padded);
      p.bytes.assign(data, data + captured);
      // A block with no options may end right after the data.
      if (data + padded != body_end)
        for (const option& o : read_options(data + padded, body_end)) {
          if (o.code == 2 && o.value.size() == 4) p.flags = load<std::uint32_t>(o.value.data());
          if (o.code == 1) p.comments.push_back(o.text());
        }
      c.packets.push_back(std::move(p));
    } else {
      FAIL("unexpected block type " << type);
    }
    at += total;
  }
  REQUIRE(interface);
  return c;
}

byte_vector read_file(const std::filesystem::path& path) {
  std::ifstream in{path, std::ios::binary};
  return {std::istreambuf_iterator<char>{in}, {}};
}

// The byte offsets listed after "byte " or "bytes " in a corruption's comment.
std::vector<std::size_t> offsets_in(const std::string& comment) {
  std::vector<std::size_t> out;
  auto at = comment.find("flipped in byte");
  if (at == std::string::npos) return out;
  at = comment.find(' ', at + 11) + 1;
  for (;;) {
    std::size_t used = 0;
    out.push_back(std::stoul(comment.substr(at), &used));
    at += used;
    if (comment.compare(at, 2, ", ") != 0) return out;
    at += 2;
  }
}

std::vector<std::size_t> differing(const byte_vector& a, const byte_vector& b) {
  REQUIRE(a.size() == b.size());
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i] != b[i]) out.push_back(i);
  return out;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// A host's view of the chain a program builds with faults and --pcap: recorder over injector over
// the wire (one end of a pair link; the test plays the far end). Driven as a driver would: woken
// at every deadline the chain gives, every frame ready taken.
struct bench {
  bench(const std::string& name, const fault_config& in, const fault_config& out,
        const link_config& wire = {}, std::uint64_t seed = 1)
      : path{std::filesystem::temp_directory_path() / ("tapstack-test-" + name + ".pcapng")},
        link{wire},
        faults{link.a(), in, out, seed},
        annotator{faults},
        recorder{faults, path.string(), epoch, &annotator} {}
  ~bench() { std::filesystem::remove(path); }

  void run_until(instant until) {
    for (int wakeups = 0;; ++wakeups) {
      REQUIRE(wakeups < 100'000);
      const auto due = recorder.next_deadline();
      if (!due || *due > until) return;
      drain(*due);
    }
  }
  void drain(instant now) {
    while (const std::size_t n = recorder.receive(buffer, now))
      delivered.emplace_back(buffer.begin(), buffer.begin() + static_cast<long>(n));
  }
  // The far end sends a frame towards the host at t.
  void offer(const byte_vector& frame, instant t) {
    run_until(t);
    REQUIRE(link.b().transmit(frame, t));
    drain(t);
  }
  // The host transmits at t.
  void send(const byte_vector& frame, instant t) {
    run_until(t);
    CHECK(recorder.transmit(frame, t));
  }
  // What reached the far end.
  std::vector<byte_vector> wire_received(instant now) {
    std::vector<byte_vector> out;
    while (const std::size_t n = link.b().receive(buffer, now))
      out.emplace_back(buffer.begin(), buffer.begin() + static_cast<long>(n));
    return out;
  }
  capture read() {
    recorder.flush();
    return read_pcapng(read_file(path));
  }

  std::filesystem::path path;
  pair_link link;
  fault_injector faults;
  pcapng_fault_annotator annotator;
  pcap_recorder recorder;
  byte_vector buffer = byte_vector(2048);
  std::vector<byte_vector> delivered;
};

}  // namespace

TEST_CASE("a .pcapng path gives pcapng: one section, one Ethernet interface in ns, directions") {
  const auto path = std::filesystem::temp_directory_path() / "tapstack-test-plain.pcapng";
  pair_link link;
  {
    pcap_recorder rec{link.a(), path.string(), epoch};
    CHECK(rec.pcapng());
    CHECK(rec.transmit(numbered(1), instant{1500ms + 7ns}));
    REQUIRE(link.b().transmit(numbered(2), instant{2s}));
    byte_vector buf(2048);
    CHECK(rec.receive(buf, instant{2s + 250us}) == numbered(2).size());
  }
  const capture c = read_pcapng(read_file(path));
  std::filesystem::remove(path);

  // shb_userappl names the program; nothing names the machine (shb_hardware 2, shb_os 3).
  REQUIRE(c.section_options.size() == 1);
  CHECK(c.section_options[0].code == 4);
  CHECK(c.section_options[0].text() == "tapstack");
  CHECK(c.linktype == 1);
  CHECK(c.tsresol == 9);
  REQUIRE(c.packets.size() == 2);
  CHECK(c.packets[0].flags == outbound);
  CHECK(c.packets[0].timestamp == epoch_ns + 1'500'000'007);
  CHECK(c.packets[0].bytes == numbered(1));
  CHECK(c.packets[0].original_len == numbered(1).size());
  CHECK(c.packets[1].flags == inbound);
  CHECK(c.packets[1].timestamp == epoch_ns + 2'000'250'000);
  CHECK(c.packets[1].bytes == numbered(2));
  for (const packet& p : c.packets) CHECK(p.comments.empty());
}

TEST_CASE("a recorder told of faults writes pcapng, and no comment when no fault struck") {
  bench b{"clean", {}, {}};
  CHECK(b.recorder.pcapng());
  for (std::uint16_t i = 1; i <= 5; ++i) {
    b.send(numbered(i), instant{i * 1ms});
    b.offer(numbered(100 + i), instant{i * 1ms});
  }
  const capture c = b.read();
  REQUIRE(c.packets.size() == 10);
  CHECK(c.with_flags(outbound).size() == 5);
  CHECK(c.with_flags(inbound).size() == 5);
  for (const packet& p : c.packets) CHECK(p.comments.empty());
}

TEST_CASE("inbound frames the injector drops are in the capture, inbound, with the reason") {
  bench b{"in-loss", {.loss = 1}, {}};
  b.offer(numbered(1), instant{1ms});
  b.offer(numbered(2), instant{2ms});
  CHECK(b.delivered.empty());
  const capture c = b.read();
  REQUIRE(c.packets.size() == 2);
  for (std::uint16_t i = 0; i < 2; ++i) {
    const packet& p = c.packets[i];
    CHECK(p.flags == inbound);
    CHECK(p.bytes == numbered(i + 1));
    CHECK(p.timestamp == epoch_ns + (i + 1) * 1'000'000u);
    CHECK(p.comment() ==
          "tapstack fault injector, in: dropped (uniform loss); the host never received this "
          "frame");
  }
}

TEST_CASE("an inbound frame a rule drops is recorded between its neighbours, which have none") {
  bench b{"in-rule", {.drop_frames = {2}}, {}};
  for (std::uint16_t i = 1; i <= 3; ++i) b.offer(numbered(i), instant{i * 1ms});
  REQUIRE(b.delivered.size() == 2);
  const capture c = b.read();
  REQUIRE(c.packets.size() == 3);
  for (std::uint16_t i = 0; i < 3; ++i) {
    CHECK(c.packets[i].flags == inbound);
    CHECK(ipv4_ident(c.packets[i].bytes) == i + 1);
  }
  CHECK(c.packets[0].comments.empty());
  CHECK(contains(c.packets[1].comment(), "dropped (a targeted drop rule)"));
  CHECK(c.packets[2].comments.empty());
}

TEST_CASE("an outgoing frame a rule drops carries the comment, and the wire never sees it") {
  bench b{"out-rule", {}, {.drop_frames = {2}}};
  for (std::uint16_t i = 1; i <= 3; ++i) b.send(numbered(i), instant{i * 1ms});
  const auto wire = b.wire_received(instant{3ms});
  REQUIRE(wire.size() == 2);
  CHECK(ipv4_ident(wire[0]) == 1);
  CHECK(ipv4_ident(wire[1]) == 3);
  const capture c = b.read();
  REQUIRE(c.packets.size() == 3);
  for (const packet& p : c.packets) CHECK(p.flags == outbound);
  CHECK(c.packets[0].comments.empty());
  CHECK(c.packets[1].comment() ==
        "tapstack fault injector, out: dropped (a targeted drop rule); this frame never reached "
        "the wire");
  CHECK(c.packets[2].comments.empty());
}

TEST_CASE("a corrupted frame's comment lists exactly the bytes that differ") {
  SUBCASE("inbound: the capture holds the corrupted frame, the comment what changed") {
    bench b{"in-corrupt", {.corrupt = 0.5, .corrupt_bits = 5}, {}, {}, 21};
    for (std::uint16_t i = 1; i <= 40; ++i) b.offer(numbered(i), instant{i * 1ms});
    const capture c = b.read();
    REQUIRE(c.packets.size() == 40);
    std::size_t corrupted = 0;
    for (std::size_t i = 0; i < 40; ++i) {
      // In the order offered: corruption neither delays nor reorders.
      const packet& p = c.packets[i];
      const auto changed = differing(p.bytes, numbered(static_cast<std::uint16_t>(i + 1)));
      if (changed.empty()) {
        CHECK(p.comments.empty());
        continue;
      }
      ++corrupted;
      CHECK(contains(p.comment(), "corrupted: bits flipped in byte"));
      CHECK_MESSAGE(offsets_in(p.comment()) == changed, p.comment());
    }
    CHECK(corrupted == b.faults.count(direction::in, fault_kind::corrupted));
    CHECK(corrupted > 10);
  }
  SUBCASE("outgoing: the capture holds what the host sent, the comment what the wire got") {
    bench b{"out-corrupt", {}, {.corrupt = 0.5, .corrupt_bits = 5}, {}, 22};
    for (std::uint16_t i = 1; i <= 40; ++i) b.send(numbered(i), instant{i * 1ms});
    const auto wire = b.wire_received(instant{40ms});
    const capture c = b.read();
    REQUIRE(c.packets.size() == 40);
    REQUIRE(wire.size() == 40);
    std::size_t corrupted = 0;
    for (std::size_t i = 0; i < 40; ++i) {
      const packet& p = c.packets[i];
      CHECK(p.bytes == numbered(static_cast<std::uint16_t>(i + 1)));
      const auto changed = differing(p.bytes, wire[i]);
      if (changed.empty()) {
        CHECK(p.comments.empty());
        continue;
      }
      ++corrupted;
      CHECK(contains(p.comment(), "corrupted after capture"));
      CHECK_MESSAGE(offsets_in(p.comment()) == changed, p.comment());
    }
    CHECK(corrupted > 10);
  }
}

TEST_CASE("a delayed inbound frame's comment lands on that frame, not on its neighbours") {
  // Frames 1 ms apart; one held back 5 ms is overtaken by the next frames and recorded after them.
  bench b{"in-reorder", {.reorder = 0.2, .reorder_delay = 5ms}, {}, {}, 7};
  for (std::uint16_t i = 1; i <= 60; ++i) b.offer(numbered(i), instant{i * 1ms});
  b.run_until(instant{1s});
  const capture c = b.read();
  REQUIRE(c.packets.size() == 60);
  REQUIRE(b.delivered.size() == 60);
  std::size_t commented = 0;
  std::uint16_t highest = 0;
  for (std::size_t i = 0; i < c.packets.size(); ++i) {
    const packet& p = c.packets[i];
    // The capture shows what the host received, in its order.
    CHECK(p.bytes == b.delivered[i]);
    const std::uint16_t number = ipv4_ident(p.bytes);
    const bool overtaken = number < highest;
    highest = std::max(highest, number);
    // The last few have no later frames to overtake them.
    if (number <= 55) CHECK_MESSAGE(overtaken == !p.comments.empty(), "frame " << number);
    if (p.comments.empty()) continue;
    ++commented;
    CHECK(p.comment() ==
          "tapstack fault injector, in: reordered: held back 5ms so later frames overtake it");
    CHECK(p.timestamp == epoch_ns + (number * 1'000'000u) + 5'000'000u);
  }
  CHECK(commented == b.faults.count(direction::in, fault_kind::reordered));
  CHECK(commented > 5);
}

TEST_CASE("a duplicated inbound frame: the original says a copy follows, the copy what it is") {
  bench b{"in-duplicate", {.duplicate = 1}, {}};
  b.offer(numbered(1), instant{1ms});
  REQUIRE(b.delivered.size() == 2);
  const capture c = b.read();
  REQUIRE(c.packets.size() == 2);
  CHECK(c.packets[0].bytes == c.packets[1].bytes);
  CHECK(contains(c.packets[0].comment(), "duplicated: a copy follows"));
  CHECK(contains(c.packets[1].comment(), "duplicated: this is the copy of the frame before it"));
}

TEST_CASE("an outgoing frame held and then refused by a full device is recorded again, lost") {
  // A wire with room for one frame: the second of two delayed frames finds it full when due.
  bench b{"device-full", {}, {.latency = 1ms}, {.queue_limit = 1}};
  b.send(numbered(1), instant{});
  b.send(numbered(2), instant{});
  b.run_until(instant{1ms});
  CHECK(b.faults.count(direction::out, fault_kind::device_full) == 1);
  const capture c = b.read();
  REQUIRE(c.packets.size() == 3);
  for (const packet& p : c.packets) CHECK(p.flags == outbound);
  CHECK(c.packets[0].comment() == "tapstack fault injector, out: delayed 1ms");
  CHECK(c.packets[1].comment() == "tapstack fault injector, out: delayed 1ms");
  CHECK(ipv4_ident(c.packets[2].bytes) == 2);
  CHECK(c.packets[2].timestamp == epoch_ns + 1'000'000);
  CHECK(contains(c.packets[2].comment(), "dropped (device full when its delay ended)"));
}

TEST_CASE("the same frames and seed give the same capture, byte for byte") {
  const fault_config faults{.loss = 0.1, .duplicate = 0.1, .reorder = 0.1, .corrupt = 0.1};
  const auto run = [&](const std::string& name) {
    bench b{name, faults, faults, {}, 99};
    for (std::uint16_t i = 1; i <= 200; ++i) {
      b.send(numbered(i), instant{i * 1ms});
      b.offer(numbered(1000 + i), instant{i * 1ms});
    }
    b.run_until(instant{1s});
    b.recorder.flush();
    return read_file(b.path);
  };
  const byte_vector first = run("same-1");
  CHECK(first.size() > 200 * 100);
  CHECK(first == run("same-2"));
}

}  // namespace tapstack::test
