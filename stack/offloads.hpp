#pragma once
// What a device does for the host, as a Linux tap with IFF_VNET_HDR can: complete transport
// checksums left partial (frame_meta::checksum_state::partial) and cut TCP super-segments into
// wire segments. The host asks a device only for what it offers: the program that opens the
// device puts them in the host's configuration (stack_config::offloads).

namespace tapstack {

struct device_offloads {
  bool checksum = false;
  bool tcp_segmentation = false;
  bool operator==(const device_offloads&) const = default;
};

}  // namespace tapstack
