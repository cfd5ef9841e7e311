#pragma once
// One line per frame in tcpdump notation, decoding every layer this host speaks: what the tracer
// prints and what test failures show. Malformed frames are described, never rejected:
// "IP 10.0.0.1 > 10.0.0.2: ICMP type 8 [malformed: icmp_bad_checksum]".
#include <string>

#include "stack/base/bytes.hpp"

namespace tapstack {

// With link_level, the line reads as tcpdump -e prints it: the Ethernet header first, then the
// rest without the protocol name the ethertype already gave. With checksum_unsummed, a transport
// checksum is not checked: a device completes it, or checked it (frame_meta).
std::string describe_frame(const_byte_span frame, bool link_level = false,
                           bool checksum_unsummed = false);

}  // namespace tapstack
