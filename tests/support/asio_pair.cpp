#include "tests/support/asio_pair.hpp"

namespace tapstack::test {

stack_config two_host_config(std::uint8_t last_octet) {
  stack_config c;
  c.mac = mac_address{{0x02, 0x74, 0x73, 0x00, 0x00, last_octet}};
  c.address = ipv4_cidr{ipv4_address{0x0a000000u | last_octet}, 24};
  c.gateway.reset();
  return c;
}

}  // namespace tapstack::test
