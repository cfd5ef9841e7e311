#pragma once
// The one way the project includes Asio. Boost 1.74's coroutine support uses std::exchange without
// including <utility> on GCC 12, so <utility> comes first. Also names the namespace alias every
// file of the Asio face uses.
#include <utility>

#include <boost/asio.hpp>

namespace tapstack {
namespace asio = boost::asio;
}  // namespace tapstack
