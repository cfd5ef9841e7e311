#include "drivers/pcap_recorder.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>

namespace tapstack {
namespace {

// The classic libpcap format is written in host byte order; readers detect it from the magic.
constexpr std::uint32_t pcap_magic_usec = 0xa1b2c3d4;
constexpr std::uint32_t linktype_ethernet = 1;
constexpr std::uint32_t snaplen = 262144;

template <class T>
void put(std::FILE* f, T value) {
  std::fwrite(&value, sizeof value, 1, f);
}

}  // namespace

pcap_recorder::pcap_recorder(device& inner, const std::string& path,
                             std::chrono::system_clock::time_point epoch,
                             pcapng_annotator* annotator)
    : device_decorator{inner},
      path_{path},
      epoch_{epoch},
      annotator_{annotator},
      file_{std::fopen(path.c_str(), "wb"), &std::fclose} {
  if (!file_)
    throw std::runtime_error("cannot write pcap file '" + path + "': " + std::strerror(errno));
  if (annotator_ || path.ends_with(".pcapng")) {
    pcapng_.emplace(file_.get(), "tapstack", snaplen);
    return;
  }
  put<std::uint32_t>(file_.get(), pcap_magic_usec);
  put<std::uint16_t>(file_.get(), 2);  // version 2.4
  put<std::uint16_t>(file_.get(), 4);
  put<std::int32_t>(file_.get(), 0);   // timestamps are UTC
  put<std::uint32_t>(file_.get(), 0);  // accuracy
  put<std::uint32_t>(file_.get(), snaplen);
  put<std::uint32_t>(file_.get(), linktype_ethernet);
}

// A super-segment or a partial checksum is recorded as it crossed the tap, as tcpdump on the tap
// shows it: one record of up to 64 KB, its checksum not yet completed.
std::size_t pcap_recorder::receive_offloaded(byte_span out, frame_meta& meta, instant now) {
  const std::size_t n = inner_.receive_offloaded(out, meta, now);
  // Whatever was lost below during the call came before the frame it returns.
  record_unseen();
  if (n > 0)
    record(out.first(n), now, packet_direction::inbound,
           annotator_ ? annotator_->received_comment() : std::string_view{});
  return n;
}

bool pcap_recorder::transmit_offloaded(const_byte_span frame, const frame_meta& meta, instant now) {
  const bool accepted = inner_.transmit_offloaded(frame, meta, now);
  // Frames held from earlier calls that the device refused now were lost before this one went.
  record_unseen();
  if (!accepted) return false;
  record(frame, now, packet_direction::outbound,
         annotator_ ? annotator_->transmitted_comment() : std::string_view{});
  return true;
}

void pcap_recorder::record_unseen() {
  if (!annotator_) return;
  for (const pcapng_annotator::unseen_frame& f : annotator_->take_unseen())
    record(f.bytes, f.at, f.direction, f.comment);
}

void pcap_recorder::record(const_byte_span frame, instant now, packet_direction direction,
                           std::string_view comment) {
  const auto when = epoch_ + std::chrono::duration_cast<std::chrono::system_clock::duration>(
                                 now.time_since_epoch());
  ++frames_;
  if (pcapng_) {
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(when.time_since_epoch());
    pcapng_->packet(static_cast<std::uint64_t>(ns.count()), frame, direction, comment);
    return;
  }
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(when.time_since_epoch());
  const auto kept = static_cast<std::uint32_t>(std::min<std::size_t>(frame.size(), snaplen));
  put<std::uint32_t>(file_.get(), static_cast<std::uint32_t>(us.count() / 1000000));
  put<std::uint32_t>(file_.get(), static_cast<std::uint32_t>(us.count() % 1000000));
  put<std::uint32_t>(file_.get(), kept);
  put<std::uint32_t>(file_.get(), static_cast<std::uint32_t>(frame.size()));
  std::fwrite(frame.data(), 1, kept, file_.get());
}

void pcap_recorder::flush() {
  std::fflush(file_.get());
  inner_.flush();
}

}  // namespace tapstack
