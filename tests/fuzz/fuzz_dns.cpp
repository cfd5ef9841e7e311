// Fuzzes tapstack-dig's DNS decoder with whole UDP payloads. Whatever decodes must encode again
// (a decoded message holds only what a message can carry), and the encoding must decode to the
// same message and encode to the same bytes: compression is the only thing a round trip drops.
// The header survives byte for byte, counts included, since decoding reads exactly the entries
// they promise. Every name prints as text that parses back to it, and every message prints.
// Seeds: the golden messages of the unit tests (tests/unit/golden/dns/) as binary files.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <variant>
#include <vector>

#include "apps/dig/dns_message.hpp"
#include "tests/fuzz/fuzz_check.hpp"

using namespace tapstack::dns;

namespace {

void check_name(const domain_name& name) {
  TAPSTACK_FUZZ_CHECK(name.wire_len() <= domain_name::max_wire_len);
  const auto again = domain_name::parse(name.to_string());
  TAPSTACK_FUZZ_CHECK(again.ok() && *again == name);
  TAPSTACK_FUZZ_CHECK(same_name(name, name));
}

struct rdata_names {
  void operator()(const ns_data& d) const { check_name(d.nsdname); }
  void operator()(const cname_data& d) const { check_name(d.cname); }
  void operator()(const mx_data& d) const { check_name(d.exchange); }
  void operator()(const soa_data& d) const {
    check_name(d.mname);
    check_name(d.rname);
  }
  void operator()(const auto&) const {}
};

void check_names(const message& m) {
  for (const question& q : m.questions) check_name(q.qname);
  for (const auto* section : {&m.answers, &m.authorities, &m.additionals}) {
    for (const resource_record& rr : *section) {
      check_name(rr.name);
      std::visit(rdata_names{}, rr.data);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input{data, size};
  const auto decoded = decode(input);
  if (!decoded) {
    TAPSTACK_FUZZ_CHECK(!to_string(decoded.error()).empty());
    return 0;
  }
  const message& m = *decoded;
  TAPSTACK_FUZZ_CHECK(size >= header_len);

  const auto encoded = encode(m);
  TAPSTACK_FUZZ_CHECK(encoded.ok());
  const std::vector<std::uint8_t>& bytes = *encoded;
  TAPSTACK_FUZZ_CHECK(std::equal(bytes.begin(), bytes.begin() + header_len, input.begin()));
  const auto again = decode(bytes);
  TAPSTACK_FUZZ_CHECK(again.ok() && *again == m);
  const auto encoded_again = encode(*again);
  TAPSTACK_FUZZ_CHECK(encoded_again.ok() && *encoded_again == bytes);

  check_names(m);
  TAPSTACK_FUZZ_CHECK(!to_string(m).empty());
  TAPSTACK_FUZZ_CHECK(short_lines(m).size() == m.answers.size());
  const response_match self = match_response(m, m);
  TAPSTACK_FUZZ_CHECK(self ==
                      (m.hdr.qr ? response_match::matches : response_match::not_a_response));
  return 0;
}
