// The toy host's HTTP server over two hosts on a socket pair, its limits set short so that the
// io_context runs through them in a fraction of a second (real time: the timers are Asio's, but
// nothing here sleeps): a client that stops halfway through a header gets 408 and a close, a
// silent one and an idle kept-alive one a close, an oversized header 431, an oversized body 413.
// Routes take decoded targets without their query, and files come from --http-root's mapping
// (the unit tests' golden directory serves as the root, or a temporary one a test fills). /bytes/N
// sends what it always has, at any length; a file of many read chunks arrives whole; a small
// response leaves the server as one segment, counted by host b's tcp_segments_out.
#include <doctest/doctest.h>
#include <stdlib.h>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "apps/tapstack/buffered_file_body.hpp"
#include "apps/tapstack/http_server.hpp"
#include "apps/tapstack/pattern_body.hpp"
#include "tests/support/asio_pair.hpp"

namespace tapstack::test {
namespace {

using namespace std::chrono_literals;
using namespace std::string_literals;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp::error_code;
using clock_type = std::chrono::steady_clock;

const tcp::endpoint server_endpoint{asio::ip::make_address_v4("10.0.0.2"), 80};
const std::filesystem::path golden = TAPSTACK_SOURCE_DIR "/tests/unit/golden";

// Short limits, each far from the others, so a test tells which one ended a connection.
constexpr http_limits short_limits{.header_timeout = 100ms,
                                   .keepalive_timeout = 100ms,
                                   .header_limit = 8 * 1024,
                                   .body_limit = 1024};

struct served {
  std::string received;
  error_code end;             // what ended the reading: eof when the server closed
  clock_type::duration took;  // from the first byte sent to the end
};

// Sends raw bytes to a server on host b, then reads whatever comes until the connection ends.
served talk(const http_limits& limits, const std::string& request) {
  asio_pair net;
  http_server server{net.b, http_root{golden}, limits};
  server.start();
  served out;
  asio::co_spawn(
      net.io,
      [&]() -> asio::awaitable<void> {
        tcp::socket client{net.a};
        co_await client.async_connect(server_endpoint, asio::use_awaitable);
        const auto start = clock_type::now();
        co_await asio::async_write(client, asio::buffer(request), asio::use_awaitable);
        co_await asio::async_read(client, asio::dynamic_buffer(out.received),
                                  asio::redirect_error(asio::use_awaitable, out.end));
        out.took = clock_type::now() - start;
        net.stop();
      },
      asio::detached);
  net.io.run_for(10s);
  return out;
}

// The status line of the first response.
std::string status_line(const std::string& received) {
  return received.substr(0, received.find("\r\n"));
}

TEST_CASE("http a request header that stops halfway gets 408 and a close after the timeout") {
  auto limits = short_limits;
  limits.keepalive_timeout = 10s;
  const auto got = talk(limits, "GET / HTTP/1.1\r\nHost: 10.0.0.2\r\nX-Slow: ");
  CHECK(status_line(got.received) == "HTTP/1.1 408 Request Timeout");
  CHECK(got.received.find("Connection: close") != std::string::npos);
  CHECK(got.end == asio::error::eof);
  CHECK(got.took >= 100ms);
  CHECK(got.took < 5s);
}

TEST_CASE("http a connection that never sends a byte is closed without an answer") {
  const auto got = talk(short_limits, "");
  CHECK(got.received.empty());
  CHECK(got.end == asio::error::eof);
  CHECK(got.took >= 100ms);
  CHECK(got.took < 5s);
}

TEST_CASE("http a kept-alive connection idle past the keep-alive timeout is closed quietly") {
  auto limits = short_limits;
  limits.header_timeout = 10s;  // so a close within seconds is the keep-alive timeout's
  limits.keepalive_timeout = 50ms;
  const auto got = talk(limits, "GET /bytes/3 HTTP/1.1\r\nHost: 10.0.0.2\r\n\r\n");
  CHECK(status_line(got.received) == "HTTP/1.1 200 OK");
  CHECK(got.received.ends_with("\r\n\r\n\x00\x01\x02"s));  // one response, nothing after it
  CHECK(got.end == asio::error::eof);
  CHECK(got.took >= 50ms);
  CHECK(got.took < 5s);
}

TEST_CASE("http a 20 KiB header gets 431") {
  const std::string request =
      "GET / HTTP/1.1\r\nHost: 10.0.0.2\r\nX-Big: " + std::string(20 * 1024, 'a') + "\r\n\r\n";
  const auto got = talk(short_limits, request);
  CHECK(status_line(got.received) == "HTTP/1.1 431 Request Header Fields Too Large");
  CHECK(got.end == asio::error::eof);
}

TEST_CASE("http a body over the limit gets 413, one within it is read and ignored") {
  const auto too_big =
      talk(short_limits, "GET / HTTP/1.1\r\nContent-Length: 2000\r\n\r\n" + std::string(2000, 'b'));
  CHECK(status_line(too_big.received) == "HTTP/1.1 413 Payload Too Large");
  CHECK(too_big.end == asio::error::eof);

  const auto small = talk(short_limits,
                          "GET /bytes/1 HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789"
                          "GET /bytes/2 HTTP/1.1\r\nConnection: close\r\n\r\n");
  CHECK(status_line(small.received) == "HTTP/1.1 200 OK");
  CHECK(small.received.ends_with("\r\n\r\n\x00\x01"s));  // the second request's answer
}

TEST_CASE("http a request that does not parse gets 400 and a close") {
  const auto got = talk(short_limits, "NOT HTTP AT ALL\r\n\r\n");
  CHECK(status_line(got.received) == "HTTP/1.1 400 Bad Request");
  CHECK(got.end == asio::error::eof);
}

std::string file_text(const std::filesystem::path& p) {
  std::ifstream in{p, std::ios::binary};
  return {std::istreambuf_iterator<char>{in}, {}};
}

using response = http::response<http::string_body>;

// A response a client on host a read whole: its length on the wire, header and body, and the
// payload of each TCP segment with data that host b sent from the request's write until then.
struct exchange {
  response res;
  std::size_t size = 0;
  std::vector<byte_vector> segments;
};

// Sends a request for each target in turn, on one kept-alive connection, to a server on host b
// that serves root; each response is read before the next request goes, and before_each(target)
// runs before each request.
std::map<std::string, exchange> exchanges(
    const std::filesystem::path& root, const std::vector<std::string>& targets,
    http::verb method = http::verb::get,
    const std::function<void(const std::string&)>& before_each = {}) {
  asio_pair net;
  http_server server{net.b, http_root{root}, short_limits};
  server.start();
  net.sent_by_b.keeping = true;
  std::map<std::string, exchange> got;
  asio::co_spawn(
      net.io,
      [&]() -> asio::awaitable<void> {
        tcp::socket client{net.a};
        co_await client.async_connect(server_endpoint, asio::use_awaitable);
        beast::flat_buffer buffer;
        for (const auto& target : targets) {
          http::request<http::string_body> req{method, target, 11};
          req.set(http::field::host, "10.0.0.2");
          if (before_each) before_each(target);
          net.sent_by_b.sent.clear();
          co_await http::async_write(client, req, asio::use_awaitable);
          http::response_parser<http::string_body> parser;
          parser.skip(method == http::verb::head);  // a HEAD response's length has no body
          const auto size = co_await http::async_read(client, buffer, parser, asio::use_awaitable);
          got[target] = {parser.release(), size, tcp_payloads(net.sent_by_b.sent, 80)};
        }
        net.stop();
      },
      asio::detached);
  net.io.run_for(10s);
  return got;
}

TEST_CASE("http routes take decoded targets without their query, on one kept-alive connection") {
  const std::pair<std::string, unsigned> expected[] = {{"/bytes/10?x=1", 200},
                                                       {"/bytes/%31%30", 200},
                                                       {"/status.json?pretty", 200},
                                                       {"/status%2Ejson", 200},
                                                       {"/?a=b", 200},
                                                       {"/#top", 200},
                                                       {"/dns/a-query.hex#f", 200},
                                                       {"/arp-request.hex?x=1", 200},
                                                       {"/dns", 301},
                                                       {"/dns/", 404},
                                                       {"//etc/passwd", 404},
                                                       {"/../CMakeLists.txt", 400},
                                                       {"/%zz", 400},
                                                       {"/bytes/ten", 400}};
  std::vector<std::string> targets;
  for (const auto& [target, status] : expected) targets.push_back(target);
  auto got = exchanges(golden, targets);
  REQUIRE(got.size() == std::size(expected));
  for (const auto& [target, status] : expected) {
    CAPTURE(target);
    CHECK(got[target].res.result_int() == status);
  }
  CHECK(got["/bytes/10?x=1"].res.body() ==
        std::string{"\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09", 10});
  CHECK(got["/bytes/%31%30"].res.body() == got["/bytes/10?x=1"].res.body());
  CHECK(got["/status%2Ejson"].res[http::field::content_type] == "application/json");
  CHECK(got["/?a=b"].res[http::field::content_type] == "text/html; charset=utf-8");
  CHECK(got["/arp-request.hex?x=1"].res.body() == file_text(golden / "arp-request.hex"));
  CHECK(got["/dns/a-query.hex#f"].res.body() == file_text(golden / "dns/a-query.hex"));
  CHECK(got["/dns"].res[http::field::location] == "/dns/");
}

// What /bytes/N has always sent: byte i is i mod 251.
std::string pattern(std::size_t n) {
  std::string out(n, '\0');
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<char>(i % 251);
  return out;
}

TEST_CASE("http /bytes/N sends byte i as i mod 251, across the period and many slices") {
  const std::size_t sizes[] = {0,
                               1,
                               250,
                               251,
                               252,
                               1000,
                               pattern_slice_size - 1,
                               pattern_slice_size,
                               pattern_slice_size + 1,
                               pattern_slice_size + 251,
                               16 * pattern_slice_size + 1234};
  std::vector<std::string> targets;
  for (const auto n : sizes) targets.push_back("/bytes/" + std::to_string(n));
  auto got = exchanges(golden, targets);
  REQUIRE(got.size() == std::size(sizes));
  for (const auto n : sizes) {
    CAPTURE(n);
    const auto& res = got["/bytes/" + std::to_string(n)].res;
    CHECK(res.result_int() == 200);
    CHECK(res[http::field::content_length] == std::to_string(n));
    CHECK((res.body() == pattern(n)));  // in parentheses: a failure prints no megabyte strings
  }
}

TEST_CASE("http a slice of the /bytes pattern starts anywhere in the period") {
  for (const std::uint64_t offset : {0ull, 1ull, 250ull, 251ull, 1'000'000'000'007ull}) {
    CAPTURE(offset);
    const auto slice = pattern_slice(offset, pattern_slice_size);
    REQUIRE(slice.size() == pattern_slice_size);
    const auto* bytes = static_cast<const std::uint8_t*>(slice.data());
    std::size_t wrong = 0;
    for (std::size_t i = 0; i < slice.size(); ++i)
      wrong += std::uint64_t{bytes[i]} != (offset + i) % 251;
    CHECK(wrong == 0);
  }
}

// A root of a test's own: a fresh temporary directory, removed with everything in it at the end.
struct scratch_root {
  scratch_root() {
    std::string name = (std::filesystem::temp_directory_path() / "tapstack-http-XXXXXX").string();
    REQUIRE(::mkdtemp(name.data()) != nullptr);
    path = name;
  }
  ~scratch_root() { std::filesystem::remove_all(path); }
  void write(const std::string& name, const std::string& content) const {
    std::ofstream{path / name, std::ios::binary} << content;
  }
  // Written with its modification time an hour ago: settled, so a file_cache may keep it.
  void write_settled(const std::string& name, const std::string& content) const {
    write(name, content);
    std::filesystem::last_write_time(path / name,
                                     std::filesystem::file_time_type::clock::now() - 1h);
  }

  std::filesystem::path path;
};

// Bytes that repeat neither per chunk nor per 251, so that a chunk sent twice, left out or out of
// place shows.
std::string noise(std::size_t n) {
  std::string out(n, '\0');
  std::uint32_t x = 12345;
  for (auto& c : out) {
    x = x * 1664525 + 1013904223;
    c = static_cast<char>(x >> 24);
  }
  return out;
}

TEST_CASE("http a small response leaves the server as one segment, header and body together") {
  scratch_root root;
  root.write("small.txt", std::string(100, 'x'));
  for (const auto method : {http::verb::get, http::verb::head}) {
    const std::string method_name{http::to_string(method)};
    CAPTURE(method_name);
    // The first request is a fresh connection's, the others follow a response on it.
    auto got = exchanges(root.path, {"/bytes/100", "/small.txt", "/bytes/1000", "/bytes/100?again"},
                         method);
    REQUIRE(got.size() == 4);
    for (auto& [target, exchanged] : got) {
      CAPTURE(target);
      CHECK(exchanged.res.result_int() == 200);
      // Two would be the header alone, then the body once the client acknowledged it: with
      // Nagle's algorithm on and the client's delayed ACK, a 40 ms wait for every response.
      REQUIRE(exchanged.segments.size() == 1);
      CHECK(exchanged.segments[0].size() == exchanged.size);
    }
    const bool head = method == http::verb::head;
    CHECK(got["/bytes/100"].res.body() == (head ? "" : pattern(100)));
    CHECK(got["/bytes/100?again"].res.body() == got["/bytes/100"].res.body());
    CHECK(got["/bytes/100"].res[http::field::content_length] == "100");
    CHECK(got["/small.txt"].res.body() == (head ? "" : std::string(100, 'x')));
    CHECK(got["/small.txt"].res[http::field::content_length] == "100");
    CHECK(got["/small.txt"].res[http::field::content_type] == "text/plain; charset=utf-8");
  }
}

TEST_CASE("http a file of many read chunks arrives intact, and again on the same connection") {
  scratch_root root;
  const std::string content = noise(3 * file_chunk_size + 12345);
  root.write("big.bin", content);
  root.write("chunk.bin", content.substr(0, file_chunk_size));
  auto got = exchanges(root.path, {"/big.bin", "/chunk.bin", "/big.bin?again"});
  REQUIRE(got.size() == 3);
  CHECK(got["/big.bin"].res[http::field::content_length] == std::to_string(content.size()));
  CHECK(got["/big.bin"].res[http::field::content_type] == "application/octet-stream");
  CHECK((got["/big.bin"].res.body() == content));
  CHECK((got["/chunk.bin"].res.body() == content.substr(0, file_chunk_size)));
  CHECK((got["/big.bin?again"].res.body() == content));
}

TEST_CASE("file cache: a settled small file is read once, then served from memory") {
  scratch_root root;
  root.write_settled("a.txt", "first version\n");
  const http_root files{root.path};
  file_cache cache;
  for (int i = 0; i < 3; ++i) {
    const std::string* got = cache.get(files.map("/a.txt"));
    REQUIRE(got);
    CHECK(*got == "first version\n");
  }
  CHECK(cache.files_read() == 1);
  CHECK(cache.bytes() == 14);
}

TEST_CASE("file cache: a file that changed is read again, and one just written is not kept") {
  scratch_root root;
  root.write_settled("a.txt", "first version\n");
  const http_root files{root.path};
  file_cache cache;
  REQUIRE(cache.get(files.map("/a.txt")));
  // The same size, rewritten in place: the same inode, a new modification time.
  root.write("a.txt", "other version\n");
  for (int i = 0; i < 2; ++i) {
    const std::string* got = cache.get(files.map("/a.txt"));
    REQUIRE(got);
    CHECK(*got == "other version\n");
  }
  CHECK(cache.files_read() == 3);
  // Changed between map() and the read: not this cache's to answer for.
  const auto target = files.map("/a.txt");
  root.write("a.txt", "third!\n");
  CHECK_FALSE(cache.get(target));
}

TEST_CASE("file cache: large files are not its, and it keeps at most its bound, oldest first") {
  scratch_root root;
  root.write("big.bin", std::string(file_cache::max_file + 1, 'b'));
  for (const char* name : {"1", "2", "3"}) {
    root.write_settled(name, std::string(100, name[0]));
  }
  const http_root files{root.path};
  file_cache cache{250};
  CHECK_FALSE(cache.get(files.map("/big.bin")));
  CHECK(cache.files_read() == 0);
  for (const char* name : {"/1", "/2", "/3"}) REQUIRE(cache.get(files.map(name)));
  CHECK(cache.bytes() == 200);
  REQUIRE(cache.get(files.map("/3")));
  CHECK(cache.files_read() == 3);
  const std::string* first = cache.get(files.map("/1"));  // gone: read again
  REQUIRE(first);
  CHECK(*first == std::string(100, '1'));
  CHECK(cache.files_read() == 4);
}

TEST_CASE("http a small file changed between two requests is served as it is now") {
  scratch_root root;
  root.write_settled("page.html", "<p>one</p>\n");
  auto got = exchanges(root.path, {"/page.html", "/page.html?again"}, http::verb::get,
                       [&](const std::string& target) {
                         if (target.ends_with("again")) root.write("page.html", "<p>two</p>\n");
                       });
  CHECK(got["/page.html"].res.body() == "<p>one</p>\n");
  CHECK(got["/page.html?again"].res.body() == "<p>two</p>\n");
}

}  // namespace
}  // namespace tapstack::test
