#include "stack/base/counters.hpp"

#include <iomanip>

namespace tapstack {
namespace {

#define TAPSTACK_NAME(name, text) #name,
#define TAPSTACK_TEXT(name, text) text,
constexpr std::string_view drop_names[] = {TAPSTACK_DROP_REASONS(TAPSTACK_NAME)};
constexpr std::string_view drop_texts[] = {TAPSTACK_DROP_REASONS(TAPSTACK_TEXT)};
constexpr std::string_view event_names[] = {TAPSTACK_EVENTS(TAPSTACK_NAME)};
#undef TAPSTACK_NAME
#undef TAPSTACK_TEXT

}  // namespace

std::string_view name(drop_reason r) { return drop_names[static_cast<std::size_t>(r)]; }
std::string_view description(drop_reason r) { return drop_texts[static_cast<std::size_t>(r)]; }
std::string_view name(event e) { return event_names[static_cast<std::size_t>(e)]; }

std::uint64_t counters::total_drops() const {
  std::uint64_t sum = 0;
  for (auto n : drops_) sum += n;
  return sum;
}

std::ostream& operator<<(std::ostream& os, const counters& c) {
  for (std::size_t i = 0; i < static_cast<std::size_t>(event::count_); ++i) {
    const auto e = static_cast<event>(i);
    os << "  " << std::left << std::setw(32) << name(e) << ' ' << c[e] << '\n';
  }
  os << "  " << std::left << std::setw(32) << "dropped" << ' ' << c.total_drops() << '\n';
  for (std::size_t i = 0; i < static_cast<std::size_t>(drop_reason::count_); ++i) {
    const auto r = static_cast<drop_reason>(i);
    if (c[r] != 0)
      os << "    " << std::left << std::setw(30) << name(r) << ' ' << c[r] << "  ("
         << description(r) << ")\n";
  }
  return os;
}

}  // namespace tapstack
