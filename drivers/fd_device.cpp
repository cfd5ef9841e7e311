#include "drivers/fd_device.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <system_error>

namespace tapstack {

fd_device::~fd_device() { ::close(fd_); }

std::size_t fd_device::receive(byte_span out, instant) {
  const ssize_t n = ::recv(fd_, out.data(), out.size(), 0);
  return n > 0 ? static_cast<std::size_t>(n) : 0;
}

bool fd_device::transmit(const_byte_span frame, instant) {
  return ::send(fd_, frame.data(), frame.size(), MSG_NOSIGNAL) ==
         static_cast<ssize_t>(frame.size());
}

namespace {

// Frames per recvmmsg or sendmmsg; a longer batch takes several.
constexpr std::size_t mmsg_batch = 64;

struct message_batch {
  std::array<iovec, mmsg_batch> parts{};
  std::array<mmsghdr, mmsg_batch> headers{};

  // The header of message i, over one buffer.
  mmsghdr* describe(std::size_t i, const void* data, std::size_t size) {
    parts[i] = {const_cast<void*>(data), size};
    headers[i] = {};
    headers[i].msg_hdr.msg_iov = &parts[i];
    headers[i].msg_hdr.msg_iovlen = 1;
    return &headers[i];
  }
};

}  // namespace

std::size_t fd_device::receive_batch(std::span<received_frame> batch, instant) {
  message_batch m;
  const std::size_t n = std::min(batch.size(), mmsg_batch);
  for (std::size_t i = 0; i < n; ++i)
    m.describe(i, batch[i].storage.data(), batch[i].storage.size());
  const int got = ::recvmmsg(fd_, m.headers.data(), static_cast<unsigned>(n), 0, nullptr);
  if (got <= 0) return 0;
  for (int i = 0; i < got; ++i) batch[i] = {batch[i].storage, m.headers[i].msg_len, {}};
  return static_cast<std::size_t>(got);
}

std::size_t fd_device::transmit_batch(std::span<const frame> frames, instant) {
  std::size_t taken = 0;
  while (taken < frames.size()) {
    message_batch m;
    const std::size_t n = std::min(frames.size() - taken, mmsg_batch);
    for (std::size_t i = 0; i < n; ++i) {
      const const_byte_span bytes = frames[taken + i].bytes();
      m.describe(i, bytes.data(), bytes.size());
    }
    const int sent = ::sendmmsg(fd_, m.headers.data(), static_cast<unsigned>(n), MSG_NOSIGNAL);
    if (sent <= 0) break;
    taken += static_cast<std::size_t>(sent);
  }
  return taken;
}

std::pair<int, int> make_frame_socket_pair() {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) != 0)
    throw std::system_error(errno, std::generic_category(), "socketpair");
  return {fds[0], fds[1]};
}

}  // namespace tapstack
