#pragma once
// Values as people write them on a command line: numbers, times like "200ms" or "1.5s", sizes
// like "256k" or "4M", rates like "100mbit", percentages like "0.5%". The parse_ functions return
// nullopt for anything else (no unit, a negative number, trailing text, an overflow); the _flag
// functions also check a range and throw a usage_error that names the flag, the value and the
// expected form.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "stack/base/time.hpp"

namespace tapstack {

// A decimal number and a unit: us, ms, s, m (minutes) or h. "0" alone is zero; any other number
// needs its unit, so "200" cannot be misread as seconds or milliseconds.
std::optional<duration> parse_duration(std::string_view text);

// Bytes: a whole number, optionally followed by a unit in either case: k, m, g or KiB, MiB, GiB
// (powers of 1024), or kB, MB, GB (powers of 1000), as dd reads them.
std::optional<std::size_t> parse_size(std::string_view text);

// Bits per second: a decimal number and a unit, bit, kbit, mbit or gbit (powers of 1000, as tc
// writes them, either case). There is no bare number: "100" could be bits or bytes.
std::optional<std::uint64_t> parse_rate(std::string_view text);

// A percentage, "0.5%" or "20%", returned as a share from 0 to 1; "0" alone is zero.
std::optional<double> parse_percent(std::string_view text);

[[noreturn]] void bad_flag(const std::string& flag, const std::string& value,
                           const std::string& want);
std::uint64_t unsigned_flag(const std::string& flag, const std::string& text, std::uint64_t min,
                            std::uint64_t max, const std::string& want);
duration duration_flag(const std::string& flag, const std::string& text, duration min,
                       duration max);
// "on" or "off".
bool switch_flag(const std::string& flag, const std::string& text);
std::size_t size_flag(const std::string& flag, const std::string& text, std::size_t min,
                      std::size_t max);
// min and max in bits per second.
std::uint64_t rate_flag(const std::string& flag, const std::string& text, std::uint64_t min,
                        std::uint64_t max);
// min and max as shares (0.2 for 20%).
double percent_flag(const std::string& flag, const std::string& text, double min, double max);

}  // namespace tapstack
