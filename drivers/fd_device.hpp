#pragma once
// A device over a descriptor that keeps message boundaries (one end of a SOCK_SEQPACKET socket
// pair): two hosts on one machine, each behind a real descriptor the Asio runner can wait on, with
// no tap and no root. What tests of the Asio face run on. Owns and closes its descriptor. Unlike a
// tap's, its descriptor moves a batch of frames in one system call.
#include <utility>

#include "stack/device.hpp"

namespace tapstack {

class fd_device final : public device {
 public:
  explicit fd_device(int fd) : fd_{fd} {}
  ~fd_device() override;
  fd_device(const fd_device&) = delete;
  fd_device& operator=(const fd_device&) = delete;

  std::size_t receive(byte_span out, instant now) override;
  bool transmit(const_byte_span frame, instant now) override;
  // A batch in one recvmmsg or sendmmsg.
  std::size_t receive_batch(std::span<received_frame> batch, instant now) override;
  std::size_t transmit_batch(std::span<const frame> frames, instant now) override;
  int wait_handle() const override { return fd_; }

 private:
  int fd_;
};

// Two connected non-blocking SOCK_SEQPACKET descriptors; throws std::system_error on failure.
std::pair<int, int> make_frame_socket_pair();

}  // namespace tapstack
