#include "stack/held.hpp"

namespace tapstack {
namespace {

// Every field with its name, for none() and to_string() alike.
template <typename F>
void each_field(const held_resources& h, F&& f) {
  f("tcp_sockets", h.tcp_sockets);
  f("tcp_connections", h.tcp_connections);
  f("tcp_bytes", h.tcp_bytes);
  f("udp_sockets", h.udp_sockets);
  f("udp_bytes", h.udp_bytes);
  f("fragment_bytes", h.fragment_bytes);
  f("arp_waiting", h.arp_waiting);
  f("transmit_queue", h.transmit_queue);
}

}  // namespace

bool held_resources::none() const { return to_string() == "nothing"; }

std::string held_resources::to_string() const {
  std::string out;
  each_field(*this, [&out](const char* name, std::size_t value) {
    if (value == 0) return;
    if (!out.empty()) out += ' ';
    out += name;
    out += '=';
    out += std::to_string(value);
  });
  return out.empty() ? "nothing" : out;
}

}  // namespace tapstack
