#pragma once
// Tells a pcap recorder above a fault injector what the injector did, in words for someone reading
// the capture in Wireshark: each frame that met a fault gets a comment ("corrupted: bits flipped in
// bytes 38, 51 ..."), and the frames the injector lost where the recorder could not see them
// (inbound frames it dropped, outgoing frames it held and the device then refused) are handed over
// to be written all the same. Only for a recorder directly above the injector: comments are
// matched to frames by call, not by content. Takes the injector's observer for its lifetime and
// clears it when destroyed, so the injector must outlive it.
#include <cstdint>
#include <string>
#include <vector>

#include "drivers/fault_injector.hpp"
#include "drivers/pcapng_annotator.hpp"

namespace tapstack {

class pcapng_fault_annotator final : public pcapng_annotator {
 public:
  explicit pcapng_fault_annotator(fault_injector& faults);
  ~pcapng_fault_annotator() override;
  pcapng_fault_annotator(const pcapng_fault_annotator&) = delete;
  pcapng_fault_annotator& operator=(const pcapng_fault_annotator&) = delete;

  std::string_view received_comment() override;
  std::string_view transmitted_comment() override;
  std::span<const unseen_frame> take_unseen() override;

 private:
  struct lost_frame {
    packet_direction direction{};
    instant at;
    std::vector<std::uint8_t> bytes;
    std::string comment;
  };

  void lost(direction d, fault_kind k, const_byte_span frame, instant now);

  fault_injector& faults_;
  std::string comment_;
  // Entries are reused once handed over: no allocation per lost frame once warm.
  std::vector<lost_frame> lost_;
  std::size_t lost_count_ = 0;
  std::vector<unseen_frame> unseen_;
};

}  // namespace tapstack
