#include "drivers/fd_device.hpp"

#include <sys/socket.h>
#include <unistd.h>

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

std::pair<int, int> make_frame_socket_pair() {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) != 0)
    throw std::system_error(errno, std::generic_category(), "socketpair");
  return {fds[0], fds[1]};
}

}  // namespace tapstack
