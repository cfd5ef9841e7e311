// Fuzzes IPv4 reassembly (stack/ip/reassembly.hpp) on its own, in virtual time. Fragments are
// described compactly rather than as packets, so that the fuzzer spends its effort on orders,
// overlaps, lengths, limits and timeouts instead of on checksums (fuzz-receive-path covers the way
// in through the IP layer). Every fragment's bytes are a function of its datagram and position, so
// a datagram that completes must hold exactly those bytes: a hole or a misplaced fragment shows.
// Besides "nothing crashes, leaks or reads out of bounds" (each fragment's bytes are freed right
// after add(), and a completed datagram is read only before the next call), it checks:
//   - the count and byte limits hold after every call;
//   - every fragment is accounted for: held, dropped, timed out or delivered in a datagram;
//   - a completed datagram fits 65535 bytes and its header describes the whole of it;
//   - after poll(now) no deadline is left at or before now.
//
// Input layout, so that seeds can be written by hand:
//   byte 0    the limits: bits 0-1 max_reassemblies (1, 2, 4, 64); bits 2-3 max_reassembly_bytes
//             (1 KiB, 16 KiB, 64 KiB, 1 MiB); the timeout is always 2 s
//   records   5 bytes each: control, offset (2 bytes big-endian), length (2 bytes big-endian)
//   control   bits 0-3: virtual time first moves on by this many quarter seconds;
//             bits 4-5: which of four datagrams (its identification);
//             bit 6: MF, more fragments follow;
//             bit 7: a 24-byte header (4 bytes of options) instead of 20
//   offset    bits 0-12: the fragment offset in 8-byte units; bit 15: poll before adding
//   length    payload bytes
#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "stack/ip/reassembly.hpp"
#include "stack/wire/checksum.hpp"
#include "tests/fuzz/fuzz_check.hpp"

using namespace tapstack;
using namespace std::chrono_literals;

namespace {

constexpr duration time_unit = 250ms;
constexpr std::size_t record_len = 5;

ipv4_config limits(std::uint8_t selector) {
  constexpr std::array<std::size_t, 4> counts{1, 2, 4, 64};
  constexpr std::array<std::size_t, 4> bytes{1024, 16 * 1024, 64 * 1024, 1024 * 1024};
  ipv4_config c;
  c.reassembly_timeout = 2s;
  c.max_reassemblies = counts[selector & 0x03];
  c.max_reassembly_bytes = bytes[(selector >> 2) & 0x03];
  return c;
}

// The bytes of each datagram, never zero, so that a hole (a buffer's zero fill) cannot pass for
// data. Made once: filling and checking byte by byte, instrumented, cost more than the
// reassembler and held the fuzzer to a few hundred inputs a second.
constexpr std::size_t idents = 4;
constexpr std::size_t largest = 65536 + 8 * ipv4::offset_mask;
const std::vector<std::uint8_t>& pattern(std::uint16_t ident) {
  static const auto patterns = [] {
    std::array<std::vector<std::uint8_t>, idents> all;
    for (std::size_t id = 0; id < idents; ++id) {
      all[id].resize(largest);
      for (std::size_t i = 0; i < largest; ++i)
        all[id][i] = static_cast<std::uint8_t>((i * 31 + (i >> 8) + id * 101) | 1);
    }
    return all;
  }();
  return patterns[ident];
}

void check_datagram(const reassembler::datagram& d, std::uint16_t ident) {
  const std::size_t header_len = d.header_bytes.size();
  TAPSTACK_FUZZ_CHECK(header_len == 20 || header_len == 24);
  TAPSTACK_FUZZ_CHECK(header_len + d.payload.size() <= 65535);
  TAPSTACK_FUZZ_CHECK(!d.payload.empty());
  TAPSTACK_FUZZ_CHECK(d.header.ident == ident && !d.header.is_fragment());
  TAPSTACK_FUZZ_CHECK(d.header.payload_len == d.payload.size());
  TAPSTACK_FUZZ_CHECK(load_be16(&d.header_bytes[ipv4::field::total_len]) ==
                      header_len + d.payload.size());
  TAPSTACK_FUZZ_CHECK((load_be16(&d.header_bytes[ipv4::field::flags_frag]) & ~ipv4::flag_df) == 0);
  TAPSTACK_FUZZ_CHECK(internet_checksum(d.header_bytes) == 0);
  TAPSTACK_FUZZ_CHECK(std::equal(d.payload.begin(), d.payload.end(), pattern(ident).begin()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const ipv4_config config = limits(data[0]);
  reassembler r{config};
  instant now{};
  for (std::size_t at = 1; at + record_len <= size; at += record_len) {
    const std::uint8_t control = data[at];
    const std::uint16_t offset_field = load_be16(&data[at + 1]);
    const std::size_t len = load_be16(&data[at + 3]);
    now += (control & 0x0f) * time_unit;

    if (offset_field & 0x8000) {
      const std::size_t before = r.fragments_held();
      TAPSTACK_FUZZ_CHECK(r.poll(now) <= before);
      const auto next = r.next_deadline();
      TAPSTACK_FUZZ_CHECK(!next || *next > now);
    }

    ipv4_repr ip;
    ip.src = ipv4_address{0x0a000001};
    ip.dst = ipv4_address{0x0a000002};
    ip.protocol = ip_protocol::udp;
    ip.ident = (control >> 4) & 0x03;
    ip.more_fragments = (control & 0x40) != 0;
    ip.frag_offset = (offset_field & ipv4::offset_mask) * 8u;
    ip.payload_len = len;
    if (!ip.is_fragment()) continue;  // not the reassembler's to see: the IP layer delivers it
    std::array<std::uint8_t, 24> header{};
    ip.emit(header);
    const std::size_t header_len = (control & 0x80) ? 24 : 20;
    if (header_len == 24) {
      header[ipv4::field::ver_ihl] = 0x46;
      header[20] = header[21] = header[22] = 1;  // no-operation options, then the end of the list
    }
    const std::size_t held_before = r.fragments_held();
    const auto o = [&] {
      // A copy freed right after the call, so ASan reports any pointer the reassembler keeps.
      const auto from = pattern(ip.ident).begin() + static_cast<std::ptrdiff_t>(ip.frag_offset);
      const std::vector<std::uint8_t> payload(from, from + static_cast<std::ptrdiff_t>(len));
      return r.add(ip, {header.data(), header_len}, payload, now);
    }();
    const std::size_t held_after = r.fragments_held();

    TAPSTACK_FUZZ_CHECK(r.size() <= config.max_reassemblies);
    TAPSTACK_FUZZ_CHECK(r.bytes_held() <= config.max_reassembly_bytes);
    TAPSTACK_FUZZ_CHECK(!(o.complete && o.dropped));
    TAPSTACK_FUZZ_CHECK(o.dropped ? o.fragments_dropped >= 1 : o.fragments_dropped == 0);
    TAPSTACK_FUZZ_CHECK(o.timed_out <= held_before);
    // What was held, and this fragment, is held still, or was dropped, timed out or delivered.
    const std::size_t accounted = held_after + o.timed_out + o.fragments_dropped;
    if (o.complete) {
      TAPSTACK_FUZZ_CHECK(accounted < held_before + 1);
      check_datagram(*o.complete, ip.ident);
    } else {
      TAPSTACK_FUZZ_CHECK(accounted == held_before + 1);
    }
    if (r.size() != 0) TAPSTACK_FUZZ_CHECK(r.next_deadline().has_value());
  }
  return 0;
}
