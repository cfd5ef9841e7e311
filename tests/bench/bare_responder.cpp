// The reference scripts/bench measures tapstack against: the least a program behind a tap must do
// to answer ping. One blocking read() per frame, answers ARP requests for its address and ICMP
// echo requests to it by rewriting the frame in place, one write() back; everything else is
// ignored. No project code, no allocation, no clock: its round-trip time is the floor the kernel's
// tap path sets for a responder that moves one frame per system call.
// It opens an existing tap (scripts/tap-up), runs until SIGINT or SIGTERM, then prints what it
// answered. Not a stack: no IP options, fragments, ARP cache or anything beyond these two replies.
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>

namespace {

constexpr std::size_t eth_header_len = 14;
constexpr std::size_t arp_packet_len = 28;
constexpr std::size_t ip_min_header_len = 20;
constexpr std::size_t icmp_echo_header_len = 8;
constexpr std::uint16_t ethertype_ipv4 = 0x0800;
constexpr std::uint16_t ethertype_arp = 0x0806;
constexpr std::uint8_t ip_protocol_icmp = 1;
constexpr std::uint8_t icmp_echo_reply = 0;
constexpr std::uint8_t icmp_echo_request = 8;
constexpr std::uint8_t reply_ttl = 64;

volatile std::sig_atomic_t stop_requested = 0;

void request_stop(int) { stop_requested = 1; }

std::uint16_t load16(const std::uint8_t* p) { return static_cast<std::uint16_t>(p[0] << 8 | p[1]); }

void store16(std::uint8_t* p, std::uint16_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}

// The Internet checksum (RFC 1071) of len bytes; 0 when bytes already carrying one verify.
std::uint16_t checksum(const std::uint8_t* p, std::size_t len) {
  std::uint32_t sum = 0;
  for (; len > 1; p += 2, len -= 2) sum += load16(p);
  if (len == 1) sum += static_cast<std::uint32_t>(p[0]) << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

struct identity {
  std::uint8_t mac[6];
  std::uint8_t ip[4];
};

struct tally {
  unsigned long arp_replies = 0;
  unsigned long echo_replies = 0;
  unsigned long ignored = 0;
};

// Turns an ARP request for our address into the reply, in place. Returns the reply's length.
std::size_t answer_arp(std::uint8_t* frame, std::size_t len, const identity& self) {
  if (len < eth_header_len + arp_packet_len) return 0;
  std::uint8_t* arp = frame + eth_header_len;
  const bool ethernet_ipv4 =
      load16(arp) == 1 && load16(arp + 2) == ethertype_ipv4 && arp[4] == 6 && arp[5] == 4;
  if (!ethernet_ipv4 || load16(arp + 6) != 1 || std::memcmp(arp + 24, self.ip, 4) != 0) return 0;
  // Target := the asker; sender := us.
  std::memcpy(arp + 18, arp + 8, 10);
  std::memcpy(arp + 8, self.mac, 6);
  std::memcpy(arp + 14, self.ip, 4);
  store16(arp + 6, 2);
  std::memcpy(frame, arp + 18, 6);
  std::memcpy(frame + 6, self.mac, 6);
  return eth_header_len + arp_packet_len;
}

// Turns an ICMP echo request to our address into the reply, in place. Returns the reply's length.
std::size_t answer_echo(std::uint8_t* frame, std::size_t len, const identity& self) {
  if (len < eth_header_len + ip_min_header_len) return 0;
  std::uint8_t* ip = frame + eth_header_len;
  const std::size_t header_len = (ip[0] & 0x0f) * 4u;
  const std::size_t total_len = load16(ip + 2);
  const bool fragment = (load16(ip + 6) & 0x3fff) != 0;
  if (ip[0] >> 4 != 4 || header_len < ip_min_header_len || total_len < header_len ||
      eth_header_len + total_len > len || fragment || ip[9] != ip_protocol_icmp ||
      std::memcmp(ip + 16, self.ip, 4) != 0 || checksum(ip, header_len) != 0)
    return 0;
  std::uint8_t* icmp = ip + header_len;
  const std::size_t icmp_len = total_len - header_len;
  if (icmp_len < icmp_echo_header_len || icmp[0] != icmp_echo_request || icmp[1] != 0 ||
      checksum(icmp, icmp_len) != 0)
    return 0;

  icmp[0] = icmp_echo_reply;
  store16(icmp + 2, 0);
  store16(icmp + 2, checksum(icmp, icmp_len));
  std::memcpy(ip + 16, ip + 12, 4);
  std::memcpy(ip + 12, self.ip, 4);
  ip[8] = reply_ttl;
  store16(ip + 10, 0);
  store16(ip + 10, checksum(ip, header_len));
  std::memcpy(frame, frame + 6, 6);
  std::memcpy(frame + 6, self.mac, 6);
  return eth_header_len + total_len;
}

bool parse_mac(const char* text, std::uint8_t* out) {
  unsigned v[6];
  char tail;
  if (std::sscanf(text, "%x:%x:%x:%x:%x:%x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &tail) !=
      6)
    return false;
  for (int i = 0; i < 6; ++i) {
    if (v[i] > 0xff) return false;
    out[i] = static_cast<std::uint8_t>(v[i]);
  }
  return true;
}

bool parse_ip(const char* text, std::uint8_t* out) {
  unsigned v[4];
  char tail;
  if (std::sscanf(text, "%u.%u.%u.%u%c", &v[0], &v[1], &v[2], &v[3], &tail) != 4) return false;
  for (int i = 0; i < 4; ++i) {
    if (v[i] > 0xff) return false;
    out[i] = static_cast<std::uint8_t>(v[i]);
  }
  return true;
}

int usage(std::FILE* to, int status) {
  std::fprintf(to,
               "Usage: bare-responder [--tap tap0] [--ip 10.0.0.2] [--mac 02:74:73:00:00:03]\n"
               "Answers ARP and ICMP echo requests for --ip on an existing tap until SIGINT.\n"
               "The reference floor for scripts/bench; not a network stack.\n");
  return status;
}

int open_tap(const char* name) {
  const int fd = ::open("/dev/net/tun", O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    std::perror("bare-responder: open /dev/net/tun");
    return -1;
  }
  ifreq req{};
  req.ifr_flags = IFF_TAP | IFF_NO_PI;
  std::strncpy(req.ifr_name, name, IFNAMSIZ - 1);
  if (::ioctl(fd, TUNSETIFF, &req) < 0) {
    std::fprintf(stderr, "bare-responder: cannot attach to tap '%s': %s\n", name,
                 std::strerror(errno));
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

int main(int argc, char** argv) {
  const char* tap_name = "tap0";
  identity self{{0x02, 0x74, 0x73, 0x00, 0x00, 0x03}, {10, 0, 0, 2}};
  for (int i = 1; i < argc; ++i) {
    const bool has_value = i + 1 < argc;
    if (std::strcmp(argv[i], "--help") == 0) return usage(stdout, 0);
    if (std::strcmp(argv[i], "--tap") == 0 && has_value) {
      tap_name = argv[++i];
    } else if (std::strcmp(argv[i], "--ip") == 0 && has_value) {
      if (!parse_ip(argv[++i], self.ip)) return usage(stderr, 2);
    } else if (std::strcmp(argv[i], "--mac") == 0 && has_value) {
      if (!parse_mac(argv[++i], self.mac)) return usage(stderr, 2);
    } else {
      return usage(stderr, 2);
    }
  }

  const int fd = open_tap(tap_name);
  if (fd < 0) return 1;
  // No SA_RESTART: a signal must interrupt the blocking read() so the loop can end.
  struct sigaction on_stop {};
  on_stop.sa_handler = request_stop;
  ::sigaction(SIGINT, &on_stop, nullptr);
  ::sigaction(SIGTERM, &on_stop, nullptr);
  std::printf("bare-responder: answering for %u.%u.%u.%u on %s\n", self.ip[0], self.ip[1],
              self.ip[2], self.ip[3], tap_name);
  std::fflush(stdout);

  static std::uint8_t frame[65536];
  tally counts;
  while (!stop_requested) {
    const ssize_t n = ::read(fd, frame, sizeof frame);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      std::perror("bare-responder: read");
      ::close(fd);
      return 1;
    }
    const std::size_t len = static_cast<std::size_t>(n);
    if (len < eth_header_len) continue;
    const std::uint16_t type = load16(frame + 12);
    std::size_t reply_len = 0;
    if (type == ethertype_arp) {
      reply_len = answer_arp(frame, len, self);
      counts.arp_replies += reply_len != 0;
    } else if (type == ethertype_ipv4) {
      reply_len = answer_echo(frame, len, self);
      counts.echo_replies += reply_len != 0;
    }
    if (reply_len == 0) {
      ++counts.ignored;
    } else if (::write(fd, frame, reply_len) != static_cast<ssize_t>(reply_len)) {
      std::perror("bare-responder: write");
    }
  }
  ::close(fd);
  std::printf("bare-responder: %lu echo replies, %lu ARP replies, %lu frames ignored\n",
              counts.echo_replies, counts.arp_replies, counts.ignored);
  return 0;
}
