// tapstack-dig: a DNS stub resolver over tapstack's UDP. Asks one question of one server from a
// tapstack host on a tap, with a random ID and source port, retries on silence, and accepts only a
// response that matches the question (RFC 5452's checks). Prints the answers as `dig +short` does,
// or every section with --verbose.
#include <iostream>
#include <random>

#include "apps/common/app_host.hpp"
#include "apps/common/command_line.hpp"
#include "apps/common/program.hpp"
#include "apps/dig/dns_message.hpp"
#include "stack/asio/udp_socket.hpp"
#include "stack/base/rng.hpp"

namespace po = boost::program_options;
using namespace tapstack;

namespace {

// Exit statuses: distinct for each way a lookup ends, so scripts can tell them apart.
constexpr int exit_nxdomain = 3;
constexpr int exit_servfail = 4;
constexpr int exit_other_rcode = 5;
constexpr int exit_no_reply = 9;  // as dig

struct dig_options {
  dns::domain_name name;
  dns::rr_type type = dns::rr_type::a;
  udp::endpoint server;
  duration timeout = std::chrono::seconds{2};
  unsigned tries = 3;
  bool verbose = false;
};

class resolver {
 public:
  resolver(app_host& app, const dig_options& o)
      : app_{app}, o_{o}, socket_{app.node()}, timer_{app.io()} {}

  asio::awaitable<int> run() {
    rng random{app_.options().stack.seed ^ 0x646e73u};
    const auto id = static_cast<std::uint16_t>(random.next());
    const dns::message query = dns::make_query(o_.name, o_.type, id, true);
    const auto bytes = dns::encode(query);
    if (!bytes)
      throw std::runtime_error("cannot encode the query: " + std::string{to_string(bytes.error())});
    socket_.bind(udp::endpoint{asio::ip::udp::v4(), 0});  // a random ephemeral port (RFC 6056)

    for (unsigned attempt = 1; attempt <= o_.tries; ++attempt) {
      const instant sent = app_.node().now();
      co_await socket_.async_send_to(asio::buffer(*bytes), o_.server, asio::use_awaitable);
      if (auto response = co_await await_response(query, sent + o_.timeout))
        co_return report(*response, app_.node().now() - sent);
      if (o_.verbose)
        std::cerr << ";; no reply from " << o_.server << " in " << to_string(o_.timeout)
                  << (attempt < o_.tries ? ", trying again" : "") << '\n';
    }
    std::cerr << "tapstack-dig: no reply from " << o_.server << " after " << o_.tries << " tries\n";
    co_return exit_no_reply;
  }

 private:
  // The first datagram from the server that decodes and matches the query, or nullopt at the
  // deadline. Anything else is dropped, and we keep listening.
  asio::awaitable<std::optional<dns::message>> await_response(const dns::message& query,
                                                              instant deadline) {
    std::array<std::uint8_t, 65535> buffer;
    for (;;) {
      const instant now = app_.node().now();
      if (now >= deadline) co_return std::nullopt;
      timer_.expires_after(deadline - now);
      timer_.async_wait([this](const boost::system::error_code& ec) {
        if (!ec) socket_.cancel();
      });
      udp::endpoint from;
      boost::system::error_code ec;
      const std::size_t n = co_await socket_.async_receive_from(
          asio::buffer(buffer), from, asio::redirect_error(asio::use_awaitable, ec));
      timer_.cancel();
      if (ec == asio::error::operation_aborted) co_return std::nullopt;
      if (ec) throw boost::system::system_error(ec, "receiving from " + to_string_endpoint());
      if (from != o_.server) continue;
      auto response = dns::decode(std::span{buffer}.first(n));
      if (!response) {
        if (o_.verbose)
          std::cerr << ";; dropped a malformed response: " << to_string(response.error()) << '\n';
        continue;
      }
      if (const auto match = dns::match_response(query, *response);
          match != dns::response_match::matches) {
        if (o_.verbose)
          std::cerr << ";; dropped a response that does not match: " << to_string(match) << '\n';
        continue;
      }
      co_return std::move(response).value();
    }
  }

  int report(const dns::message& response, duration took) {
    if (o_.verbose) {
      std::cout << dns::to_string(response) << "\n;; Query time: "
                << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
                << " msec\n;; SERVER: " << o_.server.address() << '#' << o_.server.port()
                << " (UDP)\n";
    } else {
      for (const auto& line : dns::short_lines(response)) std::cout << line << '\n';
    }
    std::cout << std::flush;
    if (response.hdr.tc)
      std::cerr << "tapstack-dig: the response was truncated (TC): only the records that fit in "
                   "one UDP message are shown, and retrying over TCP is not supported yet\n";
    switch (response.hdr.rcode) {
      case dns::rcode::no_error:
        return 0;
      case dns::rcode::name_error:
        std::cerr << "tapstack-dig: " << o_.name.to_string() << ": NXDOMAIN (no such name)\n";
        return exit_nxdomain;
      case dns::rcode::server_failure:
        std::cerr << "tapstack-dig: " << o_.name.to_string() << ": SERVFAIL (the server failed)\n";
        return exit_servfail;
      default:
        std::cerr << "tapstack-dig: " << o_.name.to_string() << ": "
                  << dns::to_string(response.hdr.rcode) << '\n';
        return exit_other_rcode;
    }
  }

  std::string to_string_endpoint() const {
    return o_.server.address().to_string() + "#" + std::to_string(o_.server.port());
  }

  app_host& app_;
  dig_options o_;
  udp::socket socket_;
  asio::steady_timer timer_;
};

int run(int argc, char** argv) {
  std::string name, type = "A", server;
  double timeout = 2;
  unsigned tries = 3, port = 53;
  bool verbose = false;
  po::options_description own{"Query"};
  own.add_options()("name", po::value(&name), "the name to look up")(
      "type,t", po::value(&type)->default_value(type), "A, AAAA, CNAME, MX, TXT, NS (or TYPEnn)")(
      "server", po::value(&server), "the DNS server's IPv4 address (default: --gateway)")(
      "port", po::value(&port)->default_value(port), "the DNS server's port")(
      "timeout", po::value(&timeout)->default_value(timeout), "seconds to wait for each reply")(
      "tries", po::value(&tries)->default_value(tries), "queries to send before giving up")(
      "verbose,v", po::bool_switch(&verbose), "print every section, as dig does");
  po::positional_options_description positional;
  positional.add("name", 1);
  po::variables_map vm;
  auto options = parse_command_line(
      argc, argv,
      "Usage: tapstack-dig [options] NAME\n\n"
      "Looks NAME up with the DNS server at --server from a tapstack host on a tap, over the\n"
      "stack's own UDP, and prints the answers as `dig +short` does (every section with\n"
      "--verbose). Exit status: 0 an answer (possibly empty), 3 NXDOMAIN, 4 SERVFAIL, 5 another\n"
      "error code from the server, 9 no reply, 1 the host could not start, 2 a bad command line.\n"
      "Without --seed the query ID and source port are random; with it, reproducible.\n",
      own, vm, positional);
  if (!options) return 0;

  dig_options o;
  if (name.empty()) throw usage_error("missing NAME: the domain name to look up");
  auto parsed = dns::domain_name::parse(name);
  if (!parsed)
    throw usage_error("invalid NAME '" + name + "': " + std::string{to_string(parsed.error())});
  o.name = *parsed;
  const auto rr = dns::parse_rr_type(type);
  if (!rr)
    throw usage_error("invalid value '" + type +
                      "' for --type: expected A, AAAA, CNAME, MX, TXT, NS or TYPEnn");
  o.type = *rr;
  std::optional<ipv4_address> server_address = options->stack.gateway;
  if (!server.empty()) server_address = ipv4_address::parse(server);
  if (!server_address)
    throw usage_error(server.empty() ? "no --server and no --gateway to ask"
                                     : "invalid value '" + server +
                                           "' for --server: expected an IPv4 address");
  if (port == 0 || port > 65535) throw usage_error("invalid value for --port: expected 1 to 65535");
  o.server =
      udp::endpoint{asio::ip::address_v4{server_address->value}, static_cast<std::uint16_t>(port)};
  if (!(timeout > 0) || timeout > 60)
    throw usage_error("invalid value for --timeout: expected seconds up to 60");
  o.timeout = std::chrono::duration_cast<duration>(std::chrono::duration<double>{timeout});
  if (tries == 0 || tries > 10) throw usage_error("invalid value for --tries: expected 1 to 10");
  o.tries = tries;
  o.verbose = verbose;
  // A resolver's ID and port must be hard to guess (RFC 5452): random unless a seed was asked for.
  if (vm["seed"].defaulted())
    options->stack.seed = std::random_device{}() * 0x100000001ull ^ std::random_device{}();

  app_host app{"tapstack-dig", *options, false};
  app.node().start();
  resolver lookup{app, o};
  int status = exit_failure;
  asio::co_spawn(app.io(), lookup.run(), [&](std::exception_ptr error, int result) {
    app.node().stop();
    if (error) std::rethrow_exception(error);
    status = result;
  });
  app.io().run();
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  return run_program("tapstack-dig", [&] { return run(argc, argv); });
}
