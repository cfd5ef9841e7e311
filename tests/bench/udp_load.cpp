// The UDP load generator scripts/bench runs in its namespace, on the kernel's sockets: round trips
// to an echo service one at a time (rr), a one-way stream of datagrams sent as fast as the socket
// takes them (blast), and the kernel's own echo service (serve), the reference tapstack is
// measured against. No project code, so its numbers describe the peer, not a shared library.
// Every mode is bounded in count and in time, and rr and blast send only to 10.0.0.0/24, the
// bench's private link. Not a test: it reports figures and judges none of them.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace {

using steady = std::chrono::steady_clock;

constexpr std::size_t seq_len = sizeof(std::uint64_t);
constexpr std::size_t max_datagram = 65507;
constexpr unsigned long max_count = 10'000'000;
constexpr unsigned max_seconds = 600;

volatile std::sig_atomic_t stop_requested = 0;

void request_stop(int) { stop_requested = 1; }

struct options {
  std::string_view mode;
  sockaddr_in target{};
  bool has_target = false;
  std::uint16_t port = 7;
  unsigned long count = 20000;
  std::size_t size = 64;
  unsigned long warmup = 100;
  unsigned timeout_ms = 200;
  unsigned seconds = 30;
  bool spin = false;
};

void print_usage() {
  std::printf(
      "Usage: udp-load rr    --target 10.0.0.2:7 [--count 20000] [--size 64] [--warmup 100]\n"
      "                      [--timeout-ms 200] [--seconds 30] [--spin]\n"
      "       udp-load blast --target 10.0.0.2:7 [--count 20000] [--size 64] [--seconds 30]\n"
      "       udp-load serve [--port 7] [--seconds 30]\n"
      "rr: send one datagram, wait for its echo (lost after --timeout-ms), repeat; after\n"
      "    --warmup round trips that are not timed. --spin polls for each echo instead of\n"
      "    sleeping, so that the client's own wake-up is not part of the time.\n"
      "blast: send --count datagrams as fast as the socket takes them; read nothing.\n"
      "serve: echo every datagram to --port back to its sender until --seconds or SIGINT.\n"
      "--size is at least 8 (a sequence number leads each datagram); a target must be\n"
      "A.B.C.D:PORT in 10.0.0.0/24. For scripts/bench; not a test.\n");
}

bool parse_number(const char* text, unsigned long low, unsigned long high, unsigned long& out) {
  char* end = nullptr;
  errno = 0;
  const unsigned long v = std::strtoul(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || text[0] == '-' || v < low || v > high)
    return false;
  out = v;
  return true;
}

// A.B.C.D:PORT inside 10.0.0.0/24: the guard that keeps this generator on the bench's link.
bool parse_target(const char* text, sockaddr_in& out) {
  const char* colon = std::strrchr(text, ':');
  if (colon == nullptr) return false;
  char host[INET_ADDRSTRLEN] = {};
  const auto host_len = static_cast<std::size_t>(colon - text);
  if (host_len == 0 || host_len >= sizeof host) return false;
  std::memcpy(host, text, host_len);
  unsigned long port = 0;
  if (!parse_number(colon + 1, 1, 65535, port)) return false;
  out.sin_family = AF_INET;
  out.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::inet_pton(AF_INET, host, &out.sin_addr) != 1) return false;
  return (ntohl(out.sin_addr.s_addr) & 0xffffff00u) == 0x0a000000u;
}

// Fills `o` from the command line; returns what is wrong with it, or an empty string.
std::string parse_options(int argc, char** argv, options& o) {
  if (argc < 2) return "name a mode: rr, blast or serve";
  o.mode = argv[1];
  if (o.mode != "rr" && o.mode != "blast" && o.mode != "serve")
    return "unknown mode '" + std::string{o.mode} + "'";
  for (int i = 2; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--spin") {
      o.spin = true;
      continue;
    }
    if (i + 1 >= argc) return flag + " needs a value";
    const char* value = argv[++i];
    unsigned long n = 0;
    bool valid = true;
    if (flag == "--target") {
      valid = parse_target(value, o.target);
      o.has_target = valid;
    } else if (flag == "--port") {
      valid = parse_number(value, 1, 65535, n);
      o.port = static_cast<std::uint16_t>(n);
    } else if (flag == "--count") {
      valid = parse_number(value, 1, max_count, n);
      o.count = n;
    } else if (flag == "--size") {
      valid = parse_number(value, seq_len, max_datagram, n);
      o.size = n;
    } else if (flag == "--warmup") {
      valid = parse_number(value, 0, max_count, n);
      o.warmup = n;
    } else if (flag == "--timeout-ms") {
      valid = parse_number(value, 1, 10'000, n);
      o.timeout_ms = static_cast<unsigned>(n);
    } else if (flag == "--seconds") {
      valid = parse_number(value, 1, max_seconds, n);
      o.seconds = static_cast<unsigned>(n);
    } else {
      return "unknown flag '" + flag + "'";
    }
    if (!valid) return "invalid value '" + std::string{value} + "' for " + flag;
  }
  if (o.mode != "serve" && !o.has_target) return std::string{o.mode} + " needs --target";
  return {};
}

double seconds_between(steady::time_point a, steady::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

int udp_socket() {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) std::perror("udp-load: socket");
  return fd;
}

bool set_receive_timeout(int fd, unsigned ms) {
  const timeval tv{static_cast<time_t>(ms / 1000), static_cast<suseconds_t>(ms % 1000 * 1000)};
  if (::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0) return true;
  std::perror("udp-load: SO_RCVTIMEO");
  return false;
}

int connected_socket(const sockaddr_in& target) {
  const int fd = udp_socket();
  if (fd < 0) return -1;
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&target), sizeof target) < 0) {
    std::perror("udp-load: connect");
    ::close(fd);
    return -1;
  }
  return fd;
}

// The payload: a sequence number, then a pattern that changes with it, so that an echo that is
// late (of an earlier request) or altered is told apart from the one awaited.
void fill(std::vector<std::uint8_t>& payload, std::uint64_t seq) {
  std::memcpy(payload.data(), &seq, seq_len);
  for (std::size_t i = seq_len; i < payload.size(); ++i)
    payload[i] = static_cast<std::uint8_t>(seq + i);
}

enum class echo_outcome { answered, lost, altered };

// One datagram into `reply`: a blocking receive (SO_RCVTIMEO ends the wait), or with --spin
// non-blocking receives until one succeeds or `deadline` passes.
ssize_t receive(int fd, std::vector<std::uint8_t>& reply, bool spin, steady::time_point deadline) {
  if (!spin) return ::recv(fd, reply.data(), reply.size(), 0);
  for (;;) {
    const ssize_t n = ::recv(fd, reply.data(), reply.size(), MSG_DONTWAIT);
    if (n >= 0 || errno != EAGAIN || steady::now() >= deadline) return n;
  }
}

// Waits for the echo of the request in `sent`, skipping late echoes of earlier ones. A refused
// request (ICMP port unreachable) is lost like a timed-out one.
echo_outcome await_echo(int fd, const options& o, const std::vector<std::uint8_t>& sent,
                        std::vector<std::uint8_t>& reply, steady::time_point deadline) {
  for (;;) {
    const ssize_t n = receive(fd, reply, o.spin, deadline);
    if (n < 0) return echo_outcome::lost;
    if (static_cast<std::size_t>(n) >= seq_len &&
        std::memcmp(reply.data(), sent.data(), seq_len) != 0)
      continue;
    const bool same = static_cast<std::size_t>(n) == sent.size() &&
                      std::memcmp(reply.data(), sent.data(), sent.size()) == 0;
    return same ? echo_outcome::answered : echo_outcome::altered;
  }
}

int run_rr(const options& o) {
  const int fd = connected_socket(o.target);
  if (fd < 0) return 1;
  if (!set_receive_timeout(fd, o.timeout_ms)) return 1;
  std::vector<std::uint8_t> request(o.size);
  std::vector<std::uint8_t> reply(max_datagram + 1);
  std::vector<std::chrono::nanoseconds> rtts;
  rtts.reserve(o.count);
  const auto deadline = steady::now() + std::chrono::seconds{o.seconds};
  const std::chrono::milliseconds timeout{o.timeout_ms};
  unsigned long lost = 0;
  unsigned long altered = 0;
  unsigned long sent = 0;
  std::uint64_t seq = 0;
  steady::time_point start;
  // The warm-up fills ARP and neighbour entries and wakes every path; it is not measured.
  for (unsigned long i = 0; i < o.warmup + o.count && steady::now() < deadline; ++i) {
    if (i == o.warmup) start = steady::now();
    fill(request, ++seq);
    const auto t0 = steady::now();
    const bool measured = i >= o.warmup;
    sent += measured;
    if (::send(fd, request.data(), request.size(), 0) < 0) {
      lost += measured;
      continue;
    }
    const echo_outcome outcome = await_echo(fd, o, request, reply, t0 + timeout);
    if (!measured) continue;
    if (outcome == echo_outcome::answered) {
      rtts.push_back(steady::now() - t0);
    } else {
      lost += outcome == echo_outcome::lost;
      altered += outcome == echo_outcome::altered;
    }
  }
  const double elapsed = sent ? seconds_between(start, steady::now()) : 0;
  ::close(fd);
  if (rtts.empty()) {
    std::fprintf(stderr, "udp-load: rr: none of %lu requests was answered (%lu altered)\n", sent,
                 altered);
    return 1;
  }
  std::sort(rtts.begin(), rtts.end());
  const std::size_t n = rtts.size();
  const auto us = [](std::chrono::nanoseconds d) { return d.count() / 1e3; };
  double sum_us = 0;
  for (const auto d : rtts) sum_us += us(d);
  const double median_us = n % 2 ? us(rtts[n / 2]) : (us(rtts[n / 2 - 1]) + us(rtts[n / 2])) / 2;
  // The nearest-rank 99th percentile: the smallest value at or above 99% of the samples.
  const std::size_t p99_rank = (n * 99 + 99) / 100;
  std::printf(
      "udp-load rr: %zu of %lu answered (%lu lost, %lu altered) in %.3f s: %.0f round trips/s; "
      "rtt mean %.1f us, median %.1f us, p99 %.1f us\n",
      n, sent, lost, altered, elapsed, n / elapsed, sum_us / n, median_us, us(rtts[p99_rank - 1]));
  return altered ? 1 : 0;
}

int run_blast(const options& o) {
  const int fd = connected_socket(o.target);
  if (fd < 0) return 1;
  std::vector<std::uint8_t> payload(o.size);
  const auto start = steady::now();
  const auto deadline = start + std::chrono::seconds{o.seconds};
  unsigned long sent = 0;
  unsigned long failed = 0;
  for (std::uint64_t seq = 0; seq < o.count; ++seq) {
    // Reading the clock costs little next to a send, but no need to pay it on every one.
    if (seq % 256 == 0 && steady::now() >= deadline) break;
    fill(payload, seq);
    if (::send(fd, payload.data(), payload.size(), 0) == static_cast<ssize_t>(payload.size())) {
      ++sent;
    } else if (errno == ENOBUFS || errno == EAGAIN || errno == ECONNREFUSED) {
      ++failed;
    } else {
      std::perror("udp-load: send");
      ::close(fd);
      return 1;
    }
  }
  const double elapsed = seconds_between(start, steady::now());
  ::close(fd);
  std::printf(
      "udp-load blast: %lu datagrams of %zu B sent in %.6f s (%lu sends failed): "
      "%.0f/s offered, %.1f Mbit/s of payload\n",
      sent, o.size, elapsed, failed, sent / elapsed, sent * o.size * 8 / elapsed / 1e6);
  return sent ? 0 : 1;
}

// The datagrams the kernel dropped because this socket's queue was full, as SO_RXQ_OVFL reports
// it with each received one (a running count since the socket was made); `so_far` if absent.
std::uint32_t queue_drops(msghdr& msg, std::uint32_t so_far) {
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL)
      std::memcpy(&so_far, CMSG_DATA(c), sizeof so_far);
  }
  return so_far;
}

int run_serve(const options& o) {
  const int fd = udp_socket();
  if (fd < 0) return 1;
  const int on = 1;
  sockaddr_in local{};
  local.sin_family = AF_INET;
  local.sin_port = htons(o.port);
  local.sin_addr.s_addr = htonl(INADDR_ANY);
  if (::setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &on, sizeof on) < 0 ||
      ::bind(fd, reinterpret_cast<const sockaddr*>(&local), sizeof local) < 0) {
    std::perror("udp-load: serve");
    return 1;
  }
  // The timeout only bounds how late --seconds is noticed when nothing arrives.
  if (!set_receive_timeout(fd, 100)) return 1;
  // No SA_RESTART: a signal must interrupt the blocking receive so the loop can end.
  struct sigaction on_stop {};
  on_stop.sa_handler = request_stop;
  ::sigaction(SIGINT, &on_stop, nullptr);
  ::sigaction(SIGTERM, &on_stop, nullptr);
  std::printf("udp-load serve: echoing on port %u for up to %u s\n", o.port, o.seconds);
  std::fflush(stdout);

  static std::uint8_t buffer[max_datagram + 1];
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(std::uint32_t))];
  const auto deadline = steady::now() + std::chrono::seconds{o.seconds};
  unsigned long received = 0;
  unsigned long unsent = 0;
  std::uint32_t dropped = 0;
  while (!stop_requested && steady::now() < deadline) {
    sockaddr_in peer{};
    iovec iov{buffer, sizeof buffer};
    msghdr msg{};
    msg.msg_name = &peer;
    msg.msg_namelen = sizeof peer;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    const ssize_t n = ::recvmsg(fd, &msg, 0);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      std::perror("udp-load: recvmsg");
      ::close(fd);
      return 1;
    }
    ++received;
    dropped = queue_drops(msg, dropped);
    if (::sendto(fd, buffer, static_cast<std::size_t>(n), 0, reinterpret_cast<sockaddr*>(&peer),
                 msg.msg_namelen) != n)
      ++unsent;
  }
  ::close(fd);
  std::printf(
      "udp-load serve: %lu datagrams received (%lu echoes not sent), %u dropped at the full "
      "socket queue\n",
      received, unsent, dropped);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::strcmp(argv[1], "--help") == 0) {
    print_usage();
    return 0;
  }
  options o;
  const std::string error = parse_options(argc, argv, o);
  if (!error.empty()) {
    std::fprintf(stderr, "udp-load: %s (see udp-load --help)\n", error.c_str());
    return 2;
  }
  if (o.mode == "rr") return run_rr(o);
  if (o.mode == "blast") return run_blast(o);
  return run_serve(o);
}
