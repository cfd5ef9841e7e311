#pragma once
// Values as people write them on a command line: numbers, times like "200ms" or "1.5s", sizes
// like "256k" or "4M". The parse_ functions return nullopt for anything else (no unit, a negative
// number, trailing text, an overflow); the _flag functions also check a range and throw a
// usage_error that names the flag, the value and the expected form.
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

// Bytes: a whole number, optionally followed by k, m or g (powers of 1024, either case).
std::optional<std::size_t> parse_size(std::string_view text);

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

}  // namespace tapstack
