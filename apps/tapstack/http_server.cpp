#include "apps/tapstack/http_server.hpp"

#include <fcntl.h>

#include <array>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstdio>
#include <memory>
#include <sstream>
#include <vector>

#include "apps/tapstack/buffered_file_body.hpp"
#include "apps/tapstack/pattern_body.hpp"
#include "apps/tapstack/socket_deadline.hpp"

namespace tapstack {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;

const char* content_type(const std::filesystem::path& p) {
  const auto ext = p.extension().string();
  if (ext == ".html" || ext == ".htm") return "text/html; charset=utf-8";
  if (ext == ".txt") return "text/plain; charset=utf-8";
  if (ext == ".css") return "text/css";
  if (ext == ".js") return "text/javascript";
  if (ext == ".json") return "application/json";
  if (ext == ".png") return "image/png";
  if (ext == ".jpg" || ext == ".jpeg") return "image/jpeg";
  if (ext == ".svg") return "image/svg+xml";
  return "application/octet-stream";
}

// ssthresh starts "arbitrarily high" (RFC 5681 3.1); the congestion controls say so with this.
constexpr std::uint32_t unbounded_ssthresh = UINT32_MAX;

std::string milliseconds(duration d) {
  char out[32];
  std::snprintf(out, sizeof out, "%.3f", static_cast<double>(d.count()) / 1e6);
  return out;
}

std::optional<std::uint32_t> bounded_ssthresh(const tcp_connection_info& c) {
  if (c.ssthresh == unbounded_ssthresh) return std::nullopt;
  return c.ssthresh;
}

// A window in bytes and in segments of the connection's MSS, the unit RFC 5681 reasons in.
std::string window_cell(std::optional<std::uint32_t> bytes, std::uint16_t mss) {
  if (!bytes) return "-";
  return std::to_string(*bytes) + (mss ? " (" + std::to_string(*bytes / mss) + " seg)" : "");
}

std::string rate_cell(std::uint64_t bytes_per_second) {
  if (bytes_per_second == 0) return "-";  // no round trip measured yet
  const double bits = static_cast<double>(bytes_per_second) * 8;
  char out[32];
  if (bits >= 1e9)
    std::snprintf(out, sizeof out, "%.2f Gbit/s", bits / 1e9);
  else if (bits >= 1e6)
    std::snprintf(out, sizeof out, "%.2f Mbit/s", bits / 1e6);
  else
    std::snprintf(out, sizeof out, "%.1f kbit/s", bits / 1e3);
  return out;
}

// The options in force, in ss -i's words.
std::string options_cell(const tcp_connection_info& c) {
  std::string out;
  const auto add = [&out](const std::string& word) { out += (out.empty() ? "" : " ") + word; };
  if (c.sack) add("sack");
  if (c.timestamps) add("ts");
  if (c.snd_wscale && c.rcv_wscale)
    add("wscale " + std::to_string(*c.snd_wscale) + "/" + std::to_string(*c.rcv_wscale));
  return out.empty() ? "none" : out;
}

// Figures that do not exist yet or at all (ssthresh while unbounded, the shift of a connection
// without window scaling) are JSON's null.
template <class T>
std::string number_or_null(const std::optional<T>& v) {
  return v ? std::to_string(+*v) : "null";  // + prints a uint8_t as a number
}

const char* json_bool(bool b) { return b ? "true" : "false"; }

// The connections and counters, as HTML tables or as JSON. Keys are only ever added to the JSON,
// never renamed: scripts read it.
std::string status(host& h, bool json) {
  std::ostringstream out;
  const auto conns = h.core().tcp().connections();
  if (json) {
    out << "{\"address\":\"" << to_string(h.core().config().address) << "\",\"connections\":[";
    for (std::size_t i = 0; i < conns.size(); ++i) {
      const auto& c = conns[i];
      out << (i ? "," : "") << "{\"local\":\"" << to_string(c.tuple.local) << "\",\"remote\":\""
          << to_string(c.tuple.remote) << "\",\"state\":\"" << to_string(c.state)
          << "\",\"snd_una\":" << c.snd_una << ",\"snd_nxt\":" << c.snd_nxt
          << ",\"rcv_nxt\":" << c.rcv_nxt << ",\"snd_wnd\":" << c.snd_wnd
          << ",\"rcv_wnd\":" << c.rcv_wnd << ",\"mss\":" << c.snd_mss
          << ",\"rto_ms\":" << std::chrono::duration_cast<std::chrono::milliseconds>(c.rto).count()
          << ",\"bytes_in_flight\":" << c.bytes_in_flight << ",\"retransmits\":" << c.retransmits
          << ",\"cwnd\":" << c.cwnd << ",\"ssthresh\":" << number_or_null(bounded_ssthresh(c))
          << ",\"in_recovery\":" << json_bool(c.in_recovery)
          << ",\"fast_retransmits\":" << c.fast_retransmits << ",\"timeouts\":" << c.timeouts
          << ",\"srtt_ms\":" << (c.srtt ? milliseconds(*c.srtt) : "null")
          << ",\"rttvar_ms\":" << milliseconds(c.rttvar) << ",\"bytes_acked\":" << c.bytes_acked
          << ",\"delivery_rate_bytes_per_s\":" << c.delivery_rate << ",\"congestion\":\""
          << to_string(c.congestion) << "\",\"sack\":" << json_bool(c.sack)
          << ",\"timestamps\":" << json_bool(c.timestamps)
          << ",\"snd_wscale\":" << number_or_null(c.snd_wscale)
          << ",\"rcv_wscale\":" << number_or_null(c.rcv_wscale)
          << ",\"no_delay\":" << json_bool(c.no_delay)
          << ",\"delayed_ack\":" << json_bool(c.delayed_ack) << "}";
    }
    out << "],\"counters\":{";
    bool first = true;
    for (std::size_t i = 0; i < static_cast<std::size_t>(event::count_); ++i) {
      const auto e = static_cast<event>(i);
      out << (first ? "" : ",") << "\"" << name(e) << "\":" << h.core().stats()[e];
      first = false;
    }
    out << ",\"dropped\":" << h.core().stats().total_drops() << "}}\n";
    return out.str();
  }
  out << "<!doctype html><html><head><title>tapstack " << to_string(h.core().config().address)
      << "</title></head><body><h1>tapstack at " << to_string(h.core().config().address)
      << "</h1><h2>Connections</h2><table border=1><tr><th>local</th><th>remote</th>"
         "<th>state</th><th>snd.una</th><th>snd.nxt</th><th>rcv.nxt</th><th>snd.wnd</th>"
         "<th>rcv.wnd</th><th>rto</th><th>in flight</th><th>retransmits</th></tr>";
  for (const auto& c : conns)
    out << "<tr><td>" << to_string(c.tuple.local) << "</td><td>" << to_string(c.tuple.remote)
        << "</td><td>" << to_string(c.state) << "</td><td>" << c.snd_una << "</td><td>" << c.snd_nxt
        << "</td><td>" << c.rcv_nxt << "</td><td>" << c.snd_wnd << "</td><td>" << c.rcv_wnd
        << "</td><td>" << to_string(c.rto) << "</td><td>" << c.bytes_in_flight << "</td><td>"
        << c.retransmits << "</td></tr>";
  // The same connections, in the same order, by what drives their sending rate.
  out << "</table><h2>Congestion control</h2><table border=1><tr><th>local</th><th>remote</th>"
         "<th>algorithm</th><th>cwnd (bytes)</th><th>ssthresh (bytes)</th><th>recovery</th>"
         "<th>srtt</th><th>rttvar</th><th>delivery rate</th><th>fast retransmits</th>"
         "<th>RTOs</th><th>options (wscale snd/rcv)</th><th>Nagle</th><th>delayed ACK</th></tr>";
  for (const auto& c : conns)
    out << "<tr><td>" << to_string(c.tuple.local) << "</td><td>" << to_string(c.tuple.remote)
        << "</td><td>" << to_string(c.congestion) << "</td><td>" << window_cell(c.cwnd, c.snd_mss)
        << "</td><td>" << window_cell(bounded_ssthresh(c), c.snd_mss) << "</td><td>"
        << (c.in_recovery ? "in recovery" : "no") << "</td><td>"
        << (c.srtt ? to_string(*c.srtt) : "-") << "</td><td>" << to_string(c.rttvar) << "</td><td>"
        << rate_cell(c.delivery_rate) << "</td><td>" << c.fast_retransmits << "</td><td>"
        << c.timeouts << "</td><td>" << options_cell(c) << "</td><td>"
        << (c.no_delay ? "off" : "on") << "</td><td>" << (c.delayed_ack ? "on" : "off")
        << "</td></tr>";
  out << "</table><h2>Counters</h2><pre>" << h.core().stats()
      << "</pre><p><a href=\"/status.json\">status.json</a></p></body></html>\n";
  return out.str();
}

template <class Body>
void common_fields(http::response<Body>& res, const http::request<http::string_body>& req) {
  res.set(http::field::server, "tapstack");
  res.keep_alive(req.keep_alive());
}

http::response<http::string_body> text_response(const http::request<http::string_body>& req,
                                                http::status status, std::string body,
                                                const char* type = "text/plain") {
  http::response<http::string_body> res{status, req.version()};
  common_fields(res, req);
  res.set(http::field::content_type, type);
  if (status == http::status::method_not_allowed) res.set(http::field::allow, "GET, HEAD");
  res.body() = std::move(body);
  res.prepare_payload();
  if (req.method() == http::verb::head) res.body().clear();
  return res;
}

asio::awaitable<void> send_text(tcp::socket& socket, const http::request<http::string_body>& req,
                                http::status status, std::string body) {
  co_await http::async_write(socket, text_response(req, status, std::move(body)),
                             asio::use_awaitable);
}

// A 200 with body, its length and type in the header.
template <class Body>
http::response<Body> ok_response(const http::request<http::string_body>& req, const char* type,
                                 typename Body::value_type body) {
  http::response<Body> res{http::status::ok, req.version(), std::move(body)};
  common_fields(res, req);
  res.set(http::field::content_type, type);
  res.prepare_payload();
  return res;
}

// Sends res, or to HEAD its header alone. Beast writes the header and the start of the body
// together: written apart, the body would wait behind Nagle's algorithm for the header's
// acknowledgment, which the client's delayed ACK holds back (40 ms with Linux), and a small
// response would take that long instead of one round trip. The response is the caller's, made
// before the co_await: a body built in braces as an argument of a coroutine called in a co_await
// was destroyed twice by GCC 12 (a file closed twice, the second time perhaps another's).
template <class Body>
asio::awaitable<void> send_ok(tcp::socket& socket, const http::request<http::string_body>& req,
                              http::response<Body>& res) {
  http::response_serializer<Body> serializer{res};
  if (req.method() == http::verb::head)
    co_await http::async_write_header(socket, serializer, asio::use_awaitable);
  else
    co_await http::async_write(socket, serializer, asio::use_awaitable);
}

std::optional<std::uint64_t> parse_count(std::string_view text) {
  std::uint64_t v = 0;
  if (text.empty() || text.size() > 12) return std::nullopt;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return v;
}

// Opens path for reading into file, with its size: open and fstat, as nginx does. Beast's own
// open adds a posix_fadvise, a system call more per file for a read-ahead hint that a file read in
// 64 KiB chunks does without.
void open_file(const std::filesystem::path& path, http::file_body::value_type& file,
               beast::error_code& ec) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    ec = {errno, boost::system::system_category()};
    return;
  }
  beast::file opened;
  opened.native_handle(fd);
  file.reset(std::move(opened), ec);
}

// What http_root::map made of the target, as an answer. A small file comes from the cache; a larger
// one is read into buffer, which is made at the connection's first such file and serves its later
// ones.
asio::awaitable<void> send_file(tcp::socket& socket, const http::request<http::string_body>& req,
                                const file_target& target, file_cache& cache,
                                std::vector<std::uint8_t>& buffer) {
  using kind = file_target::kind;
  if (target.what == kind::file) {
    if (const std::string* content = cache.get(target)) {
      auto res = ok_response<http::string_body>(req, content_type(target.path), *content);
      co_await send_ok(socket, req, res);
      co_return;
    }
  }
  beast::error_code ec;
  http::file_body::value_type file;
  if (target.what == kind::file) open_file(target.path, file, ec);
  if (target.what == kind::bad_request) {
    co_await send_text(socket, req, http::status::bad_request, "bad request target\n");
  } else if (target.what == kind::redirect) {
    auto res = text_response(req, http::status::moved_permanently, target.location + "\n");
    res.set(http::field::location, target.location);
    co_await http::async_write(socket, res, asio::use_awaitable);
  } else if (target.what == kind::not_found || ec) {
    co_await send_text(socket, req, http::status::not_found, "not found\n");
  } else {
    buffer.resize(file_chunk_size);
    auto res =
        ok_response<buffered_file_body>(req, content_type(target.path), {std::move(file), buffer});
    co_await send_ok(socket, req, res);
  }
}

// Routes on the decoded path, so "/bytes/10?x=1" and "/status%2Ejson" reach their pages.
asio::awaitable<void> respond(host& h, tcp::socket& socket,
                              const http::request<http::string_body>& req,
                              const std::optional<http_root>& root, file_cache& cache,
                              std::vector<std::uint8_t>& file_buffer) {
  const std::string_view target{req.target().data(), req.target().size()};
  const auto path = decoded_path(target);
  if (req.method() != http::verb::get && req.method() != http::verb::head) {
    co_await send_text(socket, req, http::status::method_not_allowed, "GET and HEAD only\n");
  } else if (!path) {
    co_await send_text(socket, req, http::status::bad_request, "bad request target\n");
  } else if (*path == "/" || *path == "/status.json") {
    const bool json = *path != "/";
    co_await http::async_write(
        socket,
        text_response(req, http::status::ok, status(h, json),
                      json ? "application/json" : "text/html; charset=utf-8"),
        asio::use_awaitable);
  } else if (path->starts_with("/bytes/")) {
    if (const auto n = parse_count(std::string_view{*path}.substr(7))) {
      auto res = ok_response<pattern_body>(req, "application/octet-stream", *n);
      co_await send_ok(socket, req, res);
    } else {
      co_await send_text(socket, req, http::status::bad_request, "/bytes/N takes a number\n");
    }
  } else if (root) {
    co_await send_file(socket, req, root->map(target), cache, file_buffer);
  } else {
    co_await send_text(socket, req, http::status::not_found, "not found\n");
  }
}

// The answer to a request that could not be read whole; nullopt when the connection just ends
// (the client closed or reset it, or the host stops), since nobody would read an answer.
std::optional<http::status> read_failure(const beast::error_code& ec, bool timed_out) {
  if (timed_out) return http::status::request_timeout;
  if (ec == http::error::header_limit) return http::status::request_header_fields_too_large;
  if (ec == http::error::body_limit) return http::status::payload_too_large;
  if (ec == http::error::end_of_stream) return std::nullopt;
  // Every other error of Beast's parser is a request that does not parse.
  if (ec.category() == beast::error_code{http::error::bad_target}.category())
    return http::status::bad_request;
  return std::nullopt;
}

// Answers a request that could not be read, then closes in stages (RFC 9112 9.6): FIN after the
// answer, then what the client still sends is read and dropped until it closes. Closing with
// unread data would reset the connection, and a reset can destroy the answer before the client
// reads it. The deadline bounds both stages.
asio::awaitable<void> refuse(tcp::socket& socket, socket_deadline& deadline, duration allowed,
                             http::status status, std::string body) {
  http::request<http::string_body> unread{http::verb::get, "/", 11};
  unread.keep_alive(false);
  deadline.arm(allowed);
  beast::error_code ec;
  co_await http::async_write(socket, text_response(unread, status, std::move(body)),
                             asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return;
  socket.shutdown(asio::socket_base::shutdown_send);
  std::array<char, 4096> dropped;
  while (!ec)
    co_await socket.async_read_some(asio::buffer(dropped),
                                    asio::redirect_error(asio::use_awaitable, ec));
}

// Large enough for a whole ordinary request header: Beast reads the rest in its own steps.
constexpr std::size_t first_read_size = 4096;

asio::awaitable<void> serve(host& h, std::shared_ptr<tcp::socket> socket,
                            std::optional<http_root> root, file_cache& cache, http_limits limits) {
  socket_deadline deadline{socket};
  beast::flat_buffer buffer;
  std::vector<std::uint8_t> file_buffer;  // empty until the connection sends a file
  for (duration silence = limits.header_timeout;; silence = limits.keepalive_timeout) {
    beast::error_code ec;
    // Until a request starts, nothing is owed: silence past its allowance, the client's close or
    // an error ends the connection without a word. A pipelined request has started already.
    if (buffer.size() == 0) {
      deadline.arm(silence);
      buffer.commit(co_await socket->async_read_some(
          buffer.prepare(first_read_size), asio::redirect_error(asio::use_awaitable, ec)));
      if (ec) co_return;
    }
    deadline.arm(limits.header_timeout);
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(limits.header_limit));
    parser.body_limit(limits.body_limit);
    co_await http::async_read(*socket, buffer, parser,
                              asio::redirect_error(asio::use_awaitable, ec));
    deadline.disarm();
    if (ec) {
      const bool late = deadline.expired();
      const auto status = read_failure(ec, late);
      if (!status) co_return;
      // Built before the co_await: GCC 12 destroys temporaries of a conditional expression
      // inside a co_await's operands twice.
      std::string why =
          std::string{http::obsolete_reason(*status)} + ": " +
          (late ? "not sent within " + to_string(limits.header_timeout) : ec.message()) + "\n";
      co_await refuse(*socket, deadline, limits.header_timeout, *status, std::move(why));
      co_return;
    }
    const auto req = parser.release();
    co_await respond(h, *socket, req, root, cache, file_buffer);
    // The socket closes (FIN) when the coroutine ends and drops the last reference to it.
    if (!req.keep_alive()) co_return;
  }
}

}  // namespace

http_server::http_server(host& h, std::optional<http_root> root, http_limits limits,
                         std::uint16_t port)
    : host_{h}, root_{std::move(root)}, limits_{limits}, acceptor_{h}, port_{port} {}

void http_server::start() {
  tcp::error_code ec;
  acceptor_.bind(tcp::endpoint{asio::ip::tcp::v4(), port_}, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw boost::system::system_error(ec, "TCP port " + std::to_string(port_));
  accept();
}

void http_server::accept() {
  auto peer = std::make_shared<tcp::socket>(host_);
  acceptor_.async_accept(*peer, [this, peer](tcp::error_code ec) {
    if (ec == asio::error::operation_aborted) return;
    if (!ec) spawn(peer);
    // Then every connection already waiting (acceptor::accept says why).
    for (auto next = std::make_shared<tcp::socket>(host_); (acceptor_.accept(*next, ec), !ec);
         next = std::make_shared<tcp::socket>(host_))
      spawn(next);
    accept();
  });
}

void http_server::spawn(const std::shared_ptr<tcp::socket>& peer) {
  asio::co_spawn(host_.get_executor(), serve(host_, peer, root_, files_, limits_),
                 [](std::exception_ptr) {});  // a connection that fails just ends
}

}  // namespace tapstack
