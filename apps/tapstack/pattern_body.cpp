#include "apps/tapstack/pattern_body.hpp"

#include <array>

namespace tapstack {
namespace {

// The period, then as much again as a slice can take past its start.
constexpr std::size_t table_size = pattern_period + pattern_slice_size;

constexpr std::array<std::uint8_t, table_size> make_table() {
  std::array<std::uint8_t, table_size> table{};
  for (std::size_t i = 0; i < table_size; ++i)
    table[i] = static_cast<std::uint8_t>(i % pattern_period);
  return table;
}

constexpr auto table = make_table();

}  // namespace

asio::const_buffer pattern_slice(std::uint64_t offset, std::size_t len) {
  return asio::buffer(table.data() + offset % pattern_period, len);
}

}  // namespace tapstack
