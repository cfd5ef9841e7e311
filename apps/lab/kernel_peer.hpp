#pragma once
// The Nagle lab against the Linux kernel, in real time: the tapstack host on the program's tap is
// the server (delayed ACK switched per case on its listener), and a plain Asio socket of this
// process is the client, the kernel's TCP (TCP_NODELAY switched per case). The client's socket is
// bound to the tap (SO_BINDTODEVICE), so nothing it sends can leave by another interface. Runs on
// the app_host's io_context and returns when all four cases are done; the host outlives the call.
#include <chrono>
#include <vector>

#include "apps/common/app_host.hpp"
#include "apps/lab/nagle_lab.hpp"

namespace tapstack::lab {

struct kernel_peer_config {
  std::size_t requests = 50;
  duration timeout = std::chrono::seconds{30};  // for the four cases together
  request_pattern pattern;
};

// The latencies of each case of nagle_cases, in that order. Starts app's host. Throws
// std::runtime_error when the kernel cannot connect, a connection fails, or the timeout passes.
std::vector<std::vector<duration>> run_kernel_peer(app_host& app, const kernel_peer_config& config);

}  // namespace tapstack::lab
