// Fuzzes the ARP view and repr. Once check has vouched for Ethernet/IPv4 and parse for the
// operation, every one of the 28 bytes is either fixed or a repr field, so emit must give back the
// bytes that were parsed, and parsing those again the same repr.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>

#include "stack/wire/arp.hpp"
#include "tests/fuzz/fuzz_check.hpp"

using namespace tapstack;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const const_byte_span input{data, size};
  const auto view = arp_view::check(input);
  if (!view) {
    TAPSTACK_FUZZ_CHECK(view.error() == drop_reason::arp_truncated ||
                        view.error() == drop_reason::arp_unsupported);
    return 0;
  }
  TAPSTACK_FUZZ_CHECK(size >= arp::packet_len);

  const auto repr = arp_repr::parse(*view);
  if (!repr) {
    TAPSTACK_FUZZ_CHECK(repr.error() == drop_reason::arp_bad_opcode);
    TAPSTACK_FUZZ_CHECK(view->operation() != 1 && view->operation() != 2);
    return 0;
  }
  TAPSTACK_FUZZ_CHECK(!to_string(*repr).empty());
  std::array<std::uint8_t, arp_repr::packet_len()> out{};
  repr->emit(out);
  TAPSTACK_FUZZ_CHECK(std::equal(out.begin(), out.end(), input.begin()));
  const auto again = arp_view::check(out);
  TAPSTACK_FUZZ_CHECK(again.ok());
  const auto reparsed = arp_repr::parse(*again);
  TAPSTACK_FUZZ_CHECK(reparsed.ok() && *reparsed == *repr);
  return 0;
}
