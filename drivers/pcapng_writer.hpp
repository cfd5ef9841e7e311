#pragma once
// The pcapng format ("PCAP Now Generic", what Wireshark saves by default and tcpdump reads), as
// much of it as a capture of one Ethernet device needs: a section header naming the application,
// one interface with nanosecond timestamps, and enhanced packet blocks that carry each frame's
// direction and, when there is something to say about it, a comment. Blocks are written in host
// byte order, which the format allows (readers tell it from the byte-order magic). Not a reader;
// one section, one interface. The writer does not own the file, which must outlive it; each block
// is built whole in a buffer it keeps and written at once, so no allocation per frame once warm.
#include <cstdint>
#include <cstdio>
#include <string_view>
#include <vector>

#include "stack/base/bytes.hpp"

namespace tapstack {

// The direction bits of an enhanced packet block's epb_flags.
enum class packet_direction : std::uint8_t { unknown = 0, inbound = 1, outbound = 2 };

class pcapng_writer {
 public:
  // Writes the section header (with application as shb_userappl and nothing that names the
  // machine, so that the same frames give the same file anywhere) and the interface: Ethernet,
  // frames cut at snaplen bytes, timestamps in nanoseconds.
  pcapng_writer(std::FILE* file, std::string_view application, std::uint32_t snaplen);

  // One frame, stamped with nanoseconds since 1970-01-01 UTC. An empty comment writes none.
  void packet(std::uint64_t timestamp_ns, const_byte_span frame, packet_direction direction,
              std::string_view comment);

 private:
  void begin_block(std::uint32_t type);
  template <class T>
  void put(T value);
  void put_bytes(const_byte_span bytes);  // padded to 32 bits, as every field of variable length
  void option(std::uint16_t code, const_byte_span value);
  // Ends the options (if there were any) and the block, and writes it.
  void end_block(bool had_options);

  std::FILE* file_;
  std::uint32_t snaplen_;
  std::vector<std::uint8_t> block_;
};

}  // namespace tapstack
