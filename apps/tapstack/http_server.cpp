#include "apps/tapstack/http_server.hpp"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstdio>
#include <memory>
#include <sstream>

namespace tapstack {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;

constexpr std::size_t chunk_size = 64 * 1024;

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

// /bytes/N: the header with the length, then the generated bytes, written as they are made.
asio::awaitable<void> stream_bytes(tcp::socket& socket, const http::request<http::string_body>& req,
                                   std::uint64_t n) {
  http::response<http::empty_body> res{http::status::ok, req.version()};
  common_fields(res, req);
  res.set(http::field::content_type, "application/octet-stream");
  res.content_length(n);
  http::response_serializer<http::empty_body> header{res};
  co_await http::async_write_header(socket, header, asio::use_awaitable);
  if (req.method() == http::verb::head) co_return;
  std::vector<std::uint8_t> chunk(chunk_size);
  for (std::uint64_t sent = 0; sent < n;) {
    const auto len = static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), n - sent));
    for (std::size_t i = 0; i < len; ++i) chunk[i] = static_cast<std::uint8_t>((sent + i) % 251);
    co_await asio::async_write(socket, asio::buffer(chunk.data(), len), asio::use_awaitable);
    sent += len;
  }
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

asio::awaitable<void> serve(host& h, std::shared_ptr<tcp::socket> socket,
                            std::optional<std::filesystem::path> root) {
  beast::flat_buffer buffer;
  for (;;) {
    http::request<http::string_body> req;
    boost::system::error_code ec;
    co_await http::async_read(*socket, buffer, req, asio::redirect_error(asio::use_awaitable, ec));
    if (ec == http::error::end_of_stream || ec == asio::error::eof) break;
    if (ec) {
      // A request Beast could not parse: 400, then close (the stream's framing is lost).
      http::request<http::string_body> dummy{http::verb::get, "/", 11};
      dummy.keep_alive(false);
      co_await http::async_write(
          *socket,
          text_response(dummy, http::status::bad_request, "bad request: " + ec.message() + "\n"),
          asio::redirect_error(asio::use_awaitable, ec));
      break;
    }
    const std::string target{req.target()};
    if (req.method() != http::verb::get && req.method() != http::verb::head) {
      co_await http::async_write(
          *socket, text_response(req, http::status::method_not_allowed, "GET and HEAD only\n"),
          asio::use_awaitable);
    } else if (target == "/" || target == "/status.json") {
      const bool json = target != "/";
      co_await http::async_write(
          *socket,
          text_response(req, http::status::ok, status(h, json),
                        json ? "application/json" : "text/html; charset=utf-8"),
          asio::use_awaitable);
    } else if (target.starts_with("/bytes/")) {
      if (const auto n = parse_count(std::string_view{target}.substr(7)))
        co_await stream_bytes(*socket, req, *n);
      else
        co_await http::async_write(
            *socket, text_response(req, http::status::bad_request, "/bytes/N takes a number\n"),
            asio::use_awaitable);
    } else if (root && target.find("..") == std::string::npos && target.front() == '/') {
      const auto path = *root / target.substr(1);
      http::file_body::value_type file;
      if (std::filesystem::is_regular_file(path))
        file.open(path.c_str(), beast::file_mode::scan, ec);
      if (!std::filesystem::is_regular_file(path) || ec) {
        co_await http::async_write(*socket,
                                   text_response(req, http::status::not_found, "not found\n"),
                                   asio::use_awaitable);
      } else if (req.method() == http::verb::head) {
        http::response<http::empty_body> res{http::status::ok, req.version()};
        common_fields(res, req);
        res.set(http::field::content_type, content_type(path));
        res.content_length(file.size());
        co_await http::async_write(*socket, res, asio::use_awaitable);
      } else {
        http::response<http::file_body> res{http::status::ok, req.version()};
        common_fields(res, req);
        res.set(http::field::content_type, content_type(path));
        res.body() = std::move(file);
        res.prepare_payload();
        co_await http::async_write(*socket, res, asio::use_awaitable);
      }
    } else {
      co_await http::async_write(
          *socket, text_response(req, http::status::not_found, "not found\n"), asio::use_awaitable);
    }
    if (!req.keep_alive()) break;
  }
  socket->shutdown(asio::socket_base::shutdown_send);
}

}  // namespace

http_server::http_server(host& h, std::optional<std::filesystem::path> root, std::uint16_t port)
    : host_{h}, root_{std::move(root)}, acceptor_{h}, port_{port} {}

void http_server::start() {
  tcp::error_code ec;
  acceptor_.bind(tcp::endpoint{asio::ip::tcp::v4(), port_}, ec);
  if (!ec) acceptor_.listen(128, ec);
  if (ec) throw boost::system::system_error(ec, "TCP port " + std::to_string(port_));
  accept();
}

void http_server::accept() {
  auto peer = std::make_shared<tcp::socket>(host_);
  acceptor_.async_accept(*peer, [this, peer](tcp::error_code ec) {
    if (ec == asio::error::operation_aborted) return;
    if (!ec)
      asio::co_spawn(host_.get_executor(), serve(host_, peer, root_),
                     [](std::exception_ptr) {});  // a connection that fails just ends
    accept();
  });
}

}  // namespace tapstack
