// tapstack-fetch: an HTTP/1.1 client (Boost.Beast over tapstack's TCP) from a tapstack host on a
// tap. Fetches one http:// URL, resolving its host name through the DNS resolver when it is not an
// address, writes the body to -o FILE or standard output, shows a progress bar on a terminal, and
// ends with a summary line: bytes, time, rate. Exit status 0 for a 2xx answer, 1 otherwise.
#include <unistd.h>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <limits>

#include "apps/common/app_host.hpp"
#include "apps/common/command_line.hpp"
#include "apps/common/dns_resolver.hpp"
#include "apps/common/program.hpp"
#include "stack/asio/tcp_socket.hpp"

namespace po = boost::program_options;
namespace beast = boost::beast;
namespace http = beast::http;
using namespace tapstack;

namespace {

struct url {
  std::string host;
  std::uint16_t port = 80;
  std::string target = "/";
};

url parse_url(const std::string& text) {
  const std::string scheme = "http://";
  if (text.rfind("https://", 0) == 0)
    throw usage_error("https is not supported: tapstack speaks plain HTTP (use http://)");
  if (text.rfind(scheme, 0) != 0)
    throw usage_error("invalid URL '" + text + "': expected http://HOST[:PORT][/PATH]");
  url u;
  const std::string rest = text.substr(scheme.size());
  const auto slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  if (slash != std::string::npos) u.target = rest.substr(slash);
  if (const auto colon = authority.find(':'); colon != std::string::npos) {
    const std::string port = authority.substr(colon + 1);
    unsigned long p = 0;
    if (port.empty() || port.find_first_not_of("0123456789") != std::string::npos ||
        port.size() > 5 || (p = std::stoul(port)) == 0 || p > 65535)
      throw usage_error("invalid port '" + port + "' in URL");
    u.port = static_cast<std::uint16_t>(p);
    authority.resize(colon);
  }
  if (authority.empty()) throw usage_error("invalid URL '" + text + "': no host");
  u.host = authority;
  return u;
}

std::string human_bytes(double bytes) {
  char out[32];
  if (bytes >= 1e9)
    std::snprintf(out, sizeof out, "%.2f GB", bytes / 1e9);
  else if (bytes >= 1e6)
    std::snprintf(out, sizeof out, "%.1f MB", bytes / 1e6);
  else if (bytes >= 1e3)
    std::snprintf(out, sizeof out, "%.1f kB", bytes / 1e3);
  else
    std::snprintf(out, sizeof out, "%.0f B", bytes);
  return out;
}

struct fetch_options {
  url target;
  std::string output;  // empty: standard output
  resolver_options resolver;
};

asio::awaitable<int> fetch(host& node, const fetch_options& o) {
  asio::ip::address_v4 address;
  boost::system::error_code parse_error;
  address = asio::ip::make_address_v4(o.target.host, parse_error);
  if (parse_error) {
    const auto name = dns::domain_name::parse(o.target.host);
    if (!name) throw std::runtime_error("invalid host name '" + o.target.host + "'");
    dns_resolver resolver{node, o.resolver};
    const auto resolved = co_await resolver.resolve_v4(*name);
    if (!resolved) throw std::runtime_error("cannot resolve '" + o.target.host + "'");
    address = *resolved;
  }

  tcp::socket socket{node};
  co_await socket.async_connect(tcp::endpoint{address, o.target.port}, asio::use_awaitable);
  http::request<http::empty_body> req{http::verb::get, o.target.target, 11};
  req.set(http::field::host, o.target.host);
  req.set(http::field::user_agent, "tapstack-fetch");
  req.keep_alive(false);
  co_await http::async_write(socket, req, asio::use_awaitable);

  beast::flat_buffer buffer;
  http::response_parser<http::buffer_body> parser;
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  co_await http::async_read_header(socket, buffer, parser, asio::use_awaitable);
  const auto status = parser.get().result_int();
  const auto expected = parser.content_length();

  std::ofstream file;
  if (!o.output.empty()) {
    file.open(o.output, std::ios::binary);
    if (!file) throw std::runtime_error("cannot write '" + o.output + "'");
  }
  std::ostream& out = o.output.empty() ? std::cout : file;
  const bool progress = ::isatty(STDERR_FILENO) != 0;
  const instant start = node.now();
  std::uint64_t received = 0;
  std::array<char, 65536> chunk;
  while (!parser.is_done()) {
    parser.get().body().data = chunk.data();
    parser.get().body().size = chunk.size();
    boost::system::error_code ec;
    co_await http::async_read(socket, buffer, parser,
                              asio::redirect_error(asio::use_awaitable, ec));
    if (ec == http::error::need_buffer) ec = {};
    if (ec) throw boost::system::system_error(ec, "reading the body");
    const std::size_t n = chunk.size() - parser.get().body().size;
    out.write(chunk.data(), static_cast<std::streamsize>(n));
    received += n;
    if (progress) {
      const double secs = std::chrono::duration<double>(node.now() - start).count();
      std::cerr << "\r  " << human_bytes(double(received));
      if (expected)
        std::cerr << " / " << human_bytes(double(*expected)) << "  "
                  << (100 * received / std::max<std::uint64_t>(*expected, 1)) << "%";
      if (secs > 0) std::cerr << "  " << human_bytes(double(received) / secs) << "/s";
      std::cerr << "   " << std::flush;
    }
  }
  out.flush();
  const double secs = std::chrono::duration<double>(node.now() - start).count();
  if (progress) std::cerr << '\n';
  char summary[160];
  std::snprintf(summary, sizeof summary,
                "tapstack-fetch: HTTP %u, %llu bytes in %.3f s, %.1f Mbit/s\n", status,
                static_cast<unsigned long long>(received), secs,
                secs > 0 ? double(received) * 8 / secs / 1e6 : 0.0);
  std::cerr << summary;
  co_return status >= 200 && status < 300 ? 0 : exit_failure;
}

int run(int argc, char** argv) {
  std::string target, output, dns_server;
  po::options_description own{"Fetch"};
  own.add_options()("url", po::value(&target), "the http:// URL to fetch")(
      "output,o", po::value(&output), "write the body to this file (default: standard output)")(
      "dns-server", po::value(&dns_server), "DNS server for host names (default: --gateway)");
  po::positional_options_description positional;
  positional.add("url", 1);
  po::variables_map vm;
  const auto options = parse_command_line(
      argc, argv,
      "Usage: tapstack-fetch [options] URL\n\n"
      "Fetches an http:// URL with HTTP/1.1 from a tapstack host on a tap (the host flags below),\n"
      "resolving host names with DNS over the stack's UDP. Exit status 0 for a 2xx answer.\n",
      own, vm, positional);
  if (!options) return 0;
  if (target.empty()) throw usage_error("missing URL");
  fetch_options o;
  o.target = parse_url(target);
  o.output = output;
  std::optional<ipv4_address> server = options->stack.gateway;
  if (!dns_server.empty()) server = ipv4_address::parse(dns_server);
  if (!dns_server.empty() && !server)
    throw usage_error("invalid value '" + dns_server +
                      "' for --dns-server: expected an IPv4 address");
  if (server) o.resolver.server = udp::endpoint{asio::ip::address_v4{server->value}, 53};
  o.resolver.seed = options->stack.seed;

  app_host app{"tapstack-fetch", *options, true};
  app.node().start();
  int status = exit_failure;
  asio::co_spawn(app.io(), fetch(app.node(), o), [&](std::exception_ptr error, int result) {
    app.node().stop();
    if (!error) {
      status = result;
      return;
    }
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      std::cerr << "tapstack-fetch: " << e.what() << '\n';
    }
  });
  app.io().run();
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  return run_program("tapstack-fetch", [&] { return run(argc, argv); });
}
