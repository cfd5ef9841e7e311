#pragma once
// What a host is told at construction: its addresses, its MTU, its seed and the tunables of each
// layer. Plain data with the project's defaults; the apps fill it from their flags.
#include <cstddef>
#include <cstdint>
#include <optional>

#include "stack/base/port_range.hpp"
#include "stack/base/time.hpp"
#include "stack/offloads.hpp"
#include "stack/tcp/congestion_algorithm.hpp"
#include "stack/wire/address.hpp"

namespace tapstack {

struct arp_config {
  // How long a learned address is trusted before it must be asked again.
  duration lifetime = std::chrono::seconds{60};
  duration retry_interval = std::chrono::seconds{1};
  // Requests sent for one address before its waiting packets are dropped (RFC 1122 2.3.2.1 asks
  // for a bound; Linux's default is 3).
  unsigned max_requests = 3;
  // Packets held per unresolved address (RFC 1122 asks for at least one); the oldest goes first.
  // Enough for a fragmented datagram of 64 KB at MTU 1500 (45 fragments): fewer would evict its
  // first fragments and lose it whole. Linux bounds the same queue by bytes (about 208 KiB).
  std::size_t max_pending = 64;
  std::size_t max_entries = 512;
};

struct icmp_config {
  // ICMP errors this host may send: a token bucket, as Linux's global limit (icmp_msgs_per_sec and
  // icmp_msgs_burst), so a flood to closed ports cannot be turned into a flood of errors.
  std::uint32_t errors_per_second = 1000;
  std::uint32_t error_burst = 50;
};

struct udp_config {
  // Per socket, whichever bound is reached first; the rest is dropped and counted (udp_queue_full).
  std::size_t max_queued_datagrams = 256;
  std::size_t max_queued_bytes = 256 * 1024;
  // Where ephemeral ports are drawn from at random (RFC 6056).
  port_range ephemeral_ports = dynamic_ports;
};

// Reassembly of incoming IPv4 fragments. The bounds cap what a peer sending fragments that never
// complete can make us hold: at most max_reassembly_bytes of buffers for one timeout.
struct ipv4_config {
  // Counted from a datagram's first fragment to arrive and not refreshed by later ones, so a
  // trickle of fragments cannot hold state forever. RFC 791 suggests 15 s, RFC 1122 3.3.2 60 to
  // 120 s; Linux's ipfrag_time is 30 s, and we match the peer we are tested against.
  duration reassembly_timeout = std::chrono::seconds{30};
  // Datagrams in reassembly at once. A host, not a router: 64 is far more than the few peers of a
  // tap have in flight, and small enough that sweeping them for expired ones on each fragment is
  // cheap.
  std::size_t max_reassemblies = 64;
  // Buffer bytes held by all of them: 16 datagrams of the largest size, or 64 of 16 KiB. A quarter
  // of Linux's default ipfrag_high_thresh (4 MiB), which serves every interface of a host.
  std::size_t max_reassembly_bytes = std::size_t{1} << 20;
};

struct tcp_config {
  // Per connection, what the application may queue and what the peer may send ahead of reads.
  std::size_t send_buffer = 256 * 1024;
  std::size_t receive_buffer = 256 * 1024;
  // RFC 6298's minimum RTO is 1 s; Linux uses 200 ms. Labs switch between them.
  duration min_rto = std::chrono::seconds{1};
  duration max_rto = std::chrono::seconds{60};
  // Retransmissions of one segment before the connection fails with timed_out (Linux's
  // tcp_retries2 is 15, about 15 minutes with backoff; RFC 1122 4.2.3.5 asks for at least 100 s).
  unsigned max_retransmits = 15;
  // SYN retransmissions before connect fails (Linux's tcp_syn_retries is 6: about 2 minutes).
  unsigned max_syn_retransmits = 6;
  // TIME-WAIT lasts 2 MSL (RFC 9293 3.4.2); Linux holds it 60 s, which is what we do.
  duration time_wait = std::chrono::seconds{60};
  // Keep-alive (RFC 1122 4.2.3.6): off unless asked for (here for every socket, or per socket as
  // SO_KEEPALIVE); then a probe after this much idleness, every interval after, and the
  // connection fails after count unanswered probes.
  bool keepalive = false;
  duration keepalive_idle = std::chrono::hours{2};
  duration keepalive_interval = std::chrono::seconds{75};
  unsigned keepalive_probes = 9;
  // The smallest MSS a peer may make us use: its SYN's MSS option is raised to this (and lowered
  // to what our MTU allows), so that an MSS of 0 divides nothing and one of 1 cannot turn a short
  // write into a segment per byte. Linux's tcp_min_snd_mss is 48 too.
  std::uint16_t min_snd_mss = 48;
  // Replies a peer can provoke, limited per connection so that no budget is shared between
  // connections (a shared one is how CVE-2016-5696 let an off-path attacker learn sequence
  // numbers). Challenge ACKs (RFC 5961 7): about this many per second, the budget of each second
  // drawn at random between half and one and a half times it. ACKs answering a pure ACK that is
  // out of the window, fails PAWS or acknowledges what was never sent (RFC 9293 3.10.7.4): one
  // per interval, as Linux's tcp_invalid_ratelimit (500 ms); two ends answering each other's
  // stale ACKs would otherwise storm. Segments with data are always answered: their sender needs
  // our ACK to move on.
  std::uint32_t challenge_acks_per_second = 10;
  duration invalid_ack_interval = std::chrono::milliseconds{500};
  // Out-of-order ranges held per connection (each a hole a peer makes us track): at least this
  // many, and one per two full segments (2896 bytes) of the receive buffer, so that a window that
  // lost every other segment is held whole.
  std::size_t max_out_of_order_ranges = 32;
  // Connections the host holds at most, in every state from SYN-RECEIVED to TIME-WAIT: past it a
  // SYN (or a SYN cookie's ACK) is dropped and connect() fails with no_buffer_space. What bounds
  // the host's memory when peers open connections and never close them; at a couple of KiB per
  // idle connection, the default allows about 1 GiB.
  std::size_t max_connections = 500'000;
  // Where connect() and bind() or listen() without a port draw a port from, at random (RFC
  // 6056). TCP's own: its ports are a space apart from UDP's.
  port_range ephemeral_ports = dynamic_ports;

  // What each connection starts with; the socket options of the same names change one socket.
  // Nagle's algorithm (RFC 896, RFC 1122 4.2.3.4, in Minshall's variant as Linux's) is on unless
  // no_delay.
  bool no_delay = false;
  // Delayed ACK (RFC 1122 4.2.3.2, RFC 5681 4.2): an ACK for at least every second full-sized
  // segment, and within this time of the first unacknowledged one. Linux's is 40 ms, as ours;
  // RFC 1122 sets the bound at 500 ms.
  bool delayed_ack = true;
  duration delayed_ack_timeout = std::chrono::milliseconds{40};
  congestion_algorithm congestion = congestion_algorithm::newreno;
  // The initial window in segments: 0 for RFC 5681's (2 to 4 by MSS), 10 for RFC 6928's.
  unsigned initial_window_segments = 10;
  // The options offered on our SYNs; each is in force only when the peer's SYN carries it too.
  bool window_scaling = true;  // RFC 7323 2
  bool timestamps = true;      // RFC 7323 3
  bool sack = true;            // RFC 2018
};

struct stack_config {
  // Locally administered, so it can never clash with a vendor's address.
  mac_address mac{{0x02, 0x74, 0x73, 0x00, 0x00, 0x02}};
  ipv4_cidr address{ipv4_address{0x0a000002}, 24};
  std::optional<ipv4_address> gateway = ipv4_address{0x0a000001};
  // The largest IP packet sent, as on the tap's side of the link.
  std::size_t mtu = 1500;
  std::uint64_t seed = 1;
  arp_config arp;
  ipv4_config ipv4;
  icmp_config icmp;
  udp_config udp;
  tcp_config tcp;
  // What the device does for the host (device::offloads()): with checksum, TCP leaves its
  // checksums partial for the device to complete.
  device_offloads offloads;
};

// The range a stack accepts: 68 is IPv4's minimum (RFC 791); 65535 the largest IP packet.
inline constexpr std::size_t min_mtu = 68;
inline constexpr std::size_t max_mtu = 65535;

}  // namespace tapstack
