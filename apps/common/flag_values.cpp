#include "apps/common/flag_values.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
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

// "100mbit", "10gbit": the largest unit that keeps the figure whole, as tc prints rates.
std::string rate_text(std::uint64_t bps) {
  static constexpr std::pair<std::uint64_t, std::string_view> units[] = {
      {1'000'000'000, "gbit"}, {1'000'000, "mbit"}, {1'000, "kbit"}};
  for (const auto& [scale, name] : units)
    if (bps >= scale && bps % scale == 0) return std::to_string(bps / scale) + std::string{name};
  return std::to_string(bps) + "bit";
}

// "0.5%": as short as the share allows.
std::string percent_text(double share) {
  char out[32];
  std::snprintf(out, sizeof out, "%g%%", share * 100);
  return out;
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
  std::string unit;
  for (const char c : text.substr(digits)) unit += static_cast<char>(std::tolower(c));
  // As dd and coreutils read them: k, m, g and kib, mib, gib are powers of 1024; kb, mb, gb of
  // 1000.
  static constexpr std::pair<std::string_view, std::size_t> units[] = {
      {"", 1},          {"k", 1 << 10},   {"m", 1 << 20}, {"g", 1 << 30},    {"kib", 1 << 10},
      {"mib", 1 << 20}, {"gib", 1 << 30}, {"kb", 1'000},  {"mb", 1'000'000}, {"gb", 1'000'000'000}};
  for (const auto& [name, scale] : units)
    if (unit == name) {
      if (value > SIZE_MAX / scale) return std::nullopt;
      return value * scale;
    }
  return std::nullopt;
}

std::optional<std::uint64_t> parse_rate(std::string_view text) {
  const auto parts = split(text);
  if (!parts) return std::nullopt;
  const auto [value, unit] = *parts;
  std::string lower;
  for (const char ch : unit)
    lower += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  static constexpr std::pair<std::string_view, double> units[] = {
      {"bit", 1}, {"kbit", 1e3}, {"mbit", 1e6}, {"gbit", 1e9}};
  for (const auto& [name, scale] : units) {
    if (lower != name) continue;
    const double bps = std::round(value * scale);
    // A terabit is past any link a simulation or a tap carries; it keeps the figure exact.
    if (bps > 1e12) return std::nullopt;
    return static_cast<std::uint64_t>(bps);
  }
  return std::nullopt;
}

std::optional<double> parse_percent(std::string_view text) {
  const auto parts = split(text);
  if (!parts) return std::nullopt;
  const auto [value, unit] = *parts;
  if (unit.empty() && value == 0) return 0.0;
  if (unit != "%" || value > 100) return std::nullopt;
  return value / 100;
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
             "a size like 64k, 4m or 100MB (k, m, g: powers of 1024; kB, MB, GB: of 1000), from " +
                 std::to_string(min) + " to " + std::to_string(max) + " bytes");
  return *n;
}

std::uint64_t rate_flag(const std::string& flag, const std::string& text, std::uint64_t min,
                        std::uint64_t max) {
  const auto r = parse_rate(text);
  if (!r || *r < min || *r > max)
    bad_flag(flag, text,
             "a rate like 100mbit or 1.5gbit (k = 1000 bits per second), from " + rate_text(min) +
                 " to " + rate_text(max));
  return *r;
}

double percent_flag(const std::string& flag, const std::string& text, double min, double max) {
  const auto p = parse_percent(text);
  if (!p || *p < min || *p > max)
    bad_flag(flag, text,
             "a percentage like 0.5%, from " + percent_text(min) + " to " + percent_text(max));
  return *p;
}

}  // namespace tapstack
