// Fuzzes the ICMP view and repr. A message that parses, emitted again with the same data, must
// carry a checksum that verifies and parse to the same fields and data: what the echo reply path
// relies on when it sends a request's data back.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "stack/wire/icmp.hpp"
#include "tests/fuzz/fuzz_check.hpp"

using namespace tapstack;

namespace {

bool same_message(const icmp_repr& a, const icmp_repr& b) {
  return a.type == b.type && a.code == b.code && a.ident == b.ident && a.seq == b.seq &&
         a.next_hop_mtu == b.next_hop_mtu &&
         std::equal(a.data.begin(), a.data.end(), b.data.begin(), b.data.end());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const const_byte_span input{data, size};
  const auto view = icmp_view::check(input);
  TAPSTACK_FUZZ_CHECK(view.ok() == (size >= icmp::header_len));
  if (!view) return 0;
  TAPSTACK_FUZZ_CHECK(view->data().size() == size - icmp::header_len);

  const auto repr = icmp_repr::parse(*view);
  if (!repr) {
    TAPSTACK_FUZZ_CHECK(repr.error() == drop_reason::icmp_bad_checksum ||
                        repr.error() == drop_reason::icmp_unhandled);
    TAPSTACK_FUZZ_CHECK((repr.error() == drop_reason::icmp_bad_checksum) ==
                        !view->verify_checksum());
    return 0;
  }
  TAPSTACK_FUZZ_CHECK(repr->buffer_len() == size);
  TAPSTACK_FUZZ_CHECK(!to_string(*repr).empty());

  std::vector<std::uint8_t> out(repr->buffer_len());
  repr->emit(out);
  const auto again = icmp_view::check(out);
  TAPSTACK_FUZZ_CHECK(again.ok() && again->verify_checksum());
  const auto reparsed = icmp_repr::parse(*again);
  TAPSTACK_FUZZ_CHECK(reparsed.ok() && same_message(*reparsed, *repr));
  return 0;
}
