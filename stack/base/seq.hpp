#pragma once
// TCP sequence numbers: 32-bit values compared modulo 2^32 (RFC 9293 3.4). Every comparison of
// sequence numbers in the project goes through seq_lt/seq_le/seq_gt/seq_ge (Linux's before() and
// after()), never through <, which is wrong across the wrap; seq32 deliberately has no relational
// operators so the compiler enforces it. Meaningful only for values less than 2^31 apart.
#include <cstdint>
#include <string>

namespace tapstack {

class seq32 {
 public:
  constexpr seq32() = default;
  constexpr explicit seq32(std::uint32_t v) : v_{v} {}

  constexpr std::uint32_t value() const { return v_; }
  constexpr seq32 operator+(std::uint32_t n) const { return seq32{v_ + n}; }
  constexpr seq32 operator-(std::uint32_t n) const { return seq32{v_ - n}; }
  constexpr seq32& operator+=(std::uint32_t n) {
    v_ += n;
    return *this;
  }
  // The signed distance from b to a: positive when a is after b.
  friend constexpr std::int32_t operator-(seq32 a, seq32 b) {
    return static_cast<std::int32_t>(a.v_ - b.v_);
  }
  friend constexpr bool operator==(seq32, seq32) = default;

 private:
  std::uint32_t v_ = 0;
};

constexpr bool seq_lt(seq32 a, seq32 b) { return a - b < 0; }
constexpr bool seq_le(seq32 a, seq32 b) { return a - b <= 0; }
constexpr bool seq_gt(seq32 a, seq32 b) { return a - b > 0; }
constexpr bool seq_ge(seq32 a, seq32 b) { return a - b >= 0; }
// lo <= s < hi, the test RFC 9293's acceptability rules are written in.
constexpr bool seq_in_window(seq32 s, seq32 lo, seq32 hi) { return seq_le(lo, s) && seq_lt(s, hi); }
constexpr seq32 seq_max(seq32 a, seq32 b) { return seq_ge(a, b) ? a : b; }
constexpr seq32 seq_min(seq32 a, seq32 b) { return seq_le(a, b) ? a : b; }

inline std::string to_string(seq32 s) { return std::to_string(s.value()); }

}  // namespace tapstack
