// The TCP load generator scripts/bench runs in its namespace, on the kernel's sockets: a bulk
// transfer into a discard service (send), 1-byte request/response transactions over an echo
// service (rr), many idle connections opened and held open (hold), and the kernel's own discard,
// echo and /bytes/N HTTP services (serve), the reference tapstack is measured against, with the
// congestion control it is told (set per socket: a namespace other than the first may make only
// tcp_allowed_congestion_control its default). No project code, so its numbers describe the peer.
// Every mode is bounded in size and in time, and send, rr and hold connect only to 10.0.0.0/24
// (hold binds only to sources there too), the bench's private link. Not a test: it reports
// figures and judges none of them.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

using steady = std::chrono::steady_clock;

constexpr unsigned long long max_bytes = 100'000'000'000ull;
constexpr unsigned long max_count = 10'000'000;
constexpr unsigned max_seconds = 600;
constexpr std::size_t chunk = 65536;
// hold: a million connections is ten times the bench's default, and far beyond what one client
// address could open; the sources list is a /24's worth at most.
constexpr unsigned long max_connections = 1'000'000;
constexpr std::size_t max_sources = 256;
constexpr unsigned long max_in_flight = 4096;

volatile std::sig_atomic_t stop_requested = 0;

void request_stop(int) { stop_requested = 1; }

struct options {
  std::string_view mode;
  sockaddr_in target{};
  bool has_target = false;
  unsigned long long bytes = 100'000'000;
  unsigned long count = 20000;
  unsigned long warmup = 100;
  unsigned seconds = 30;
  bool spin = false;
  std::string cc;  // empty: the namespace's default
  // hold
  unsigned long connections = 1000;
  std::vector<in_addr> sources;  // empty: the kernel picks the source address
  unsigned long in_flight = 64;
  unsigned open_seconds = 120;
  bool hold_flags = false;  // one of hold's own flags was given
};

void print_usage() {
  std::printf(
      "Usage: tcp-load send  --target 10.0.0.2:9 [--bytes 100000000] [--seconds 30]\n"
      "       tcp-load rr    --target 10.0.0.2:7 [--count 20000] [--warmup 100] [--seconds 30]\n"
      "                      [--spin]\n"
      "       tcp-load hold  --target 10.0.0.2:7 [--connections 1000] [--sources A,B,...]\n"
      "                      [--in-flight 64] [--open-seconds 120] [--seconds 30]\n"
      "       tcp-load serve [--seconds 30] [--cc NAME]\n"
      "send: connect, write --bytes, half-close, and wait for the peer to close: the time\n"
      "      runs from connect until every byte was taken in.\n"
      "rr: one connection with TCP_NODELAY; write 1 byte, read its echo, repeat --count\n"
      "    times after --warmup transactions that are not timed. --spin polls for each echo\n"
      "    instead of sleeping, so that the client's own wake-up is not part of the time.\n"
      "    Prints the rate, then the median and 99th percentile round trip.\n"
      "hold: open --connections idle connections to the target with non-blocking connects,\n"
      "      at most --in-flight at a time, each bound to the next of --sources in turn (local\n"
      "      addresses in 10.0.0.0/24; without it the kernel picks), its port chosen at\n"
      "      connect; a source whose ports run out is left. Opening stops when all are\n"
      "      established or after --open-seconds; it prints how many were established and\n"
      "      how long that took (and a progress line every 10 s), then holds them open,\n"
      "      sending nothing, for --seconds or until SIGINT/SIGTERM, and prints how many\n"
      "      were still open then. Raises its open-file limit to --connections + 64\n"
      "      (past the hard limit needs CAP_SYS_RESOURCE, and stops at fs.nr_open).\n"
      "serve: the kernel's discard (port 9), echo (port 7) and an HTTP server (port 80)\n"
      "       answering GET /bytes/N with N bytes, until --seconds or SIGINT. --cc: every\n"
      "       connection's congestion control (reno, cubic, ...: one the kernel has loaded).\n"
      "A target must be A.B.C.D:PORT in 10.0.0.0/24. For scripts/bench; not a test.\n");
}

bool parse_number(const char* text, unsigned long long low, unsigned long long high,
                  unsigned long long& out) {
  char* end = nullptr;
  errno = 0;
  const unsigned long long v = std::strtoull(text, &end, 10);
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
  unsigned long long port = 0;
  if (!parse_number(colon + 1, 1, 65535, port)) return false;
  out.sin_family = AF_INET;
  out.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::inet_pton(AF_INET, host, &out.sin_addr) != 1) return false;
  return (ntohl(out.sin_addr.s_addr) & 0xffffff00u) == 0x0a000000u;
}

// A.B.C.D[,A.B.C.D...] inside 10.0.0.0/24: hold's source addresses, on the bench's link too.
bool parse_sources(const char* text, std::vector<in_addr>& out) {
  out.clear();
  const std::string_view list = text;
  std::size_t begin = 0;
  for (;;) {
    const std::size_t comma = std::min(list.find(',', begin), list.size());
    const std::string one{list.substr(begin, comma - begin)};
    in_addr a{};
    if (out.size() >= max_sources || ::inet_pton(AF_INET, one.c_str(), &a) != 1 ||
        (ntohl(a.s_addr) & 0xffffff00u) != 0x0a000000u)
      return false;
    out.push_back(a);
    if (comma == list.size()) return true;
    begin = comma + 1;
  }
}

// Fills `o` from the command line; returns what is wrong with it, or an empty string.
std::string parse_options(int argc, char** argv, options& o) {
  if (argc < 2) return "name a mode: send, rr, hold or serve";
  o.mode = argv[1];
  if (o.mode != "send" && o.mode != "rr" && o.mode != "hold" && o.mode != "serve")
    return "unknown mode '" + std::string{o.mode} + "'";
  for (int i = 2; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--spin") {
      o.spin = true;
      continue;
    }
    if (i + 1 >= argc) return flag + " needs a value";
    const char* value = argv[++i];
    unsigned long long n = 0;
    bool valid = true;
    if (flag == "--target") {
      valid = parse_target(value, o.target);
      o.has_target = valid;
    } else if (flag == "--bytes") {
      valid = parse_number(value, 1, max_bytes, n);
      o.bytes = n;
    } else if (flag == "--count") {
      valid = parse_number(value, 1, max_count, n);
      o.count = static_cast<unsigned long>(n);
    } else if (flag == "--warmup") {
      valid = parse_number(value, 0, max_count, n);
      o.warmup = static_cast<unsigned long>(n);
    } else if (flag == "--seconds") {
      valid = parse_number(value, 1, max_seconds, n);
      o.seconds = static_cast<unsigned>(n);
    } else if (flag == "--connections") {
      valid = parse_number(value, 1, max_connections, n);
      o.connections = static_cast<unsigned long>(n);
      o.hold_flags = true;
    } else if (flag == "--sources") {
      valid = parse_sources(value, o.sources);
      o.hold_flags = true;
    } else if (flag == "--in-flight") {
      valid = parse_number(value, 1, max_in_flight, n);
      o.in_flight = static_cast<unsigned long>(n);
      o.hold_flags = true;
    } else if (flag == "--open-seconds") {
      valid = parse_number(value, 1, max_seconds, n);
      o.open_seconds = static_cast<unsigned>(n);
      o.hold_flags = true;
    } else if (flag == "--cc") {
      o.cc = value;
      // The kernel's names are at most 15 characters (TCP_CA_NAME_MAX with its terminator).
      valid = !o.cc.empty() && o.cc.size() < 16 &&
              o.cc.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") == std::string::npos;
    } else {
      return "unknown flag '" + flag + "'";
    }
    if (!valid) return "invalid value '" + std::string{value} + "' for " + flag;
  }
  if (o.mode != "serve" && !o.has_target) return std::string{o.mode} + " needs --target";
  if (o.mode != "serve" && !o.cc.empty()) return "--cc is for serve";
  if (o.mode != "hold" && o.hold_flags)
    return "--connections, --sources, --in-flight and --open-seconds are for hold";
  return {};
}

double seconds_between(steady::time_point a, steady::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// Blocking calls wake at least this often, so that --seconds bounds a stalled peer too.
bool set_timeouts(int fd, unsigned ms) {
  const timeval tv{static_cast<time_t>(ms / 1000), static_cast<suseconds_t>(ms % 1000 * 1000)};
  if (::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0 &&
      ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) == 0)
    return true;
  std::perror("tcp-load: timeouts");
  return false;
}

int connected_socket(const sockaddr_in& target) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    std::perror("tcp-load: socket");
    return -1;
  }
  if (!set_timeouts(fd, 1000) ||
      ::connect(fd, reinterpret_cast<const sockaddr*>(&target), sizeof target) < 0) {
    std::perror("tcp-load: connect");
    ::close(fd);
    return -1;
  }
  return fd;
}

// Writes all of `data`, resuming after timeouts until `deadline`; false on error or deadline.
bool write_all(int fd, const std::uint8_t* data, std::size_t size, steady::time_point deadline) {
  while (size > 0) {
    const ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n > 0) {
      data += n;
      size -= static_cast<std::size_t>(n);
    } else if ((errno != EAGAIN && errno != EINTR) || steady::now() >= deadline || stop_requested) {
      return false;
    }
  }
  return true;
}

int run_send(const options& o) {
  const auto start = steady::now();
  const auto deadline = start + std::chrono::seconds{o.seconds};
  const int fd = connected_socket(o.target);
  if (fd < 0) return 1;
  std::vector<std::uint8_t> data(chunk);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i * 7);
  unsigned long long sent = 0;
  while (sent < o.bytes) {
    const auto n = static_cast<std::size_t>(std::min<unsigned long long>(chunk, o.bytes - sent));
    if (!write_all(fd, data.data(), n, deadline)) {
      std::fprintf(stderr, "tcp-load: send: stopped after %llu of %llu bytes: %s\n", sent, o.bytes,
                   std::strerror(errno));
      ::close(fd);
      return 1;
    }
    sent += n;
  }
  // The discard service closes once it has read our FIN, so its close means it took every byte.
  ::shutdown(fd, SHUT_WR);
  std::array<std::uint8_t, 512> sink{};
  for (;;) {
    const ssize_t n = ::recv(fd, sink.data(), sink.size(), 0);
    if (n == 0) break;
    if (n < 0 && ((errno != EAGAIN && errno != EINTR) || steady::now() >= deadline)) {
      std::perror("tcp-load: send: waiting for the peer to close");
      ::close(fd);
      return 1;
    }
  }
  const double elapsed = seconds_between(start, steady::now());
  ::close(fd);
  std::printf("tcp-load send: %llu bytes in %.6f s: %.3f Gbit/s\n", sent, elapsed,
              sent * 8 / elapsed / 1e9);
  return 0;
}

int run_rr(const options& o) {
  const int fd = connected_socket(o.target);
  if (fd < 0) return 1;
  const int on = 1;
  if (::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) < 0) {
    std::perror("tcp-load: TCP_NODELAY");
    return 1;
  }
  std::vector<std::chrono::nanoseconds> round_trips;
  round_trips.reserve(o.count);
  const auto deadline = steady::now() + std::chrono::seconds{o.seconds};
  steady::time_point start = steady::now();
  unsigned long done = 0;
  for (unsigned long i = 0; i < o.warmup + o.count; ++i) {
    if (i == o.warmup) start = steady::now();
    const auto request = static_cast<std::uint8_t>(i);
    std::uint8_t reply = 0;
    const auto sent_at = steady::now();
    if (!write_all(fd, &request, 1, deadline)) break;
    // With --spin, non-blocking receives until the echo is in; without, blocking ones that the
    // receive timeout wakes so that the deadline is noticed.
    ssize_t n = -1;
    while ((n = ::recv(fd, &reply, 1, o.spin ? MSG_DONTWAIT : 0)) < 0 &&
           (errno == EAGAIN || errno == EINTR) && steady::now() < deadline) {
    }
    if (n != 1 || reply != request) {
      std::fprintf(stderr, "tcp-load: rr: transaction %lu got no echo or a wrong one\n", i);
      break;
    }
    if (i >= o.warmup) {
      round_trips.push_back(steady::now() - sent_at);
      ++done;
    }
  }
  const double elapsed = seconds_between(start, steady::now());
  ::close(fd);
  if (done == 0) return 1;
  std::printf("tcp-load rr: %lu of %lu transactions in %.3f s: %.0f transactions/s\n", done,
              o.count, elapsed, done / elapsed);
  std::sort(round_trips.begin(), round_trips.end());
  const auto us = [](std::chrono::nanoseconds d) { return d.count() / 1e3; };
  const std::size_t n = round_trips.size();
  const double median_us =
      n % 2 ? us(round_trips[n / 2]) : (us(round_trips[n / 2 - 1]) + us(round_trips[n / 2])) / 2;
  // The nearest-rank 99th percentile: the smallest value at or above 99% of the samples.
  const std::size_t p99_rank = (n * 99 + 99) / 100;
  std::printf("tcp-load rr: round trip median %.1f us, p99 %.1f us\n", median_us,
              us(round_trips[p99_rank - 1]));
  return done == o.count ? 0 : 1;
}

// --- hold: many idle connections ------------------------------------------------------------

// Room for every connection plus the few descriptors a process has anyway. Root with
// CAP_SYS_RESOURCE may raise the hard limit too, up to fs.nr_open; without it, a caller that
// wants more than the hard limit allows runs several holders.
bool raise_open_file_limit(unsigned long connections) {
  const rlim_t need = connections + 64;
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) < 0) {
    std::perror("tcp-load: hold: getrlimit");
    return false;
  }
  if (limit.rlim_cur >= need) return true;
  limit.rlim_cur = need;
  limit.rlim_max = std::max(limit.rlim_max, need);
  if (::setrlimit(RLIMIT_NOFILE, &limit) == 0) return true;
  std::fprintf(stderr,
               "tcp-load: hold: cannot raise the open-file limit to %llu: %s (above the hard "
               "limit needs CAP_SYS_RESOURCE, and goes only up to fs.nr_open)\n",
               static_cast<unsigned long long>(need), std::strerror(errno));
  return false;
}

// The outcome of starting one connect.
enum class start_result { started, established, source_exhausted, failed, out_of_resources };

// A non-blocking socket bound to `source` (port chosen at connect, so each source has the whole
// ephemeral range towards the one target), its connect started.
start_result start_connect(const sockaddr_in& target, const in_addr* source, int& fd) {
  fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM
               ? start_result::out_of_resources
               : start_result::failed;
  }
  if (source != nullptr) {
    const int on = 1;
    sockaddr_in local{};
    local.sin_family = AF_INET;
    local.sin_addr = *source;
    if (::setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &on, sizeof on) < 0 ||
        ::bind(fd, reinterpret_cast<const sockaddr*>(&local), sizeof local) < 0) {
      const int error = errno;
      ::close(fd);
      fd = -1;
      errno = error;
      return error == EADDRINUSE ? start_result::source_exhausted : start_result::failed;
    }
  }
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&target), sizeof target) == 0)
    return start_result::established;
  const int error = errno;
  if (error == EINPROGRESS) return start_result::started;
  ::close(fd);
  fd = -1;
  errno = error;
  if (error == EADDRNOTAVAIL) return start_result::source_exhausted;
  return error == ENOBUFS || error == ENOMEM ? start_result::out_of_resources
                                             : start_result::failed;
}

std::string source_name(const in_addr* source) {
  if (source == nullptr) return "the kernel's choice";
  char text[INET_ADDRSTRLEN] = {};
  ::inet_ntop(AF_INET, source, text, sizeof text);
  return text;
}

int run_hold(const options& o) {
  if (!raise_open_file_limit(o.connections)) return 1;
  struct sigaction on_stop {};
  on_stop.sa_handler = request_stop;
  ::sigaction(SIGINT, &on_stop, nullptr);
  ::sigaction(SIGTERM, &on_stop, nullptr);

  std::vector<int> established;
  established.reserve(o.connections);
  std::vector<pollfd> connecting;  // at most o.in_flight
  connecting.reserve(o.in_flight);
  // Which sources still have ports; a null entry stands for "the kernel picks".
  std::vector<const in_addr*> sources;
  for (const auto& a : o.sources) sources.push_back(&a);
  if (sources.empty()) sources.push_back(nullptr);
  std::size_t next_source = 0;
  unsigned long started = 0, failed = 0;
  int last_error = 0;
  bool stop_opening = false;

  const auto start = steady::now();
  const auto open_deadline = start + std::chrono::seconds{o.open_seconds};
  auto next_progress = start + std::chrono::seconds{10};
  while (!stop_requested && steady::now() < open_deadline && established.size() < o.connections &&
         (!connecting.empty() || !stop_opening)) {
    // Top up the connects in flight, each from the next source in turn.
    while (!stop_opening && connecting.size() < o.in_flight && started < o.connections) {
      if (sources.empty()) {
        std::fprintf(stderr, "tcp-load: hold: every source ran out of ports\n");
        stop_opening = true;
        break;
      }
      next_source %= sources.size();
      int fd = -1;
      const auto result = start_connect(o.target, sources[next_source], fd);
      if (result == start_result::source_exhausted) {
        std::fprintf(stderr, "tcp-load: hold: source %s ran out of ports after %lu connects\n",
                     source_name(sources[next_source]).c_str(), started);
        sources.erase(sources.begin() + static_cast<std::ptrdiff_t>(next_source));
        continue;
      }
      if (result == start_result::out_of_resources) {
        std::fprintf(stderr, "tcp-load: hold: no more sockets after %lu connects: %s\n", started,
                     std::strerror(errno));
        stop_opening = true;
        break;
      }
      ++started;
      ++next_source;
      if (result == start_result::started) connecting.push_back({fd, POLLOUT, 0});
      if (result == start_result::established) established.push_back(fd);
      if (result == start_result::failed) {
        ++failed;
        last_error = errno;
      }
    }
    if (started >= o.connections) stop_opening = true;
    if (connecting.empty()) continue;

    if (::poll(connecting.data(), connecting.size(), 100) > 0) {
      // A connect has finished when its socket turns writable (or reports an error); SO_ERROR
      // says which. The finished ones leave the list, the others keep their place.
      std::size_t kept = 0;
      for (auto& p : connecting) {
        if (p.revents == 0) {
          connecting[kept++] = p;
          continue;
        }
        int error = 0;
        socklen_t len = sizeof error;
        if (::getsockopt(p.fd, SOL_SOCKET, SO_ERROR, &error, &len) < 0) error = errno;
        if (error == 0) {
          established.push_back(p.fd);
        } else {
          ++failed;
          last_error = error;
          ::close(p.fd);
        }
      }
      connecting.resize(kept);
    }
    const auto now = steady::now();
    if (now >= next_progress) {
      std::printf("tcp-load hold: %zu established, %zu connecting, %lu failed after %.0f s\n",
                  established.size(), connecting.size(), failed, seconds_between(start, now));
      std::fflush(stdout);
      next_progress += std::chrono::seconds{10};
    }
  }
  const double open_time = seconds_between(start, steady::now());
  // Connects still under way at the deadline are given up: closing them aborts them.
  for (const auto& p : connecting) ::close(p.fd);
  std::printf(
      "tcp-load hold: %zu of %lu connections established in %.3f s (%lu failed, %zu still "
      "connecting when opening stopped)\n",
      established.size(), o.connections, open_time, failed, connecting.size());
  if (failed > 0)
    std::printf("tcp-load hold: the last failed connect: %s\n", std::strerror(last_error));
  std::printf("tcp-load hold: holding them for up to %u s\n", o.seconds);
  std::fflush(stdout);

  const auto hold_deadline = steady::now() + std::chrono::seconds{o.seconds};
  while (!stop_requested && steady::now() < hold_deadline) ::poll(nullptr, 0, 100);

  // Which are still open: nothing to read and no error means the peer neither closed nor reset.
  unsigned long open = 0, closed = 0, reset = 0;
  for (const int fd : established) {
    std::uint8_t byte = 0;
    const ssize_t n = ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      ++open;
    } else if (n == 0) {
      ++closed;
    } else if (n < 0) {
      ++reset;
    } else {
      ++open;  // the peer sent data: an echo service does not, but the connection is open
    }
  }
  std::printf(
      "tcp-load hold: %lu of %zu still open at the end (%lu closed by the peer, "
      "%lu reset)\n",
      open, established.size(), closed, reset);
  std::fflush(stdout);
  // The process's exit closes them all at once.
  std::_Exit(established.empty() ? 1 : 0);
}

// --- serve: the kernel reference ------------------------------------------------------------

void discard(int fd) {
  std::vector<std::uint8_t> buffer(chunk);
  while (!stop_requested) {
    const ssize_t n = ::recv(fd, buffer.data(), buffer.size(), 0);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) break;
  }
}

void echo(int fd, steady::time_point deadline) {
  std::vector<std::uint8_t> buffer(16384);
  while (!stop_requested) {
    const ssize_t n = ::recv(fd, buffer.data(), buffer.size(), 0);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) break;
    if (n > 0 && !write_all(fd, buffer.data(), static_cast<std::size_t>(n), deadline)) break;
  }
}

// One GET /bytes/N per connection, answered with Connection: close; anything else gets a 404.
void serve_bytes(int fd, steady::time_point deadline) {
  std::string request;
  std::array<char, 1024> buffer{};
  while (request.find("\r\n\r\n") == std::string::npos && request.size() < 8192) {
    const ssize_t n = ::recv(fd, buffer.data(), buffer.size(), 0);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR) || steady::now() >= deadline) return;
    if (n > 0) request.append(buffer.data(), static_cast<std::size_t>(n));
  }
  constexpr std::string_view prefix = "GET /bytes/";
  unsigned long long size = 0;
  const std::size_t end = request.find(' ', prefix.size());
  const bool valid =
      request.starts_with(prefix) && end != std::string::npos &&
      parse_number(request.substr(prefix.size(), end - prefix.size()).c_str(), 0, max_bytes, size);
  const std::string head =
      valid ? "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: " +
                  std::to_string(size) + "\r\nConnection: close\r\n\r\n"
            : "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
  if (!write_all(fd, reinterpret_cast<const std::uint8_t*>(head.data()), head.size(), deadline))
    return;
  std::vector<std::uint8_t> data(chunk);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i * 7);
  for (unsigned long long sent = 0; sent < size;) {
    const auto n = static_cast<std::size_t>(std::min<unsigned long long>(chunk, size - sent));
    if (!write_all(fd, data.data(), n, deadline)) return;
    sent += n;
  }
  ::shutdown(fd, SHUT_WR);
}

// Sets the congestion control of `fd` to `cc`; an empty name keeps the namespace's default. On a
// listener it passes to the connections it accepts.
bool set_congestion_control(int fd, const std::string& cc) {
  return cc.empty() || ::setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, cc.data(),
                                    static_cast<socklen_t>(cc.size())) == 0;
}

int listener(std::uint16_t port, const std::string& cc) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int on = 1;
  sockaddr_in local{};
  local.sin_family = AF_INET;
  local.sin_port = htons(port);
  local.sin_addr.s_addr = htonl(INADDR_ANY);
  if (fd < 0 || ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) < 0 ||
      !set_congestion_control(fd, cc) ||
      ::bind(fd, reinterpret_cast<const sockaddr*>(&local), sizeof local) < 0 ||
      ::listen(fd, 16) < 0) {
    std::fprintf(stderr, "tcp-load: serve: port %u: %s\n", port, std::strerror(errno));
    return -1;
  }
  return fd;
}

int run_serve(const options& o) {
  constexpr std::array<std::uint16_t, 3> ports{9, 7, 80};
  std::array<pollfd, ports.size()> fds{};
  for (std::size_t i = 0; i < ports.size(); ++i) {
    fds[i] = {listener(ports[i], o.cc), POLLIN, 0};
    if (fds[i].fd < 0) return 1;
  }
  // What the kernel put in force, read back, so that the output shows it and not only our wish.
  std::array<char, 16> cc{};
  auto cc_len = static_cast<socklen_t>(cc.size() - 1);
  if (::getsockopt(fds[0].fd, IPPROTO_TCP, TCP_CONGESTION, cc.data(), &cc_len) < 0) {
    std::perror("tcp-load: serve: congestion control");
    return 1;
  }
  struct sigaction on_stop {};
  on_stop.sa_handler = request_stop;
  ::sigaction(SIGINT, &on_stop, nullptr);
  ::sigaction(SIGTERM, &on_stop, nullptr);
  std::printf(
      "tcp-load serve: discard on 9, echo on 7, /bytes/N on 80 for up to %u s, congestion "
      "control %s\n",
      o.seconds, cc.data());
  std::fflush(stdout);

  const auto deadline = steady::now() + std::chrono::seconds{o.seconds};
  unsigned long connections = 0;
  while (!stop_requested && steady::now() < deadline) {
    if (::poll(fds.data(), fds.size(), 100) <= 0) continue;
    for (std::size_t i = 0; i < ports.size(); ++i) {
      if ((fds[i].revents & POLLIN) == 0) continue;
      const int fd = ::accept4(fds[i].fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0 || !set_timeouts(fd, 100)) continue;
      ++connections;
      // A thread per connection: the bench opens one at a time, and the process's exit ends any
      // that a stalled peer still holds.
      std::thread{[fd, port = ports[i], deadline] {
        if (port == 9) discard(fd);
        if (port == 7) echo(fd, deadline);
        if (port == 80) serve_bytes(fd, deadline);
        ::close(fd);
      }}.detach();
    }
  }
  std::printf("tcp-load serve: %lu connections\n", connections);
  std::fflush(stdout);
  std::_Exit(0);
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
    std::fprintf(stderr, "tcp-load: %s (see tcp-load --help)\n", error.c_str());
    return 2;
  }
  if (o.mode == "send") return run_send(o);
  if (o.mode == "rr") return run_rr(o);
  if (o.mode == "hold") return run_hold(o);
  return run_serve(o);
}
