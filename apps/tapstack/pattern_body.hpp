#pragma once
// The body of the HTTP server's /bytes/N as a Boost.Beast Body: N bytes, byte i being i mod 251 (a
// prime, so no read or segment size lines up with the period and a misplaced piece shows; clients
// and tests check the bytes against that rule). Nothing is generated per request: each slice of the
// body is a window on one read-only table, made at compile time, that holds the period followed by
// a whole slice, so a slice that starts anywhere in the period is contiguous. Beast's serializer
// sends the header and the first slice in one write. Not for other contents. The value is the
// body's length alone; a writer holds no memory of its own.
#include <algorithm>
#include <boost/beast/http/message.hpp>
#include <boost/optional.hpp>
#include <cstddef>
#include <cstdint>
#include <utility>

#include "stack/asio/asio.hpp"

namespace tapstack {

inline constexpr std::size_t pattern_period = 251;
// The most one slice holds: large enough that a long body costs a few writes per socket-buffer
// fill, not one per byte or per small piece.
inline constexpr std::size_t pattern_slice_size = 64 * 1024;

// Bytes offset .. offset + len - 1 of the body, len at most pattern_slice_size.
asio::const_buffer pattern_slice(std::uint64_t offset, std::size_t len);

struct pattern_body {
  using value_type = std::uint64_t;  // the body's length
  static std::uint64_t size(value_type length) { return length; }

  class writer {
   public:
    using const_buffers_type = asio::const_buffer;

    template <bool is_request, class Fields>
    writer(const boost::beast::http::header<is_request, Fields>&, const value_type& length)
        : length_{length} {}
    void init(boost::system::error_code& ec) { ec = {}; }
    boost::optional<std::pair<const_buffers_type, bool>> get(boost::system::error_code& ec) {
      ec = {};
      if (sent_ == length_) return boost::none;
      const auto len =
          static_cast<std::size_t>(std::min<std::uint64_t>(pattern_slice_size, length_ - sent_));
      const auto slice = pattern_slice(sent_, len);
      sent_ += len;
      return std::pair{slice, sent_ < length_};
    }

   private:
    std::uint64_t length_;
    std::uint64_t sent_ = 0;
  };
};

}  // namespace tapstack
