#include "tests/support/frames.hpp"

#include <algorithm>
#include <cstdio>

#include "stack/wire/checksum.hpp"
#include "stack/wire/describe.hpp"
#include "stack/wire/tcp.hpp"
#include "tests/support/golden.hpp"

namespace tapstack::test {
namespace {

constexpr std::size_t ip_at = ethernet::header_len;

std::size_t ipv4_header_len(const byte_vector& frame) {
  return (frame.at(ip_at + ipv4::field::ver_ihl) & 0x0f) * 4u;
}

// The 16-byte row around offset, as tcpdump -xx prints it: "0x0010:  0054 8e82 ...".
std::string hex_row(const_byte_span frame, std::size_t offset) {
  const std::size_t start = offset / 16 * 16;
  char head[24];
  std::snprintf(head, sizeof head, "0x%04zx: ", start);
  std::string row = head;
  for (std::size_t i = start; i < std::min(start + 16, frame.size()); ++i) {
    char byte[4];
    std::snprintf(byte, sizeof byte, "%s%02x", i % 2 == 0 ? " " : "", frame[i]);
    row += byte;
  }
  return row;
}

}  // namespace

byte_vector emit_frame(const ethernet_repr& eth, const_byte_span payload) {
  byte_vector out(ethernet_repr::header_len() + payload.size());
  eth.emit(out);
  std::copy(payload.begin(), payload.end(), out.begin() + ethernet_repr::header_len());
  return out;
}

byte_vector emit_arp(const arp_repr& arp) {
  byte_vector out(arp_repr::packet_len());
  arp.emit(out);
  return out;
}

byte_vector emit_ipv4(ipv4_repr ip, const_byte_span payload) {
  ip.payload_len = payload.size();
  byte_vector out(ip.total_len());
  ip.emit(out);
  std::copy(payload.begin(), payload.end(), out.begin() + ipv4_repr::header_len());
  return out;
}

byte_vector emit_icmp(const icmp_repr& message) {
  byte_vector out(message.buffer_len());
  message.emit(out);
  return out;
}

void refresh_ipv4_checksum(byte_vector& frame) {
  const byte_span header{frame.data() + ip_at, ipv4_header_len(frame)};
  store_be16(&header[ipv4::field::checksum], 0);
  store_be16(&header[ipv4::field::checksum], internet_checksum(header));
}

void refresh_icmp_checksum(byte_vector& frame) {
  const std::size_t at = ip_at + ipv4_header_len(frame);
  const std::size_t total = load_be16(&frame.at(ip_at + ipv4::field::total_len));
  const byte_span message{frame.data() + at, ip_at + total - at};
  store_be16(&message[icmp::field::checksum], 0);
  store_be16(&message[icmp::field::checksum], internet_checksum(message));
}

std::uint16_t ipv4_ident(const_byte_span frame) {
  return load_be16(&frame[ip_at + ipv4::field::ident]);
}

byte_vector with_ipv4_ident(byte_vector frame, std::uint16_t ident) {
  store_be16(&frame.at(ip_at + ipv4::field::ident), ident);
  refresh_ipv4_checksum(frame);
  return frame;
}

std::vector<byte_vector> drain(stack& host) {
  std::vector<byte_vector> out;
  while (auto f = host.pop_transmit()) {
    if (f->meta.checksum == frame_meta::checksum_state::partial)
      complete_partial_checksum(f->bytes(), f->meta.checksum_start, f->meta.checksum_offset);
    out.emplace_back(f->bytes().begin(), f->bytes().end());
    host.recycle(std::move(*f));
  }
  return out;
}

std::string describe_all(const std::vector<byte_vector>& frames) {
  std::string text = std::to_string(frames.size()) + " frame(s) sent";
  for (const auto& f : frames) text += "\n  " + describe_frame(f, true);
  return text;
}

std::vector<byte_vector> tcp_payloads(const std::vector<byte_vector>& frames, std::uint16_t from) {
  std::vector<byte_vector> out;
  for (const auto& frame : frames) {
    const auto eth = ethernet_view::check(frame);
    if (!eth) continue;
    const auto ip = ipv4_view::check(eth->payload());
    if (!ip || ip->protocol() != static_cast<std::uint8_t>(ip_protocol::tcp)) continue;
    const auto tcp = tcp_view::check(ip->payload());
    if (tcp && tcp->src_port() == from && !tcp->payload().empty())
      out.emplace_back(tcp->payload().begin(), tcp->payload().end());
  }
  return out;
}

host_fixture::host_fixture(const stack_config& config) : host{config} {
  host.start(t0);
  drain(host);
}

std::vector<byte_vector> host_fixture::receive(const_byte_span frame, instant now) {
  host.receive(frame, now);
  return drain(host);
}

std::vector<byte_vector> host_fixture::poll(instant now) {
  host.poll(now);
  return drain(host);
}

void host_fixture::learn_peer(instant now) {
  receive(load_golden("arp-request").bytes, now);
  REQUIRE(host.arp().lookup(capture::peer_ip, now) == capture::peer_mac);
}

std::string frame_difference(const_byte_span actual, const_byte_span expected) {
  if (std::equal(actual.begin(), actual.end(), expected.begin(), expected.end())) return {};
  const auto mismatch =
      std::mismatch(actual.begin(), actual.end(), expected.begin(), expected.end());
  const auto at = static_cast<std::size_t>(mismatch.first - actual.begin());
  return "frames differ at byte " + std::to_string(at) + " (actual " +
         std::to_string(actual.size()) + " bytes, expected " + std::to_string(expected.size()) +
         " bytes)\n  actual:   " + describe_frame(actual, true) +
         "\n  expected: " + describe_frame(expected, true) + "\n  actual   " + hex_row(actual, at) +
         "\n  expected " + hex_row(expected, at);
}

}  // namespace tapstack::test
