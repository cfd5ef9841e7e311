#pragma once
// The Linux tap device (IFF_TAP | IFF_NO_PI, non-blocking): Ethernet frames to and from the kernel.
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
  explicit tap_device(const std::string& name);
  ~tap_device() override;
  tap_device(const tap_device&) = delete;
  tap_device& operator=(const tap_device&) = delete;

  std::size_t receive(byte_span out, instant now) override;
  bool transmit(const_byte_span frame, instant now) override;
  int wait_handle() const override { return fd_; }

  const std::string& name() const { return name_; }
  // Whether the kernel side is administratively up; a tap that is down passes no frames.
  bool is_up() const;

 private:
  std::string name_;
  int fd_ = -1;
};

}  // namespace tapstack
