// Fuzzes describe_frame, which the tracer and every test failure call on frames of any shape: it
// must describe anything, never reject or read past it, with and without the link-level prefix.
#include <cstddef>
#include <cstdint>

#include "stack/wire/describe.hpp"
#include "tests/fuzz/fuzz_check.hpp"

using namespace tapstack;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const const_byte_span input{data, size};
  TAPSTACK_FUZZ_CHECK(!describe_frame(input).empty());
  TAPSTACK_FUZZ_CHECK(!describe_frame(input, true).empty());
  return 0;
}
