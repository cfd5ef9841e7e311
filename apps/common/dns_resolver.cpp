#include "apps/common/dns_resolver.hpp"

#include <iostream>

#include "stack/base/rng.hpp"

namespace tapstack {

dns_resolver::dns_resolver(host& h, const resolver_options& o)
    : host_{h},
      o_{o},
      socket_{h},
      timer_{h.get_executor()},
      next_id_{rng{o.seed ^ 0x646e73u}.next()} {}

asio::awaitable<std::optional<dns::message>> dns_resolver::query(const dns::domain_name& name,
                                                                 dns::rr_type type) {
  const dns::message question =
      dns::make_query(name, type, static_cast<std::uint16_t>(next_id_++), true);
  const auto bytes = dns::encode(question);
  if (!bytes)
    throw std::runtime_error("cannot encode the query: " + std::string{to_string(bytes.error())});
  if (!socket_.is_open()) socket_.bind(udp::endpoint{asio::ip::udp::v4(), 0});  // RFC 6056

  for (unsigned attempt = 1; attempt <= o_.tries; ++attempt) {
    const instant sent = host_.now();
    co_await socket_.async_send_to(asio::buffer(*bytes), o_.server, asio::use_awaitable);
    if (auto response = co_await await_response(question, sent + o_.timeout)) co_return response;
    if (o_.verbose)
      std::cerr << ";; no reply from " << o_.server << " in " << to_string(o_.timeout)
                << (attempt < o_.tries ? ", trying again" : "") << '\n';
  }
  co_return std::nullopt;
}

asio::awaitable<std::optional<dns::message>> dns_resolver::await_response(
    const dns::message& question, instant deadline) {
  std::array<std::uint8_t, 65535> buffer;
  for (;;) {
    const instant now = host_.now();
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
    if (ec) throw boost::system::system_error(ec, "receiving DNS responses");
    if (from != o_.server) continue;
    auto response = dns::decode(std::span{buffer}.first(n));
    if (!response) {
      if (o_.verbose)
        std::cerr << ";; dropped a malformed response: " << to_string(response.error()) << '\n';
      continue;
    }
    if (const auto match = dns::match_response(question, *response);
        match != dns::response_match::matches) {
      if (o_.verbose)
        std::cerr << ";; dropped a response that does not match: " << to_string(match) << '\n';
      continue;
    }
    co_return std::move(response).value();
  }
}

asio::awaitable<std::optional<asio::ip::address_v4>> dns_resolver::resolve_v4(
    const dns::domain_name& name) {
  const auto response = co_await query(name, dns::rr_type::a);
  if (!response || response->hdr.rcode != dns::rcode::no_error) co_return std::nullopt;
  for (const auto& rr : response->answers)
    if (const auto* a = std::get_if<dns::a_data>(&rr.data))
      co_return asio::ip::address_v4{a->address};  // the bytes as on the wire: network order
  co_return std::nullopt;
}

}  // namespace tapstack
