// Fuzzes the whole receive path: one host (stack/stack.hpp) fed the input as a run of frames in
// virtual time, driven as a runner drives it (receive, poll when a deadline is due, drain the
// transmit queue). Besides "nothing crashes, leaks or reads out of bounds", it checks what the
// rest of the project relies on: every frame the host sends parses cleanly, comes from the host's
// own addresses, goes to an address a host may send to and fits the MTU; and after poll(now) no
// deadline is left at or before now (the runner would spin on it). A TCP echo application on port
// 80 answers what arrives, so segments reach every state of a connection.
//
// Input layout, so that seeds can be written by hand (make_corpus.py writes them):
//   byte 0    the host: bits 0-1 the MTU (1500, 576, 68, 9000); bits 2-3 the prefix length of
//             10.0.0.2 (24, 16, 31, 32); bit 4 no gateway (there is none anyway when 10.0.0.1 is
//             off-link); bit 5 small ARP tables, so that they fill, evict and expire quickly;
//             bit 6 a device with checksum offload, as a tap with --offload on: every frame comes
//             with its transport checksum marked verified (frame_meta), so mutated TCP and UDP
//             get past their checksums unfixed, and the host leaves its TCP checksums partial,
//             which the harness completes as the device would before it checks what was sent;
//             bit 7 frames in batches, as the runner hands them over (stack::receive_batch): a
//             frame record that moves no time on joins the batch of the frames before it, and any
//             other record hands that batch over first
//   records   [control][length, 2 bytes big-endian][that many bytes, fewer at the end of input]
//   control   bits 0-4: virtual time first moves on by this many quarter seconds;
//             bit 5: the IPv4 header, ICMP and TCP checksums are recomputed first, so that mutated
//                    packets get past the checksum checks to the code behind them;
//             bit 6: the runner's choice is flipped: it polls though nothing is due, or receives
//                    before polling what is due (a runner woken early, or late);
//             bit 7: the bytes are an echo request for the host to send, not a frame it receives:
//                    destination address (4 bytes), identifier (2), sequence (2), data
#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "stack/stack.hpp"
#include "stack/wire/checksum.hpp"
#include "stack/wire/ethernet.hpp"
#include "stack/wire/icmp.hpp"
#include "stack/wire/ipv4.hpp"
#include "stack/wire/tcp.hpp"
#include "tests/fuzz/fuzz_check.hpp"
#include "tests/fuzz/fuzz_host.hpp"

using namespace tapstack;
using namespace std::chrono_literals;

namespace {

constexpr duration time_unit = 250ms;
constexpr std::uint8_t control_steps = 0x1f;
constexpr std::uint8_t control_fix_checksums = 0x20;
constexpr std::uint8_t control_flip_poll = 0x40;
constexpr std::uint8_t control_send_echo = 0x80;

stack_config host_config(std::uint8_t selector) {
  constexpr std::array<std::size_t, 4> mtus{1500, 576, min_mtu, 9000};
  constexpr std::array<unsigned, 4> prefixes{24, 16, 31, 32};
  stack_config c;
  c.mtu = mtus[selector & 0x03];
  c.address.prefix_len = prefixes[(selector >> 2) & 0x03];
  const ipv4_address gateway{0x0a000001};
  c.gateway = (selector & 0x10) == 0 && c.address.contains(gateway)
                  ? std::optional<ipv4_address>{gateway}
                  : std::nullopt;
  c.offloads.checksum = (selector & 0x40) != 0;
  if (selector & 0x20)
    c.arp = {.lifetime = 2s,
             .retry_interval = time_unit,
             .max_requests = 2,
             .max_pending = 1,
             .max_entries = 2};
  return c;
}

void drain(stack& host) {
  while (auto f = host.pop_transmit()) {
    TAPSTACK_FUZZ_CHECK(f->meta.segment_size == 0);
    if (f->meta.checksum == frame_meta::checksum_state::partial) {
      TAPSTACK_FUZZ_CHECK(host.config().offloads.checksum);
      TAPSTACK_FUZZ_CHECK(f->meta.checksum_start + f->meta.checksum_offset + 2u <= f->size());
      complete_partial_checksum(f->bytes(), f->meta.checksum_start, f->meta.checksum_offset);
    }
    fuzz::check_sent(host.config(), f->bytes());
    host.recycle(std::move(*f));
  }
}

// Where the lengths allow, so that a frame too mangled to hold an IPv4 header goes in as it is.
void fix_checksums(byte_span frame) {
  if (frame.size() < ethernet::header_len ||
      load_be16(&frame[ethernet::field::ethertype]) != static_cast<std::uint16_t>(ethertype::ipv4))
    return;
  const byte_span packet = frame.subspan(ethernet::header_len);
  const auto ip = ipv4_view::check(packet);
  if (!ip) return;
  const byte_span header = packet.first(ip->header_len());
  store_be16(&header[ipv4::field::checksum], 0);
  store_be16(&header[ipv4::field::checksum], internet_checksum(header));
  const byte_span message = packet.subspan(ip->header_len(), ip->payload().size());
  if (ip->protocol() == static_cast<std::uint8_t>(ip_protocol::icmp) &&
      message.size() >= icmp::header_len) {
    store_be16(&message[icmp::field::checksum], 0);
    store_be16(&message[icmp::field::checksum], internet_checksum(message));
  } else if (ip->protocol() == static_cast<std::uint8_t>(ip_protocol::tcp) &&
             message.size() >= tcp::min_header_len) {
    store_be16(&message[tcp::field::checksum], 0);
    store_be16(&message[tcp::field::checksum],
               transport_checksum(ip_protocol::tcp, ip->src(), ip->dst(), message));
  }
}

// The application side: a TCP echo on port 80 that accepts what completes, reads what is there,
// sends it back and closes when the peer has, so the input can drive every state of a connection.
struct tcp_echo_app {
  explicit tcp_echo_app(stack& host) : tcp{host.tcp()} {
    listener = tcp.open();
    TAPSTACK_FUZZ_CHECK(!tcp.bind(listener, {ipv4_address::any(), 80}));
    TAPSTACK_FUZZ_CHECK(!tcp.listen(listener, 4));
  }
  void run(instant now) {
    tcp_socket_id accepted = 0;
    while (!tcp.accept(listener, accepted)) sockets.push_back(accepted);
    std::array<std::uint8_t, 2048> buf;
    for (auto it = sockets.begin(); it != sockets.end();) {
      std::size_t n = 0;
      const auto ec = tcp.receive(*it, buf, n, now);
      if (!ec && n > 0) {
        std::size_t queued = 0;
        tcp.send(*it, const_byte_span{buf}.first(n), queued, now);
        ++it;
      } else if (ec == std::errc::operation_would_block) {
        ++it;
      } else {
        tcp.close(*it, now);  // the end of the stream, or an error: done with it
        it = sockets.erase(it);
      }
    }
  }
  tcp_layer& tcp;
  tcp_socket_id listener = 0;
  std::vector<tcp_socket_id> sockets;
};

void send_echo(stack& host, const_byte_span order, instant now) {
  if (order.size() < 8) return;
  const ipv4_address dst{load_be32(&order[0])};
  const const_byte_span data = order.subspan(8);
  const bool sent =
      host.icmp().send_echo_request(dst, load_be16(&order[4]), load_be16(&order[6]), data, now);
  // Refusing a forbidden destination here is as good as never sending to it (checked on the wire).
  // Past the MTU the request goes out in fragments; past 64 KB it cannot be sent at all.
  const bool fits = icmp::header_len + data.size() <= 65535 - ipv4::min_header_len;
  if (!fits) TAPSTACK_FUZZ_CHECK(!sent);
  if (fits && fuzz::may_send_to(host.config(), dst)) TAPSTACK_FUZZ_CHECK(sent);
}

// Frames that came together, kept until they are handed over as one batch.
struct batch {
  std::vector<std::vector<std::uint8_t>> frames;

  // Hands the frames over (copies freed right after, as single frames are) and empties the batch.
  void hand_over(stack& host, const frame_meta& meta, instant now) {
    std::vector<received_frame> places;
    for (auto& f : frames) places.push_back({f, f.size(), meta});
    host.receive_batch(places, now);
    frames.clear();
  }
};

// What follows each frame or batch: the application's turn, then what the host sends.
void settle(stack& host, tcp_echo_app& app, instant now) {
  app.run(now);
  drain(host);
  TAPSTACK_FUZZ_CHECK(host.icmp().replies().size() <= icmp_layer::max_replies);
}

// The records, played against the host as a runner would drive it.
void run(stack& host, fuzz::input_reader& in, bool batches) {
  instant now{};
  drain(host);
  tcp_echo_app app{host};
  const frame_meta meta{.checksum = host.config().offloads.checksum
                                        ? frame_meta::checksum_state::verified
                                        : frame_meta::checksum_state::complete};
  batch pending;
  while (!in.empty()) {
    const std::uint8_t control = in.byte();
    const const_byte_span bytes = in.take(in.be16());
    const bool is_frame = (control & control_send_echo) == 0;
    // A copy, freed right after the host took it in, so ASan reports any pointer the host keeps.
    std::vector<std::uint8_t> frame;
    if (is_frame) {
      frame.assign(bytes.begin(), bytes.end());
      if (control & control_fix_checksums) fix_checksums(frame);
    }
    if (batches && is_frame && (control & control_steps) == 0 && !pending.frames.empty()) {
      pending.frames.push_back(std::move(frame));
      continue;
    }
    if (!pending.frames.empty()) {
      pending.hand_over(host, meta, now);
      settle(host, app, now);
    }
    now += (control & control_steps) * time_unit;
    const auto deadline = host.next_deadline();
    const bool due = deadline && *deadline <= now;
    if (due != ((control & control_flip_poll) != 0)) {
      host.poll(now);
      const auto next = host.next_deadline();
      TAPSTACK_FUZZ_CHECK(!next || *next > now);
    }
    if (!is_frame) {
      send_echo(host, bytes, now);
    } else if (batches) {
      pending.frames.push_back(std::move(frame));
      continue;
    } else {
      host.receive(frame, meta, now);
    }
    settle(host, app, now);
  }
  if (!pending.frames.empty()) {
    pending.hand_over(host, meta, now);
    settle(host, app, now);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const bool batches = size > 0 && (data[0] & 0x80) != 0;
  fuzz::drive_host({data, size}, host_config,
                   [batches](stack& host, fuzz::input_reader& in) { run(host, in, batches); });
  return 0;
}
