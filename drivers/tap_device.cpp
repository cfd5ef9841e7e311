#include "drivers/tap_device.hpp"

#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace tapstack {
namespace {

std::filesystem::path sysfs(const std::string& name) { return "/sys/class/net/" + name; }

std::string tap_up_hint(const std::string& name) {
  return "create it with: sudo scripts/tap-up --name " + name + " --user $USER";
}

// struct virtio_net_hdr, the 10 bytes in front of each frame with IFF_VNET_HDR, as
// linux/virtio_net.h defines it (which C++ cannot include: one of its fields is named class). Its
// fields are in the machine's byte order, as a tap's are unless TUNSETVNETBE says otherwise.
struct vnet_header {
  std::uint8_t flags;
  std::uint8_t gso_type;
  std::uint16_t hdr_len;
  std::uint16_t gso_size;
  std::uint16_t csum_start;
  std::uint16_t csum_offset;
};
static_assert(sizeof(vnet_header) == 10);
constexpr std::uint8_t vnet_needs_csum = 1;  // vnet_needs_csum
constexpr std::uint8_t vnet_data_valid = 2;  // vnet_data_valid
constexpr std::uint8_t vnet_gso_tcpv4 = 1;   // vnet_gso_tcpv4
constexpr std::uint8_t vnet_gso_ecn = 0x80;  // vnet_gso_ecn

frame_meta meta_of(const vnet_header& h) {
  frame_meta meta;
  if (h.flags & vnet_needs_csum) {
    meta.checksum = frame_meta::checksum_state::partial;
    meta.checksum_start = h.csum_start;
    meta.checksum_offset = h.csum_offset;
  } else if (h.flags & vnet_data_valid) {
    meta.checksum = frame_meta::checksum_state::verified;
  }
  if ((h.gso_type & static_cast<std::uint8_t>(~vnet_gso_ecn)) == vnet_gso_tcpv4)
    meta.segment_size = h.gso_size;
  return meta;
}

vnet_header header_for(const_byte_span frame, const frame_meta& meta) {
  vnet_header h{};
  if (meta.checksum == frame_meta::checksum_state::partial) {
    h.flags = vnet_needs_csum;
    h.csum_start = meta.checksum_start;
    h.csum_offset = meta.checksum_offset;
  }
  if (meta.segment_size > 0 && meta.checksum_start + 13u < frame.size()) {
    h.gso_type = vnet_gso_tcpv4;
    h.gso_size = meta.segment_size;
    // Every header in front of the payload, the TCP header's own length from its data offset.
    h.hdr_len = static_cast<std::uint16_t>(meta.checksum_start +
                                           (frame[meta.checksum_start + 12] >> 4) * 4);
  }
  return h;
}

}  // namespace

tap_device::tap_device(const std::string& name, bool offload) : name_{name} {
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
  req.ifr_flags = IFF_TAP | IFF_NO_PI | (offload ? IFF_VNET_HDR : 0);
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
  // The tap keeps what TUNSETOFFLOAD set after the program that set it closed it: without
  // offloads, they are turned off, or the kernel would go on handing over super-segments with
  // their checksums unsummed to a reader that cannot tell.
  if (!offload) {
    ::ioctl(fd_, TUNSETOFFLOAD, 0);
    return;
  }
  int header_size = sizeof(vnet_header);
  if (::ioctl(fd_, TUNSETVNETHDRSZ, &header_size) < 0) {
    offload_refused_ = std::string{"TUNSETVNETHDRSZ: "} + std::strerror(errno);
    return;
  }
  vnet_ = true;
  // Super-segments need checksums left partial; a kernel may take the one and not the other.
  if (::ioctl(fd_, TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_TSO4) == 0) {
    rx_checksum_ = rx_tso_ = true;
  } else if (::ioctl(fd_, TUNSETOFFLOAD, TUN_F_CSUM) == 0) {
    rx_checksum_ = true;
  } else {
    offload_refused_ = std::string{"TUNSETOFFLOAD: "} + std::strerror(errno);
  }
}

tap_device::~tap_device() {
  if (fd_ >= 0) ::close(fd_);
}

std::size_t tap_device::receive(byte_span out, instant now) {
  frame_meta ignored;
  return receive_offloaded(out, ignored, now);
}

bool tap_device::transmit(const_byte_span frame, instant now) {
  return transmit_offloaded(frame, {}, now);
}

std::optional<std::size_t> tap_device::read_header_size() const {
  return vnet_ ? sizeof(vnet_header) : 0;
}

void tap_device::landed(const_byte_span header, const_byte_span frame) {
  landed_meta_ = {};
  if (vnet_) {
    if (header.size() != sizeof(vnet_header)) return;
    vnet_header h;
    std::memcpy(&h, header.data(), sizeof h);
    landed_meta_ = meta_of(h);
  }
  landed_ = frame;
}

std::size_t tap_device::receive_offloaded(byte_span out, frame_meta& meta, instant) {
  if (!landed_.empty()) {
    const std::size_t n = std::min(landed_.size(), out.size());
    // A frame that landed where it is asked for (the runner's first place) is there already.
    if (out.data() != landed_.data()) std::memmove(out.data(), landed_.data(), n);
    meta = landed_meta_;
    landed_ = {};
    return n;
  }
  meta = {};
  if (!vnet_) {
    const ssize_t n = ::read(fd_, out.data(), out.size());
    return n > 0 ? static_cast<std::size_t>(n) : 0;
  }
  vnet_header h{};
  iovec parts[] = {{&h, sizeof h}, {out.data(), out.size()}};
  const ssize_t n = ::readv(fd_, parts, 2);
  if (n <= static_cast<ssize_t>(sizeof h)) return 0;
  meta = meta_of(h);
  return static_cast<std::size_t>(n) - sizeof h;
}

bool tap_device::transmit_offloaded(const_byte_span frame, const frame_meta& meta, instant) {
  if (!vnet_) return ::write(fd_, frame.data(), frame.size()) == static_cast<ssize_t>(frame.size());
  vnet_header h = header_for(frame, meta);
  iovec parts[] = {{&h, sizeof h}, {const_cast<std::uint8_t*>(frame.data()), frame.size()}};
  return ::writev(fd_, parts, 2) == static_cast<ssize_t>(sizeof h + frame.size());
}

bool tap_device::is_up() const {
  std::ifstream flags{sysfs(name_) / "flags"};
  unsigned long value = 0;
  flags >> std::hex >> value;
  return (value & IFF_UP) != 0;
}

}  // namespace tapstack
