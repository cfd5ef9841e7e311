// Fuzzes the IPv4 view and repr. Every getter runs on whatever check accepts; the payload must be
// the total length's worth of bytes inside the input. A parsed header, emitted again (options
// dropped, as emit always writes 20 bytes) in front of the same payload, must check, verify and
// parse to the same repr. Bytes are not compared: the reserved flag bit and options are not kept,
// and a checksum has two valid encodings (0x0000 and 0xffff).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "stack/wire/ipv4.hpp"
#include "tests/fuzz/fuzz_check.hpp"

using namespace tapstack;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const const_byte_span input{data, size};
  const auto view = ipv4_view::check(input);
  if (!view) return 0;
  TAPSTACK_FUZZ_CHECK(view->header_len() >= ipv4::min_header_len);
  TAPSTACK_FUZZ_CHECK(view->header().size() == view->header_len());
  const const_byte_span payload = view->payload();
  TAPSTACK_FUZZ_CHECK(payload.data() == data + view->header_len());
  TAPSTACK_FUZZ_CHECK(view->header_len() + payload.size() == view->total_len());
  TAPSTACK_FUZZ_CHECK(view->total_len() <= size);

  const auto repr = ipv4_repr::parse(*view);
  if (!repr) {
    TAPSTACK_FUZZ_CHECK(repr.error() == drop_reason::ip_bad_checksum && !view->verify_checksum());
    return 0;
  }
  TAPSTACK_FUZZ_CHECK(repr->payload_len == payload.size());
  TAPSTACK_FUZZ_CHECK(!to_string(*repr).empty());

  std::vector<std::uint8_t> out(repr->total_len());
  repr->emit(out);
  std::copy(payload.begin(), payload.end(), out.begin() + ipv4_repr::header_len());
  const auto again = ipv4_view::check(out);
  TAPSTACK_FUZZ_CHECK(again.ok() && again->verify_checksum());
  const auto reparsed = ipv4_repr::parse(*again);
  TAPSTACK_FUZZ_CHECK(reparsed.ok() && *reparsed == *repr);
  TAPSTACK_FUZZ_CHECK(
      std::equal(payload.begin(), payload.end(), again->payload().begin(), again->payload().end()));
  return 0;
}
