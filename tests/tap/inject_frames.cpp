// inject-frames: writes malformed Ethernet frames into a tap through an AF_PACKET socket, so that
// the program on the tap's other end (tapstack at its default address) reads them as if from the
// wire. First a curated list, each case sent to the host's MAC and again to broadcast: every check
// of the receive path, every truncation of a valid ARP request and echo request, and those two
// valid frames as controls. Then --count copies of the two valid frames with 1 to 3 seeded random
// bits flipped.
//
// It knows which counter the host must bump for each curated frame, and ends by printing the sums
// as "expect COUNTER N" lines: the host's counter must be at least N (the random frames add more).
// It paces itself by the tap's tx_packets, which the kernel bumps as the reader takes a frame, so a
// slow host does not overflow the tap's queue, and it fails if the tap dropped a frame anyway.
//
// Linux only; needs CAP_NET_RAW. The tap tests run it inside their namespace with ip netns exec.
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/program_options.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "stack/base/rng.hpp"
#include "stack/wire/arp.hpp"
#include "stack/wire/checksum.hpp"
#include "stack/wire/ethernet.hpp"
#include "stack/wire/icmp.hpp"
#include "stack/wire/ipv4.hpp"

namespace po = boost::program_options;
using namespace tapstack;

namespace {

using bytes = std::vector<std::uint8_t>;

// tapstack's defaults and the kernel's side of the test link.
const mac_address host_mac{{0x02, 0x74, 0x73, 0x00, 0x00, 0x02}};
const ipv4_address host_ip{0x0a000002};       // 10.0.0.2
const ipv4_address peer_ip{0x0a000001};       // 10.0.0.1
const ipv4_address other_ip{0x0a000003};      // 10.0.0.3: on the subnet, nobody
const ipv4_address subnet_bcast{0x0a0000ff};  // 10.0.0.255
// ARP frames speak for this address, 8 bits away from the peer's: no flip of at most 3 bits can
// teach the host a wrong MAC for the peer and break the pings that follow.
const ipv4_address arp_sender_ip{0x0a0000fe};  // 10.0.0.254
const mac_address arp_sender_mac{{0x02, 0x74, 0x73, 0x00, 0x00, 0xfe}};
const mac_address other_mac{{0x02, 0x74, 0x73, 0x00, 0x00, 0x03}};
const mac_address multicast_mac{{0x01, 0x00, 0x5e, 0x00, 0x00, 0x01}};
constexpr unsigned max_flips = 3;

struct frame_case {
  std::string name;
  bytes frame;
  std::optional<std::string> expect;  // the host counter it must bump; nullopt: just survive it
};

byte_span at(bytes& f, std::size_t offset) { return byte_span{f}.subspan(offset); }
constexpr std::size_t ip_at = ethernet::header_len;
constexpr std::size_t icmp_at = ip_at + ipv4::min_header_len;

bytes arp_request(mac_address dst, mac_address peer_mac) {
  bytes f(ethernet::header_len + arp::packet_len);
  ethernet_repr{peer_mac, dst, ethertype::arp}.emit(f);
  arp_repr{arp_operation::request, arp_sender_mac, arp_sender_ip, mac_address{}, host_ip}.emit(
      at(f, ethernet::header_len));
  return f;
}

bytes echo_request(mac_address dst, mac_address peer_mac, std::size_t data_len = 56) {
  bytes data(data_len);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i);
  icmp_repr icmp;
  icmp.ident = 0x7473;
  icmp.seq = 1;
  icmp.data = data;
  ipv4_repr ip;
  ip.src = peer_ip;
  ip.dst = host_ip;
  ip.payload_len = icmp.buffer_len();
  bytes f(icmp_at + icmp.buffer_len());
  ethernet_repr{peer_mac, dst, ethertype::ipv4}.emit(f);
  ip.emit(at(f, ip_at));
  icmp.emit(at(f, icmp_at));
  return f;
}

// After a deliberate change to one field, the checksums are made right again so that the host
// sees exactly one thing wrong with the frame.
void fix_ip_checksum(bytes& f) {
  store_be16(&f[ip_at + ipv4::field::checksum], 0);
  store_be16(&f[ip_at + ipv4::field::checksum],
             internet_checksum(at(f, ip_at).first(ipv4::min_header_len)));
}
void fix_icmp_checksum(bytes& f) {
  store_be16(&f[icmp_at + icmp::field::checksum], 0);
  store_be16(&f[icmp_at + icmp::field::checksum], internet_checksum(at(f, icmp_at)));
}
void set_ip_source(bytes& f, ipv4_address a) {
  store_be32(&f[ip_at + ipv4::field::src], a.value);
  fix_ip_checksum(f);
}
void set_ip_destination(bytes& f, ipv4_address a) {
  store_be32(&f[ip_at + ipv4::field::dst], a.value);
  fix_ip_checksum(f);
}

// Every case whose verdict does not depend on the destination MAC, built for that MAC.
void add_cases_to(mac_address dst, mac_address peer_mac, std::vector<frame_case>& out) {
  const std::string to = dst.is_broadcast() ? " (broadcast)" : " (unicast)";
  auto arp_case = [&](const std::string& name, const std::string& expect, auto&& change) {
    bytes f = arp_request(dst, peer_mac);
    change(at(f, ethernet::header_len));
    out.push_back({"arp: " + name + to, std::move(f), expect});
  };
  auto ip_case = [&](const std::string& name, std::optional<std::string> expect, auto&& change) {
    bytes f = echo_request(dst, peer_mac);
    change(f);
    out.push_back({name + to, std::move(f), std::move(expect)});
  };

  out.push_back({"valid ARP request" + to, arp_request(dst, peer_mac), "arp_requests_in"});
  out.push_back({"valid echo request" + to, echo_request(dst, peer_mac), "icmp_echo_requests_in"});

  arp_case("hardware type 6 (IEEE 802)", "arp_unsupported",
           [](byte_span a) { store_be16(&a[arp::field::htype], 6); });
  arp_case("protocol type IPv6", "arp_unsupported",
           [](byte_span a) { store_be16(&a[arp::field::ptype], 0x86dd); });
  arp_case("hardware address length 8", "arp_unsupported",
           [](byte_span a) { a[arp::field::hlen] = 8; });
  arp_case("protocol address length 16", "arp_unsupported",
           [](byte_span a) { a[arp::field::plen] = 16; });
  arp_case("operation 0", "arp_bad_opcode",
           [](byte_span a) { store_be16(&a[arp::field::oper], 0); });
  arp_case("operation 3 (RARP request)", "arp_bad_opcode",
           [](byte_span a) { store_be16(&a[arp::field::oper], 3); });
  arp_case("sender MAC broadcast", "arp_bad_sender", [](byte_span a) {
    std::memcpy(&a[arp::field::sha], mac_address::broadcast().octets.data(), 6);
  });
  arp_case("sender MAC multicast", "arp_bad_sender",
           [](byte_span a) { std::memcpy(&a[arp::field::sha], multicast_mac.octets.data(), 6); });
  arp_case("request for another address", "arp_not_for_us",
           [](byte_span a) { store_be32(&a[arp::field::tpa], other_ip.value); });

  ip_case("ip: version 6", "ip_bad_version", [](bytes& f) { f[ip_at] = 0x65; });
  ip_case("ip: header length 16 (IHL 4)", "ip_bad_header_len", [](bytes& f) { f[ip_at] = 0x44; });
  ip_case("ip: total length 100 bytes past the frame", "ip_bad_total_len", [](bytes& f) {
    store_be16(&f[ip_at + ipv4::field::total_len],
               static_cast<std::uint16_t>(f.size() - ip_at + 100));
    fix_ip_checksum(f);
  });
  ip_case("ip: total length 19, shorter than the header", "ip_bad_total_len", [](bytes& f) {
    store_be16(&f[ip_at + ipv4::field::total_len], 19);
    fix_ip_checksum(f);
  });
  ip_case("ip: header checksum off by one", "ip_bad_checksum",
          [](bytes& f) { ++f[ip_at + ipv4::field::checksum + 1]; });
  // A lone fragment is held for reassembly and times out long after the test: it is only counted
  // in. The second copy of each (to the other MAC) is a duplicate of the first.
  ip_case("ip: first fragment (more fragments)", "ip_fragments_in", [](bytes& f) {
    store_be16(&f[ip_at + ipv4::field::flags_frag], ipv4::flag_mf);
    fix_ip_checksum(f);
  });
  ip_case("ip: last fragment (offset 1480)", "ip_fragments_in", [](bytes& f) {
    store_be16(&f[ip_at + ipv4::field::flags_frag], 1480 / 8);
    fix_ip_checksum(f);
  });
  ip_case("ip: protocol 253 (experimental)", "ip_unknown_protocol", [](bytes& f) {
    f[ip_at + ipv4::field::protocol] = 253;
    fix_ip_checksum(f);
  });
  ip_case("ip: source 255.255.255.255", "ip_bad_source",
          [](bytes& f) { set_ip_source(f, ipv4_address::broadcast()); });
  ip_case("ip: source 224.0.0.1", "ip_bad_source",
          [](bytes& f) { set_ip_source(f, ipv4_address{0xe0000001}); });
  ip_case("ip: source the subnet broadcast", "ip_bad_source",
          [](bytes& f) { set_ip_source(f, subnet_bcast); });
  ip_case("ip: destination another host", "ip_not_for_us",
          [](bytes& f) { set_ip_destination(f, other_ip); });
  // RFC 1122 3.2.1.3 rules these sources out too; what the host does with them is not asserted.
  ip_case("ip: source 0.0.0.0", std::nullopt,
          [](bytes& f) { set_ip_source(f, ipv4_address::any()); });
  ip_case("ip: source 127.0.0.1", std::nullopt,
          [](bytes& f) { set_ip_source(f, ipv4_address{0x7f000001}); });
  ip_case("ip: source the host itself", std::nullopt, [](bytes& f) { set_ip_source(f, host_ip); });
  ip_case("ethernet: source MAC broadcast", std::nullopt, [](bytes& f) {
    std::memcpy(&f[ethernet::field::src], mac_address::broadcast().octets.data(), 6);
  });

  ip_case("icmp: checksum off by one", "icmp_bad_checksum",
          [](bytes& f) { ++f[icmp_at + icmp::field::checksum + 1]; });
  ip_case("icmp: type 13 (timestamp)", "icmp_unhandled", [](bytes& f) {
    f[icmp_at + icmp::field::type] = 13;
    fix_icmp_checksum(f);
  });
  ip_case("icmp: echo to the subnet broadcast", "icmp_broadcast_echo",
          [](bytes& f) { set_ip_destination(f, subnet_bcast); });
  ip_case("icmp: echo to 255.255.255.255", "icmp_broadcast_echo",
          [](bytes& f) { set_ip_destination(f, ipv4_address::broadcast()); });
  {
    bytes f = echo_request(dst, peer_mac);
    f.resize(icmp_at + 4);
    store_be16(&f[ip_at + ipv4::field::total_len], ipv4::min_header_len + 4);
    fix_ip_checksum(f);
    out.push_back({"icmp: 4 bytes, shorter than its header" + to, std::move(f), "icmp_truncated"});
  }
  {
    bytes f = echo_request(dst, peer_mac, 0);
    f[ip_at] = 0x4f;
    out.push_back({"ip: header length 60 (IHL 15) past a 28-byte packet" + to, std::move(f),
                   "ip_bad_header_len"});
  }

  const std::pair<std::uint16_t, const char*> unknown_types[] = {
      {0x86dd, "IPv6"}, {0x88b5, "0x88b5 (local experimental)"}, {0x8100, "802.1Q"}};
  for (const auto& [type, type_name] : unknown_types) {
    bytes f = echo_request(dst, peer_mac);
    store_be16(&f[ethernet::field::ethertype], type);
    out.push_back({std::string{"ethernet: ethertype "} + type_name + to, std::move(f),
                   "eth_unknown_ethertype"});
  }

  // Every truncation: below 14 bytes the kernel refuses to send (see send_all); then each layer in
  // turn sees too little of itself.
  const bytes arp = arp_request(dst, peer_mac);
  for (std::size_t len = 0; len < arp.size(); ++len)
    out.push_back({"arp request truncated to " + std::to_string(len) + " bytes" + to,
                   bytes(arp.begin(), arp.begin() + len),
                   len < ethernet::header_len ? "frame_too_short" : "arp_truncated"});
  const bytes echo = echo_request(dst, peer_mac);
  for (std::size_t len = 0; len < echo.size(); ++len)
    out.push_back({"echo request truncated to " + std::to_string(len) + " bytes" + to,
                   bytes(echo.begin(), echo.begin() + len),
                   len < ethernet::header_len ? "frame_too_short"
                   : len < icmp_at            ? "ip_truncated"
                                              : "ip_bad_total_len"});
}

std::vector<frame_case> curated_cases(mac_address peer_mac) {
  std::vector<frame_case> cases;
  add_cases_to(host_mac, peer_mac, cases);
  add_cases_to(mac_address::broadcast(), peer_mac, cases);
  cases.push_back(
      {"ethernet: to another host's MAC", echo_request(other_mac, peer_mac), "eth_not_for_us"});
  cases.push_back(
      {"ethernet: to a multicast MAC", echo_request(multicast_mac, peer_mac), "eth_not_for_us"});
  return cases;
}

// Valid frames with 1 to max_flips bits flipped anywhere after the destination MAC (a flipped
// destination is only ever eth_not_for_us).
std::vector<frame_case> random_cases(mac_address peer_mac, std::size_t count, std::uint64_t seed) {
  const bytes valid[] = {arp_request(host_mac, peer_mac), echo_request(host_mac, peer_mac)};
  rng random{seed};
  std::vector<frame_case> cases;
  for (std::size_t i = 0; i < count; ++i) {
    bytes f = valid[random.uniform(0, 1)];
    const auto flips = random.uniform(1, max_flips);
    for (std::uint64_t k = 0; k < flips; ++k) {
      const auto bit = random.uniform(ethernet::field::src * 8, f.size() * 8 - 1);
      f[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    }
    cases.push_back({"random variant " + std::to_string(i), std::move(f), std::nullopt});
  }
  return cases;
}

std::uint64_t tap_statistic(const std::string& interface, const std::string& name) {
  std::ifstream in{"/sys/class/net/" + interface + "/statistics/" + name};
  std::uint64_t value = 0;
  if (!(in >> value)) throw std::runtime_error("cannot read " + name + " of " + interface);
  return value;
}

class packet_socket {
 public:
  explicit packet_socket(const std::string& interface) : interface_{interface} {
    address_.sll_family = AF_PACKET;
    address_.sll_ifindex = static_cast<int>(if_nametoindex(interface.c_str()));
    address_.sll_halen = ETH_ALEN;
    if (address_.sll_ifindex == 0) throw std::runtime_error("no interface named " + interface);
    // Protocol 0: this socket only sends; it receives nothing.
    fd_ = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
    if (fd_ < 0)
      throw std::runtime_error(std::string{"cannot open an AF_PACKET socket: "} +
                               std::strerror(errno) + " (needs CAP_NET_RAW)");
  }
  packet_socket(const packet_socket&) = delete;
  packet_socket& operator=(const packet_socket&) = delete;
  ~packet_socket() { ::close(fd_); }

  // False when the kernel refuses the frame as shorter than an Ethernet header, which it does for
  // every such frame: a tap never delivers one, so only unit tests reach frame_too_short.
  bool send(const bytes& f) {
    if (::sendto(fd_, f.data(), f.size(), 0, reinterpret_cast<const sockaddr*>(&address_),
                 sizeof address_) == static_cast<ssize_t>(f.size()))
      return true;
    if (errno == EINVAL && f.size() < ethernet::header_len) return false;
    throw std::runtime_error("sending a " + std::to_string(f.size()) + "-byte frame on " +
                             interface_ + " failed: " + std::strerror(errno));
  }

 private:
  std::string interface_;
  sockaddr_ll address_{};
  int fd_ = -1;
};

// Sends every case without letting more than a window's worth wait in the tap's queue (which holds
// txqueuelen frames), then waits for the reader to take the rest. Returns the frames the kernel
// accepted.
std::uint64_t send_all(packet_socket& socket, const std::string& interface,
                       const std::vector<frame_case>& cases,
                       std::map<std::string, std::uint64_t>& expect, bool verbose) {
  constexpr std::uint64_t window = 64;
  constexpr auto poll_interval = std::chrono::milliseconds{1};
  constexpr int max_polls = 5000;
  const std::uint64_t read_before = tap_statistic(interface, "tx_packets");
  std::uint64_t sent = 0;
  auto wait_until_read = [&](std::uint64_t backlog) {
    for (int i = 0; tap_statistic(interface, "tx_packets") - read_before + backlog < sent; ++i) {
      if (i == max_polls)
        throw std::runtime_error("the program on " + interface + " stopped reading frames (" +
                                 std::to_string(sent) + " sent)");
      std::this_thread::sleep_for(poll_interval);
    }
  };
  for (const auto& c : cases) {
    wait_until_read(window);
    const bool accepted = socket.send(c.frame);
    sent += accepted;
    if (accepted && c.expect) ++expect[*c.expect];
    if (verbose)
      std::cout << (accepted ? "sent     " : "refused  ") << c.name << " (" << c.frame.size()
                << " bytes)" << (c.expect ? " -> " + *c.expect : "") << '\n';
  }
  wait_until_read(0);
  return sent;
}

int run(int argc, char** argv) {
  std::string interface;
  std::size_t count = 0;
  std::uint64_t seed = 1;
  po::options_description flags{
      "Usage: inject-frames --interface TAP [--count N] [--seed S] [--verbose]\n\n"
      "Writes malformed frames into TAP for the host at 10.0.0.2 (02:74:73:00:00:02) and prints\n"
      "'expect COUNTER N' lines: the host's counters must be at least N afterwards"};
  flags.add_options()("help,h", "print this help and exit")(
      "interface", po::value(&interface)->required(), "the tap to write into")(
      "count", po::value(&count)->default_value(count),
      "random bit-flipped variants to send after the curated list")(
      "seed", po::value(&seed)->default_value(seed), "seed for the random variants")(
      "verbose", "print every frame sent and the counter it must bump");
  po::variables_map vm;
  po::store(po::parse_command_line(argc, argv, flags), vm);
  if (vm.count("help")) {
    std::cout << flags << '\n';
    return 0;
  }
  po::notify(vm);

  std::ifstream mac_file{"/sys/class/net/" + interface + "/address"};
  std::string mac_text;
  mac_file >> mac_text;
  const auto peer_mac = mac_address::parse(mac_text);
  if (!peer_mac) throw std::runtime_error("cannot read the MAC of " + interface);

  packet_socket socket{interface};
  const std::uint64_t dropped_before = tap_statistic(interface, "tx_dropped");
  std::map<std::string, std::uint64_t> expect;
  const auto curated = curated_cases(*peer_mac);
  const bool verbose = vm.count("verbose") != 0;
  const std::uint64_t sent =
      send_all(socket, interface, curated, expect, verbose) +
      send_all(socket, interface, random_cases(*peer_mac, count, seed), expect, verbose);
  const std::uint64_t dropped = tap_statistic(interface, "tx_dropped") - dropped_before;
  if (dropped != 0)
    throw std::runtime_error(interface + " dropped " + std::to_string(dropped) + " frames");

  std::cout << "inject-frames: " << sent << " frames read from " << interface << " ("
            << curated.size() << " curated, " << count << " random with seed " << seed << "; "
            << curated.size() + count - sent
            << " refused by the kernel as shorter than 14 bytes)\n";
  expect["frames_in"] = sent;
  for (const auto& [counter, n] : expect) std::cout << "expect " << counter << ' ' << n << '\n';
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const po::error& e) {
    std::cerr << "inject-frames: " << e.what() << " (see inject-frames --help)\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "inject-frames: " << e.what() << '\n';
    return 1;
  }
}
