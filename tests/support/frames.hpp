#pragma once
// Making and comparing frames in tests. The builders write through the wire reprs, whose own tests
// compare their output with frames the kernel sent, so a layer test may build what it expects with
// them. CHECK_FRAME compares byte for byte and, on a mismatch, prints both frames in tcpdump
// notation (describe_frame) with the first row of bytes that differs. Everything here returns
// owning byte vectors; nothing keeps a span it was given.
#include <cstdint>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "stack/base/bytes.hpp"
#include "stack/stack.hpp"
#include "stack/wire/arp.hpp"
#include "stack/wire/ethernet.hpp"
#include "stack/wire/icmp.hpp"
#include "stack/wire/ipv4.hpp"

namespace tapstack::test {

using byte_vector = std::vector<std::uint8_t>;

// An Ethernet header in front of payload.
byte_vector emit_frame(const ethernet_repr& eth, const_byte_span payload);
byte_vector emit_arp(const arp_repr& arp);
// A 20-byte header in front of payload; ip.payload_len is taken from payload.
byte_vector emit_ipv4(ipv4_repr ip, const_byte_span payload);
byte_vector emit_icmp(const icmp_repr& message);

// For an Ethernet frame carrying IPv4: the header checksum recomputed after a test edited the
// header, so that the edit is the only thing wrong with it.
void refresh_ipv4_checksum(byte_vector& frame);
// The same for the ICMP message that follows the IPv4 header.
void refresh_icmp_checksum(byte_vector& frame);
std::uint16_t ipv4_ident(const_byte_span frame);
// A copy with another IPv4 identification and the header checksum that goes with it.
byte_vector with_ipv4_ident(byte_vector frame, std::uint16_t ident);

// Every frame the host has queued for the device, oldest first, each checksum it left partial
// completed as a device would; their buffers go back to its pool.
std::vector<byte_vector> drain(stack& host);
// One describe_frame line per frame, for INFO() beside a count of frames.
std::string describe_all(const std::vector<byte_vector>& frames);
// The payload of each TCP segment among frames that carries data from port from, in order.
std::vector<byte_vector> tcp_payloads(const std::vector<byte_vector>& frames, std::uint16_t from);

// A host in the place of the capture's host b, started at t0, its announcement already taken off
// the queue: where a layer test begins (TEST_CASE_FIXTURE).
struct host_fixture {
  host_fixture() : host_fixture(stack_config{}) {}
  explicit host_fixture(const stack_config& config);

  // Hands one frame to the host at now; returns the frames it sent.
  std::vector<byte_vector> receive(const_byte_span frame, instant now);
  // Runs the host's timers at now; returns the frames it sent.
  std::vector<byte_vector> poll(instant now);
  // The peer's ARP request for us (golden arp-request) at now: afterwards the host knows its MAC.
  void learn_peer(instant now);

  const instant t0{};
  stack host;
};

// Empty when the frames are equal; otherwise what a reader needs to see the difference.
std::string frame_difference(const_byte_span actual, const_byte_span expected);

}  // namespace tapstack::test

#define CHECK_FRAME(actual, expected)                                            \
  do {                                                                           \
    const std::string tapstack_frame_difference =                                \
        ::tapstack::test::frame_difference((actual), (expected));                \
    CHECK_MESSAGE(tapstack_frame_difference.empty(), tapstack_frame_difference); \
  } while (false)
