#pragma once
// Golden frames: real frames the Linux kernel sent, captured by tests/support/capture-golden and
// checked in under tests/unit/golden/ as `tcpdump -xx` hex, one frame per file, beneath comment
// lines with what tcpdump printed for it. Tests load them by name and never run tcpdump. Not for
// frames a test makes up (tests/support/frames.hpp builds those). A golden_frame owns its bytes.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "stack/base/bytes.hpp"
#include "stack/wire/address.hpp"

namespace tapstack::test {

// The two hosts of the capture: the kernel peer "a", and "b", whose place the stack under test
// takes (b's addresses are the stack's defaults), so what b's kernel sent is what we must send.
namespace capture {
inline constexpr mac_address peer_mac{{0x02, 0x74, 0x73, 0x00, 0x00, 0x01}};
inline constexpr mac_address host_mac{{0x02, 0x74, 0x73, 0x00, 0x00, 0x02}};
inline constexpr ipv4_address peer_ip{0x0a000001};
inline constexpr ipv4_address host_ip{0x0a000002};
}  // namespace capture

struct golden_frame {
  std::string name;
  std::vector<std::uint8_t> bytes;
  // What tcpdump printed for this frame, by the flags it ran with: "-n", "-en", "-nv".
  std::map<std::string, std::string, std::less<>> tcpdump;

  // The line tcpdump printed with these flags; throws std::runtime_error when the file has none.
  const std::string& tcpdump_line(std::string_view flags) const;
  // The decimal number after `key ` in that line ("id 8567" -> 8567): the value tcpdump decoded,
  // so tests need not repeat numbers that change with every capture. Throws when absent.
  std::uint64_t tcpdump_number(std::string_view flags, std::string_view key) const;
};

// Loads tests/unit/golden/<name>.hex; throws std::runtime_error naming the file on any problem.
golden_frame load_golden(std::string_view name);

}  // namespace tapstack::test
