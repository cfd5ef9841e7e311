#include "drivers/pcapng_writer.hpp"

#include <algorithm>
#include <cstring>

namespace tapstack {
namespace {

constexpr std::uint32_t section_header_block = 0x0a0d0d0a;
constexpr std::uint32_t interface_description_block = 1;
constexpr std::uint32_t enhanced_packet_block = 6;
constexpr std::uint32_t byte_order_magic = 0x1a2b3c4d;
constexpr std::uint16_t linktype_ethernet = 1;

constexpr std::uint16_t opt_endofopt = 0;
constexpr std::uint16_t opt_comment = 1;
constexpr std::uint16_t shb_userappl = 4;
constexpr std::uint16_t if_tsresol = 9;
constexpr std::uint16_t epb_flags = 2;

// if_tsresol: a power of ten below the second, here 10^-9, to keep the instants' nanoseconds.
constexpr std::uint8_t nanoseconds = 9;

const_byte_span as_bytes(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

}  // namespace

pcapng_writer::pcapng_writer(std::FILE* file, std::string_view application, std::uint32_t snaplen)
    : file_{file}, snaplen_{snaplen} {
  begin_block(section_header_block);
  put<std::uint32_t>(byte_order_magic);
  put<std::uint16_t>(1);  // version 1.0
  put<std::uint16_t>(0);
  put<std::int64_t>(-1);  // section length not given: the file is written as frames come
  option(shb_userappl, as_bytes(application));
  end_block(true);

  begin_block(interface_description_block);
  put<std::uint16_t>(linktype_ethernet);
  put<std::uint16_t>(0);  // reserved
  put<std::uint32_t>(snaplen_);
  option(if_tsresol, {&nanoseconds, 1});
  end_block(true);
}

void pcapng_writer::packet(std::uint64_t timestamp_ns, const_byte_span frame,
                           packet_direction direction, std::string_view comment) {
  const std::size_t kept = std::min<std::size_t>(frame.size(), snaplen_);
  begin_block(enhanced_packet_block);
  put<std::uint32_t>(0);  // the one interface
  put<std::uint32_t>(static_cast<std::uint32_t>(timestamp_ns >> 32));
  put<std::uint32_t>(static_cast<std::uint32_t>(timestamp_ns));
  put<std::uint32_t>(static_cast<std::uint32_t>(kept));
  put<std::uint32_t>(static_cast<std::uint32_t>(frame.size()));
  put_bytes(frame.first(kept));
  const bool flags = direction != packet_direction::unknown;
  if (flags) {
    const auto bits = static_cast<std::uint32_t>(direction);
    std::uint8_t value[sizeof bits];
    std::memcpy(value, &bits, sizeof bits);
    option(epb_flags, value);
  }
  if (!comment.empty()) option(opt_comment, as_bytes(comment));
  end_block(flags || !comment.empty());
}

void pcapng_writer::begin_block(std::uint32_t type) {
  block_.clear();
  put<std::uint32_t>(type);
  put<std::uint32_t>(0);  // the total length, filled in by end_block
}

template <class T>
void pcapng_writer::put(T value) {
  const std::size_t at = block_.size();
  block_.resize(at + sizeof value);
  std::memcpy(&block_[at], &value, sizeof value);
}

void pcapng_writer::put_bytes(const_byte_span bytes) {
  block_.insert(block_.end(), bytes.begin(), bytes.end());
  block_.resize((block_.size() + 3) / 4 * 4, 0);
}

void pcapng_writer::option(std::uint16_t code, const_byte_span value) {
  // An option's length has 16 bits; a longer value (no comment we write comes near) is cut.
  const std::size_t len = std::min<std::size_t>(value.size(), 0xffff);
  put<std::uint16_t>(code);
  put<std::uint16_t>(static_cast<std::uint16_t>(len));
  put_bytes(value.first(len));
}

void pcapng_writer::end_block(bool had_options) {
  if (had_options) option(opt_endofopt, {});
  // The length leads and trails the block, so that a reader can walk the file either way.
  const auto total = static_cast<std::uint32_t>(block_.size() + sizeof(std::uint32_t));
  std::memcpy(&block_[4], &total, sizeof total);
  put<std::uint32_t>(total);
  std::fwrite(block_.data(), 1, block_.size(), file_);
}

}  // namespace tapstack
