// tapstack-dig: a DNS stub resolver over tapstack's UDP. Asks one question of one server from a
// tapstack host on a tap, with a random ID and source port, retries on silence, and accepts only a
// response that matches the question (RFC 5452's checks). Prints the answers as `dig +short` does,
// or every section with --verbose.
#include <iostream>
#include <random>

#include "apps/common/app_host.hpp"
#include "apps/common/command_line.hpp"
#include "apps/common/dns_resolver.hpp"
#include "apps/common/program.hpp"
#include "apps/dig/dns_message.hpp"

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
  resolver_options resolver;
};

// Prints the response as dig would and says how the lookup ended.
int report(const dig_options& o, const dns::message& response, duration took) {
  if (o.resolver.verbose) {
    std::cout << dns::to_string(response) << "\n;; Query time: "
              << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
              << " msec\n;; SERVER: " << o.resolver.server.address() << '#'
              << o.resolver.server.port() << " (UDP)\n";
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
      std::cerr << "tapstack-dig: " << o.name.to_string() << ": NXDOMAIN (no such name)\n";
      return exit_nxdomain;
    case dns::rcode::server_failure:
      std::cerr << "tapstack-dig: " << o.name.to_string() << ": SERVFAIL (the server failed)\n";
      return exit_servfail;
    default:
      std::cerr << "tapstack-dig: " << o.name.to_string() << ": "
                << dns::to_string(response.hdr.rcode) << '\n';
      return exit_other_rcode;
  }
}

asio::awaitable<int> lookup(host& node, const dig_options& o) {
  dns_resolver resolver{node, o.resolver};
  const instant start = node.now();
  const auto response = co_await resolver.query(o.name, o.type);
  if (!response) {
    std::cerr << "tapstack-dig: no reply from " << o.resolver.server << " after "
              << o.resolver.tries << " tries\n";
    co_return exit_no_reply;
  }
  co_return report(o, *response, node.now() - start);
}

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
  o.resolver.server =
      udp::endpoint{asio::ip::address_v4{server_address->value}, static_cast<std::uint16_t>(port)};
  if (!(timeout > 0) || timeout > 60)
    throw usage_error("invalid value for --timeout: expected seconds up to 60");
  o.resolver.timeout = std::chrono::duration_cast<duration>(std::chrono::duration<double>{timeout});
  if (tries == 0 || tries > 10) throw usage_error("invalid value for --tries: expected 1 to 10");
  o.resolver.tries = tries;
  o.resolver.verbose = verbose;
  // A resolver's ID and port must be hard to guess (RFC 5452): random unless a seed was asked for.
  if (vm["seed"].defaulted())
    options->stack.seed = std::random_device{}() * 0x100000001ull ^ std::random_device{}();
  o.resolver.seed = options->stack.seed;

  app_host app{"tapstack-dig", *options, false};
  app.node().start();
  int status = exit_failure;
  asio::co_spawn(app.io(), lookup(app.node(), o), [&](std::exception_ptr error, int result) {
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
