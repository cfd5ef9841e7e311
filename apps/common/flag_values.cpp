#include "apps/common/flag_values.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <utility>

#include "apps/common/program.hpp"

namespace tapstack {
namespace {

// Splits "1.5ms" into 1.5 and "ms"; nullopt when it does not start with a number (a sign is not
// one, so nothing negative gets through).
std::optional<std::pair<double, std::string_view>> split(std::string_view text) {
  std::size_t digits = 0;
  while (digits < text.size() &&
         (std::isdigit(static_cast<unsigned char>(text[digits])) || text[digits] == '.'))
    ++digits;
  if (digits == 0) return std::nullopt;
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + digits, value);
  if (ec != std::errc{} || end != text.data() + digits || !std::isfinite(value))
    return std::nullopt;
  return std::pair{value, text.substr(digits)};
}

}  // namespace

std::optional<duration> parse_duration(std::string_view text) {
  const auto parts = split(text);
  if (!parts) return std::nullopt;
  const auto [value, unit] = *parts;
  if (unit.empty()) {
    if (value == 0) return duration{};
    return std::nullopt;
  }
  static constexpr std::pair<std::string_view, double> units[] = {
      {"us", 1e-6}, {"ms", 1e-3}, {"s", 1}, {"m", 60}, {"h", 3600}};
  for (const auto& [name, seconds] : units) {
    if (unit != name) continue;
    const double ns = std::round(value * seconds * 1e9);
    // A day is far past any timer a host has; it also keeps the nanosecond count exact.
    if (ns > 86400e9) return std::nullopt;
    return duration{static_cast<duration::rep>(ns)};
  }
  return std::nullopt;
}

std::optional<std::size_t> parse_size(std::string_view text) {
  std::size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  std::size_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + digits, value);
  if (digits == 0 || ec != std::errc{}) return std::nullopt;
  const std::string_view unit = text.substr(digits);
  unsigned shift = 0;
  if (unit.size() > 1) return std::nullopt;
  if (unit.size() == 1) {
    switch (std::tolower(static_cast<unsigned char>(unit[0]))) {
      case 'k':
        shift = 10;
        break;
      case 'm':
        shift = 20;
        break;
      case 'g':
        shift = 30;
        break;
      default:
        return std::nullopt;
    }
  }
  if (value > (SIZE_MAX >> shift)) return std::nullopt;
  return value << shift;
}

void bad_flag(const std::string& flag, const std::string& value, const std::string& want) {
  throw usage_error("invalid value '" + value + "' for " + flag + ": expected " + want);
}

std::uint64_t unsigned_flag(const std::string& flag, const std::string& text, std::uint64_t min,
                            std::uint64_t max, const std::string& want) {
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || v < min || v > max)
    bad_flag(flag, text, want);
  return v;
}

duration duration_flag(const std::string& flag, const std::string& text, duration min,
                       duration max) {
  const auto d = parse_duration(text);
  if (!d || *d < min || *d > max)
    bad_flag(flag, text,
             "a time like 200ms or 1.5s, from " + to_string(min) + " to " + to_string(max));
  return *d;
}

bool switch_flag(const std::string& flag, const std::string& text) {
  if (text == "on") return true;
  if (text == "off") return false;
  bad_flag(flag, text, "on or off");
}

std::size_t size_flag(const std::string& flag, const std::string& text, std::size_t min,
                      std::size_t max) {
  const auto n = parse_size(text);
  if (!n || *n < min || *n > max)
    bad_flag(flag, text,
             "a size like 64k or 4m (k = 1024 bytes), from " + std::to_string(min) + " to " +
                 std::to_string(max) + " bytes");
  return *n;
}

}  // namespace tapstack
