// Fuzzes the Ethernet view and repr. The repr keeps every header field as it came (an unknown
// ethertype included), so the header it emits must be the very bytes it was parsed from.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>

#include "stack/wire/ethernet.hpp"
#include "tests/fuzz/fuzz_check.hpp"

using namespace tapstack;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const const_byte_span input{data, size};
  const auto view = ethernet_view::check(input);
  TAPSTACK_FUZZ_CHECK(view.ok() == (size >= ethernet::header_len));
  if (!view) return 0;
  TAPSTACK_FUZZ_CHECK(view->payload().size() == size - ethernet::header_len);

  const ethernet_repr repr = ethernet_repr::parse(*view);
  TAPSTACK_FUZZ_CHECK(!to_string(repr).empty());
  std::array<std::uint8_t, ethernet_repr::header_len()> out{};
  repr.emit(out);
  TAPSTACK_FUZZ_CHECK(std::equal(out.begin(), out.end(), input.begin()));
  const auto again = ethernet_view::check(out);
  TAPSTACK_FUZZ_CHECK(again.ok() && ethernet_repr::parse(*again) == repr);
  return 0;
}
