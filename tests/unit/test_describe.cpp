// describe_frame: the one-line tcpdump notation that the tracer prints and failures show, compared
// with what tcpdump itself printed for the same kernel frames.
#include <doctest/doctest.h>

#include "stack/wire/describe.hpp"
#include "stack/wire/ethernet.hpp"
#include "stack/wire/ipv4.hpp"
#include "tests/support/frames.hpp"
#include "tests/support/golden.hpp"

namespace tapstack::test {
namespace {

const char* const ipv4_and_arp_frames[] = {
    "gratuitous-arp",         "arp-request",         "arp-reply",      "arp-request-other",
    "arp-request-for-peer",   "arp-reply-from-peer", "echo-request",   "echo-reply",
    "echo-request-empty",     "echo-request-max",    "echo-reply-max", "echo-request-record-route",
    "echo-request-broadcast",
};

TEST_CASE("every ARP and IPv4 golden frame reads as tcpdump -n printed it") {
  for (const char* name : ipv4_and_arp_frames) {
    INFO(name);
    const auto g = load_golden(name);
    CHECK(describe_frame(g.bytes) == g.tcpdump_line("-n"));
  }
}

TEST_CASE("with link_level, every golden frame reads as tcpdump -en printed it") {
  for (const char* name : ipv4_and_arp_frames) {
    INFO(name);
    const auto g = load_golden(name);
    CHECK(describe_frame(g.bytes, true) == g.tcpdump_line("-en"));
  }
}

TEST_CASE("IPv6 frames are named by their ethertype and length") {
  for (const char* name : {"ipv6-neighbor-solicitation", "ipv6-echo-request"}) {
    INFO(name);
    const auto g = load_golden(name);
    const std::string line = describe_frame(g.bytes);
    CHECK(line.find("IPv6") != std::string::npos);
    CHECK(line.find("length " + std::to_string(g.bytes.size())) != std::string::npos);
  }
}

TEST_CASE("Ethernet padding after the IPv4 packet does not change the description") {
  const auto g = load_golden("echo-request-empty");
  auto padded = g.bytes;
  padded.resize(ethernet::min_frame_len, 0xaa);
  CHECK(describe_frame(padded) == g.tcpdump_line("-n"));
}

TEST_CASE("malformed frames are described with the reason, never rejected") {
  const auto echo = load_golden("echo-request").bytes;
  const std::size_t ip = ethernet::header_len;

  CHECK(describe_frame(byte_vector(echo.begin(), echo.begin() + 10)).find("length 10") !=
        std::string::npos);

  auto cut = echo;
  cut.resize(ip + 12);
  CHECK(describe_frame(cut).find("ip_truncated") != std::string::npos);

  auto bad_ip_checksum = echo;
  bad_ip_checksum[ip + ipv4::field::ttl] = 1;
  const auto ip_line = describe_frame(bad_ip_checksum);
  CHECK(ip_line.starts_with("IP 10.0.0.1 > 10.0.0.2: "));
  CHECK(ip_line.find("ip_bad_checksum") != std::string::npos);

  auto bad_icmp_checksum = echo;
  bad_icmp_checksum.back() ^= 0xff;
  const auto icmp_line = describe_frame(bad_icmp_checksum);
  CHECK(icmp_line.starts_with("IP 10.0.0.1 > 10.0.0.2: "));
  CHECK(icmp_line.find("icmp_bad_checksum") != std::string::npos);

  auto arp = load_golden("arp-request").bytes;
  arp.resize(ip + 20);
  CHECK(describe_frame(arp).find("arp_truncated") != std::string::npos);
}

TEST_CASE("a fragment is described as one, not decoded as a whole message") {
  auto frame = load_golden("echo-request").bytes;
  store_be16(&frame[ethernet::header_len + ipv4::field::flags_frag], 185);  // offset 1480
  refresh_ipv4_checksum(frame);
  const auto line = describe_frame(frame);
  CHECK(line.starts_with("IP 10.0.0.1 > 10.0.0.2: "));
  CHECK(line.find("offset 1480") != std::string::npos);
  CHECK(line.find("echo request") == std::string::npos);
}

}  // namespace
}  // namespace tapstack::test
