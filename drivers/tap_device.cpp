#include "drivers/tap_device.hpp"

#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace tapstack {
namespace {

std::filesystem::path sysfs(const std::string& name) { return "/sys/class/net/" + name; }

std::string tap_up_hint(const std::string& name) {
  return "create it with: sudo scripts/tap-up --name " + name + " --user $USER";
}

}  // namespace

tap_device::tap_device(const std::string& name) : name_{name} {
  if (name.empty() || name.size() >= IFNAMSIZ)
    throw tap_error("tap name '" + name + "' must be 1 to " + std::to_string(IFNAMSIZ - 1) +
                    " characters");
  if (!std::filesystem::exists(sysfs(name)))
    throw tap_error("tap '" + name + "' does not exist; " + tap_up_hint(name));
  if (!std::filesystem::exists(sysfs(name) / "tun_flags"))
    throw tap_error("'" + name + "' is not a tap device (pick another name with --tap)");

  fd_ = ::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd_ < 0) {
    const int err = errno;
    if (err == ENOENT || err == ENODEV || err == ENXIO)
      throw tap_error("no /dev/net/tun on this machine; load the driver with: sudo modprobe tun");
    throw tap_error("cannot open /dev/net/tun: " + std::string{std::strerror(err)} +
                    "; run as root or as the tap's owner (" + tap_up_hint(name) + ")");
  }
  ifreq req{};
  req.ifr_flags = IFF_TAP | IFF_NO_PI;
  std::strncpy(req.ifr_name, name.c_str(), IFNAMSIZ - 1);
  if (::ioctl(fd_, TUNSETIFF, &req) < 0) {
    const int err = errno;
    ::close(fd_);
    fd_ = -1;
    if (err == EPERM || err == EACCES)
      throw tap_error("no permission to attach to tap '" + name +
                      "'; run as root, or make it yours: sudo scripts/tap-down --name " + name +
                      " && sudo scripts/tap-up --name " + name + " --user $USER");
    if (err == EBUSY) throw tap_error("tap '" + name + "' is busy: another program has it open");
    if (err == EINVAL)
      throw tap_error("'" + name + "' is a tun device, not a tap (pick another name with --tap)");
    throw tap_error("cannot attach to tap '" + name + "': " + std::strerror(err));
  }
}

tap_device::~tap_device() {
  if (fd_ >= 0) ::close(fd_);
}

std::size_t tap_device::receive(byte_span out, instant) {
  const ssize_t n = ::read(fd_, out.data(), out.size());
  return n > 0 ? static_cast<std::size_t>(n) : 0;
}

bool tap_device::transmit(const_byte_span frame, instant) {
  return ::write(fd_, frame.data(), frame.size()) == static_cast<ssize_t>(frame.size());
}

bool tap_device::is_up() const {
  std::ifstream flags{sysfs(name_) / "flags"};
  unsigned long value = 0;
  flags >> std::hex >> value;
  return (value & IFF_UP) != 0;
}

}  // namespace tapstack
