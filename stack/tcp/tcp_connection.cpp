#include "stack/tcp/tcp_connection.hpp"

#include "stack/tcp/tcp_layer.hpp"

namespace tapstack {

tcp_connection::tcp_connection(tcp_layer& layer, host_context& ctx, const tcp_socket_options& o)
    : t{ctx.config.tcp, o, ctx.spare_chunks}, layer_{layer}, ctx_{ctx} {}

void tcp_connection::wake() {
  if (notify && !layer_.stopping()) notify();
}

void tcp_connection::fail(std::errc why, std::string_view cause, instant now) {
  t.error = std::make_error_code(why);
  layer_.change_state(*this, tcp_state::closed, cause, now);
}

}  // namespace tapstack
