// Fuzzes the TCP view, the option parser and the repr. The first input byte is a control byte:
// with its low bit set the harness writes a correct checksum into the segment first, so the fuzzer
// reaches the option parser instead of stopping at the checksum. A segment that parses, emitted
// again, must carry a checksum that verifies and parse to the same fields, options and payload;
// printing must work on whatever parsed, the options as received or as emit would lay them out.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "stack/wire/checksum.hpp"
#include "stack/wire/ipv4.hpp"
#include "stack/wire/tcp.hpp"
#include "tests/fuzz/fuzz_check.hpp"

using namespace tapstack;

namespace {

constexpr ipv4_address src{0x0a000001};
constexpr ipv4_address dst{0x0a000002};

// Written here rather than through tcp_repr::emit, so that a wrong sum in the stack cannot hide.
void fix_checksum(std::vector<std::uint8_t>& segment) {
  store_be16(&segment[tcp::field::checksum], 0);
  const std::uint16_t sum = checksum{}
                                .add32(src.value)
                                .add32(dst.value)
                                .add16(static_cast<std::uint16_t>(ip_protocol::tcp))
                                .add16(static_cast<std::uint16_t>(segment.size()))
                                .add(segment)
                                .finish();
  store_be16(&segment[tcp::field::checksum], sum);
}

bool same_segment(const tcp_repr& a, const tcp_repr& b) {
  return a.src_port == b.src_port && a.dst_port == b.dst_port && a.seq == b.seq && a.ack == b.ack &&
         a.flags == b.flags && a.window == b.window && a.urgent == b.urgent &&
         a.options == b.options &&
         std::equal(a.payload.begin(), a.payload.end(), b.payload.begin(), b.payload.end());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const bool fix = (data[0] & 1) != 0;
  // A copy of exactly the segment's bytes, so that ASan sees any read past them.
  std::vector<std::uint8_t> segment(data + 1, data + size);
  if (fix && segment.size() >= tcp::min_header_len) fix_checksum(segment);

  const auto view = tcp_view::check(segment);
  const std::size_t offset =
      segment.size() > tcp::field::data_offset ? (segment[tcp::field::data_offset] >> 4) * 4u : 0;
  TAPSTACK_FUZZ_CHECK(view.ok() == (segment.size() >= tcp::min_header_len &&
                                    offset >= tcp::min_header_len && offset <= segment.size()));
  if (!view) return 0;
  TAPSTACK_FUZZ_CHECK(view->header_len() == offset);
  TAPSTACK_FUZZ_CHECK(view->options().size() + tcp::min_header_len == offset);
  TAPSTACK_FUZZ_CHECK(view->payload().size() == segment.size() - offset);

  const auto options = tcp_options::parse(view->options());
  const auto repr = tcp_repr::parse(*view, src, dst);
  if (!repr) {
    TAPSTACK_FUZZ_CHECK(repr.error() == drop_reason::tcp_bad_checksum ||
                        repr.error() == drop_reason::tcp_bad_option);
    TAPSTACK_FUZZ_CHECK(!fix || repr.error() == drop_reason::tcp_bad_option);
    TAPSTACK_FUZZ_CHECK(repr.error() != drop_reason::tcp_bad_option || !options.ok());
    return 0;
  }
  TAPSTACK_FUZZ_CHECK(options.ok() && *options == repr->options);
  TAPSTACK_FUZZ_CHECK(repr->options.sack_count <= tcp::max_sack_blocks);
  TAPSTACK_FUZZ_CHECK(!repr->options.window_scale ||
                      *repr->options.window_scale <= tcp::max_window_scale);
  TAPSTACK_FUZZ_CHECK(!to_string(*repr).empty());
  TAPSTACK_FUZZ_CHECK(!to_string(*repr, view->options()).empty());
  TAPSTACK_FUZZ_CHECK(!to_string(repr->options).empty() || repr->options.encoded_len() == 0);

  // Options packed tighter than emit packs them may not fit a header again; nothing re-sends them.
  if (repr->header_len() > tcp::max_header_len) return 0;
  std::vector<std::uint8_t> out(repr->buffer_len());
  repr->emit(out, src, dst);
  const auto again = tcp_view::check(out);
  TAPSTACK_FUZZ_CHECK(again.ok() && again->header_len() == repr->header_len());
  const auto reparsed = tcp_repr::parse(*again, src, dst);
  TAPSTACK_FUZZ_CHECK(reparsed.ok() && same_segment(*reparsed, *repr));
  return 0;
}
