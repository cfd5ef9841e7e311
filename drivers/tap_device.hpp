#pragma once
// The Linux tap device (IFF_TAP | IFF_NO_PI, non-blocking): Ethernet frames to and from the kernel.
// With offloads asked for, it opens the tap with IFF_VNET_HDR: each frame crosses with a
// virtio_net_hdr, through which the host leaves TCP checksums for the kernel to complete and the
// kernel hands over its own frames with their checksums unsummed (TUN_F_CSUM) and TCP
// super-segments of up to 64 KB (TUN_F_TSO4), where it accepts them (TUNSETOFFLOAD).
// It opens a tap that already exists (scripts/tap-up makes a persistent one, owned by a chosen
// user, with the kernel side's address); it never creates one, because a tap with no address on the
// kernel side reaches nothing. Every failure to open throws tap_error with a message that names the
// command that fixes it.
#include <stdexcept>
#include <string>

#include "stack/device.hpp"

namespace tapstack {

class tap_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class tap_device final : public device {
 public:
  explicit tap_device(const std::string& name, bool offload = false);
  ~tap_device() override;
  tap_device(const tap_device&) = delete;
  tap_device& operator=(const tap_device&) = delete;

  std::size_t receive(byte_span out, instant now) override;
  bool transmit(const_byte_span frame, instant now) override;
  std::size_t receive_offloaded(byte_span out, frame_meta& meta, instant now) override;
  bool transmit_offloaded(const_byte_span frame, const frame_meta& meta, instant now) override;
  // With IFF_VNET_HDR, the kernel completes partial checksums of what the host sends and takes
  // its TCP super-segments (it cuts them only if they leave the machine).
  device_offloads offloads() const override {
    return {.checksum = vnet_, .tcp_segmentation = vnet_};
  }
  int wait_handle() const override { return fd_; }
  // A frame per read, after the virtio_net_hdr when there is one; the landed frame is the next
  // receive's.
  std::optional<std::size_t> read_header_size() const override;
  void landed(const_byte_span header, const_byte_span frame) override;

  const std::string& name() const { return name_; }
  // What the kernel hands over: its frames' checksums left to check (TUN_F_CSUM) and TCP
  // super-segments (TUN_F_TSO4), each as TUNSETOFFLOAD accepted it; and why it refused, if it did.
  bool receives_partial_checksums() const { return rx_checksum_; }
  bool receives_super_segments() const { return rx_tso_; }
  const std::string& offload_refused() const { return offload_refused_; }
  // Whether the kernel side is administratively up; a tap that is down passes no frames.
  bool is_up() const;

 private:
  std::string name_;
  int fd_ = -1;
  bool vnet_ = false;
  bool rx_checksum_ = false;
  bool rx_tso_ = false;
  std::string offload_refused_;
  const_byte_span landed_;  // what landed() handed over, until receive takes it
  frame_meta landed_meta_;
};

}  // namespace tapstack
