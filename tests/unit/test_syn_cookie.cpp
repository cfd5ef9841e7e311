// SYN cookies (RFC 4987 3.6): the MSS round trip through the table, what a cookie is refused for
// (another secret, age, the future, a changed index, another tuple or ISN), the options carried
// in the TSval, and how rarely a forgery passes for the 22 bits of hash a cookie keeps.
#include <doctest/doctest.h>

#include <optional>
#include <utility>
#include <vector>

#include "stack/base/rng.hpp"
#include "stack/tcp/syn_cookie.hpp"
#include "stack/tcp/tcb.hpp"

namespace tapstack::test {
namespace {

using namespace std::chrono_literals;

const siphash_key secret{0x0123456789abcdefULL, 0xfedcba9876543210ULL};
// The host is 10.0.0.2:80; the peer 10.0.0.1:49500.
const tcp_tuple tuple{{ipv4_address{0x0a000002}, 80}, {ipv4_address{0x0a000001}, 49500}};
const seq32 peer_isn{3000000000u};
// Some way into a minute, as a SYN would arrive.
const instant t0 = instant{} + 90min + 17s;

// The cookie for the SYN from tuple and peer_isn offering MSS `offered`, at t0, carries `carried`
// and gives it back when its ACK comes in the same instant.
void check_carries(const syn_cookies& cookies, std::uint16_t offered, std::uint16_t carried) {
  CAPTURE(offered);
  const auto c = cookies.encode(tuple, peer_isn, offered, t0);
  CHECK(c.mss == carried);
  CHECK(cookies.validate(tuple, peer_isn, c.isn, t0) == carried);
}

// What the cookie for the SYN from tuple and peer_isn offering mss, made at `made`, gives back
// when its ACK comes at `at`: the MSS, or nullopt where it is refused.
std::optional<std::uint16_t> validated_at(const syn_cookies& cookies, instant made, instant at,
                                          std::uint16_t mss = 1460) {
  const auto c = cookies.encode(tuple, peer_isn, mss, made);
  return cookies.validate(tuple, peer_isn, c.isn, at);
}

// What an attacker holding a cookie might send instead: every other value of the MSS index (the
// two low bits, under the mask), one more and one less (to move to the next entry), and the
// cookie with any one bit flipped.
std::vector<seq32> altered(seq32 cookie) {
  std::vector<seq32> out;
  for (std::uint32_t flip = 1; flip < 4; ++flip) out.push_back(seq32{cookie.value() ^ flip});
  out.push_back(cookie + 1);
  out.push_back(cookie - 1);
  for (unsigned bit = 0; bit < 32; ++bit) out.push_back(seq32{cookie.value() ^ (1u << bit)});
  return out;
}

TEST_CASE("a SYN cookie gives back each MSS of the table") {
  const syn_cookies cookies{secret};
  for (const std::uint16_t mss : syn_cookies::mss_table) check_carries(cookies, mss, mss);
}

TEST_CASE("a SYN cookie rounds an MSS down to the table; one below 536 gets 536, as Linux") {
  const syn_cookies cookies{secret};
  // Below the smallest entry, 536: RFC 1122's 576-byte datagrams carry 536 bytes of segment.
  const std::pair<std::uint16_t, std::uint16_t> cases[] = {
      {537, 536},   {1299, 536},  {1300, 1300}, {1380, 1300},  {1439, 1300},
      {1452, 1440}, {1459, 1440}, {8960, 1460}, {65535, 1460}, {535, 536},
      {48, 536},    {1, 536},     {0, 536}};
  for (const auto& [offered, carried] : cases) check_carries(cookies, offered, carried);
}

TEST_CASE("the same SYN again in the same minute gets the same cookie") {
  const syn_cookies cookies{secret};
  const auto a = cookies.encode(tuple, peer_isn, 1460, t0);
  const auto b = cookies.encode(tuple, peer_isn, 1460, t0 + 20s);
  CHECK(a.isn == b.isn);
}

TEST_CASE("a SYN cookie made with another secret is refused") {
  const syn_cookies ours{secret};
  const syn_cookies theirs{siphash_key{secret.k0, secret.k1 + 1}};
  const auto c = theirs.encode(tuple, peer_isn, 1460, t0);
  CHECK(ours.validate(tuple, peer_isn, c.isn, t0) == std::nullopt);
  CHECK(theirs.validate(tuple, peer_isn, c.isn, t0) == 1460);
}

TEST_CASE("a SYN cookie lives until the counter has moved on twice: one to two minutes") {
  const syn_cookies cookies{secret};
  SUBCASE("made as a minute starts: two minutes") {
    const instant made = instant{} + 90min;
    CHECK(validated_at(cookies, made, made + 1min) == 1460);
    CHECK(validated_at(cookies, made, made + 2min - 1ns) == 1460);
    CHECK(validated_at(cookies, made, made + 2min) == std::nullopt);
    CHECK(validated_at(cookies, made, made + 1h) == std::nullopt);
  }
  SUBCASE("made as a minute ends: one minute") {
    const instant made = instant{} + 91min - 1ns;
    CHECK(validated_at(cookies, made, made + 1min) == 1460);
    CHECK(validated_at(cookies, made, made + 1min + 1ns) == std::nullopt);
  }
  SUBCASE("256 minutes on, when the counter's low byte is the same again") {
    CHECK(validated_at(cookies, t0, t0 + 256min) == std::nullopt);
    CHECK(validated_at(cookies, t0, t0 + 257min) == std::nullopt);
  }
}

TEST_CASE("a SYN cookie from the future is refused") {
  const syn_cookies cookies{secret};
  const instant made = instant{} + 90min;
  CHECK(validated_at(cookies, made, made - 1ns) == std::nullopt);
  CHECK(validated_at(cookies, made, made - 1min) == std::nullopt);
  CHECK(validated_at(cookies, made, made - 200min) == std::nullopt);
}

TEST_CASE("a SYN cookie works across the counter's epoch, before and after it") {
  const syn_cookies cookies{secret};
  const instant made = instant{} - 30s;
  CHECK(validated_at(cookies, made, made + 1min, 1300) == 1300);
  CHECK(validated_at(cookies, made, made + 90s, 1300) == std::nullopt);
}

TEST_CASE("a SYN cookie with its MSS index bits changed is refused, and so is any bit flipped") {
  const syn_cookies cookies{secret};
  for (const std::uint16_t mss : syn_cookies::mss_table) {
    CAPTURE(mss);
    const auto c = cookies.encode(tuple, peer_isn, mss, t0);
    for (const seq32 forged : altered(c.isn)) {
      const std::uint32_t value = forged.value();
      CAPTURE(value);
      CHECK(cookies.validate(tuple, peer_isn, forged, t0) == std::nullopt);
    }
  }
}

TEST_CASE("a SYN cookie is refused for another tuple") {
  const syn_cookies cookies{secret};
  const auto c = cookies.encode(tuple, peer_isn, 1460, t0);
  REQUIRE(cookies.validate(tuple, peer_isn, c.isn, t0) == 1460);
  tcp_tuple other = tuple;
  SUBCASE("local address") { other.local.address.value ^= 1; }
  SUBCASE("local port") { other.local.port = 81; }
  SUBCASE("remote address") { other.remote.address.value += 1; }
  SUBCASE("remote port") { other.remote.port = 49501; }
  SUBCASE("local and remote swapped") { std::swap(other.local, other.remote); }
  CHECK(cookies.validate(other, peer_isn, c.isn, t0) == std::nullopt);
}

TEST_CASE("a SYN cookie is refused for another peer ISN, even moved along with it") {
  const syn_cookies cookies{secret};
  const auto c = cookies.encode(tuple, peer_isn, 1460, t0);
  for (const std::uint32_t d : {1u, 0xffffffffu, 0x1000000u, 0x9e3779b9u}) {
    CAPTURE(d);
    CHECK(cookies.validate(tuple, peer_isn + d, c.isn, t0) == std::nullopt);
    // Where the peer's ISN is only added (Linux), this one would pass: here the hash covers it.
    CHECK(cookies.validate(tuple, peer_isn + d, c.isn + d, t0) == std::nullopt);
  }
}

TEST_CASE("a SYN cookie's TSval carries every window scale 0-14 or none, with and without SACK") {
  const std::uint32_t clocks[] = {0, 1, 14, 15, 31, 32, 33, 0x12345678, 0xffffffe0, 0xffffffff};
  std::optional<std::uint8_t> scales[16];
  for (std::uint8_t w = 0; w <= 14; ++w) scales[w] = w;
  // scales[15] stays nullopt: the peer sent no window scale.
  for (const std::uint32_t clock : clocks) {
    for (const auto& wscale : scales) {
      for (const bool sack : {false, true}) {
        const int shift = wscale ? *wscale : -1;
        CAPTURE(clock);
        CAPTURE(shift);
        CAPTURE(sack);
        const auto tsval = syn_cookies::encode_ts_options(clock, wscale, sack);
        REQUIRE(tsval);
        CHECK(syn_cookies::decode_ts_options(*tsval) == syn_cookies::ts_options{wscale, sack});
        // Never ahead of the clock, at most 31 ticks behind (modulo 2^32, as TSvals compare).
        const std::uint32_t behind = clock - *tsval;
        CHECK(behind < 32);
        // Only the low bits were chosen: the rest is the clock's, or the clock's less one span.
        const std::uint32_t high = *tsval & ~31u;
        CHECK((high == (clock & ~31u) || high == (clock & ~31u) - 32));
      }
    }
  }
}

TEST_CASE("a SYN cookie's TSval refuses a window scale above 14; TSecr never decodes one") {
  for (unsigned w = 15; w <= 255; ++w) {
    CAPTURE(w);
    CHECK(syn_cookies::encode_ts_options(1000, static_cast<std::uint8_t>(w), false) ==
          std::nullopt);
  }
  for (std::uint32_t low = 0; low < 32; ++low) {
    const auto o = syn_cookies::decode_ts_options(0xabcdef00u | low);
    CHECK(o.wscale.value_or(0) <= 14);
    CHECK(o.wscale.has_value() == ((low & 0xf) != 0xf));
    CHECK(o.sack == ((low & 0x10) != 0));
  }
}

// The bound a cookie can honestly claim: for one tuple, peer ISN and instant, exactly one hash
// value per MSS index (four) and per accepted age (two) passes, 8 of the 2^32 values. An attacker
// who has never seen a cookie for this tuple knows neither the mask nor where the counter is, so
// a guess passes with probability 2^-29. One who has, and keeps its top byte so that the age is
// likely right, still guesses 22 bits of hash: its 2^24 choices span at most two counter values,
// so at most 8 pass, 2^-21. With 100000 guesses the expected passes are 0.0002 and at most 0.048;
// two or more would be a 1-in-900 event at the weaker bound, so the test allows at most one each,
// and the seed makes it repeatable.
TEST_CASE("random forged SYN cookies pass no more often than the hash width allows") {
  const syn_cookies cookies{secret};
  rng random{20240611};
  constexpr int guesses = 100000;
  const auto real = cookies.encode(tuple, peer_isn, 1460, t0);

  int blind = 0;
  int informed = 0;
  for (int i = 0; i < guesses; ++i) {
    const auto r = static_cast<std::uint32_t>(random.next());
    const seq32 guess{r};
    if (guess != real.isn && cookies.validate(tuple, peer_isn, guess, t0)) ++blind;
    const seq32 near{(real.isn.value() & 0xff000000u) | (r & 0x00ffffffu)};
    if (near != real.isn && cookies.validate(tuple, peer_isn, near, t0)) ++informed;
  }
  CHECK(blind <= 1);
  CHECK(informed <= 1);
}

}  // namespace
}  // namespace tapstack::test
