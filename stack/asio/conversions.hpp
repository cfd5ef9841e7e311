#pragma once
// Between the core and Asio: the core's errors are std::error_code with errno values, as Asio's
// system errors are on Linux; its endpoints are ipv4_endpoint. One place for the UDP and TCP faces.
#include <system_error>

#include "stack/asio/asio.hpp"
#include "stack/wire/address.hpp"

namespace tapstack {

inline boost::system::error_code to_asio(std::error_code ec) {
  return ec ? boost::system::error_code{ec.value(), boost::system::system_category()}
            : boost::system::error_code{};
}

// Endpoint is asio::ip::udp::endpoint or asio::ip::tcp::endpoint.
template <class Endpoint>
Endpoint to_asio_endpoint(const ipv4_endpoint& e) {
  return {asio::ip::address_v4{e.address.value}, e.port};
}

// address_family_not_supported for anything but IPv4.
template <class Endpoint>
boost::system::error_code from_asio(const Endpoint& e, ipv4_endpoint& out) {
  if (!e.address().is_v4()) return asio::error::address_family_not_supported;
  out = {ipv4_address{e.address().to_v4().to_uint()}, e.port()};
  return {};
}

}  // namespace tapstack
