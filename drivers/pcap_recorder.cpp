#include "drivers/pcap_recorder.hpp"

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
                             std::chrono::system_clock::time_point epoch)
    : inner_{inner},
      path_{path},
      epoch_{epoch},
      file_{std::fopen(path.c_str(), "wb"), &std::fclose} {
  if (!file_)
    throw std::runtime_error("cannot write pcap file '" + path + "': " + std::strerror(errno));
  put<std::uint32_t>(file_.get(), pcap_magic_usec);
  put<std::uint16_t>(file_.get(), 2);  // version 2.4
  put<std::uint16_t>(file_.get(), 4);
  put<std::int32_t>(file_.get(), 0);   // timestamps are UTC
  put<std::uint32_t>(file_.get(), 0);  // accuracy
  put<std::uint32_t>(file_.get(), snaplen);
  put<std::uint32_t>(file_.get(), linktype_ethernet);
}

std::size_t pcap_recorder::receive(byte_span out, instant now) {
  const std::size_t n = inner_.receive(out, now);
  if (n > 0) record(out.first(n), now);
  return n;
}

bool pcap_recorder::transmit(const_byte_span frame, instant now) {
  if (!inner_.transmit(frame, now)) return false;
  record(frame, now);
  return true;
}

void pcap_recorder::record(const_byte_span frame, instant now) {
  const auto when = std::chrono::duration_cast<std::chrono::microseconds>(
      (epoch_ +
       std::chrono::duration_cast<std::chrono::system_clock::duration>(now.time_since_epoch()))
          .time_since_epoch());
  const auto kept = static_cast<std::uint32_t>(std::min<std::size_t>(frame.size(), snaplen));
  put<std::uint32_t>(file_.get(), static_cast<std::uint32_t>(when.count() / 1000000));
  put<std::uint32_t>(file_.get(), static_cast<std::uint32_t>(when.count() % 1000000));
  put<std::uint32_t>(file_.get(), kept);
  put<std::uint32_t>(file_.get(), static_cast<std::uint32_t>(frame.size()));
  std::fwrite(frame.data(), 1, kept, file_.get());
  ++frames_;
}

void pcap_recorder::flush() {
  std::fflush(file_.get());
  inner_.flush();
}

}  // namespace tapstack
