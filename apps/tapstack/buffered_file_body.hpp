#pragma once
// A file as a Boost.Beast Body, read in large chunks into a buffer that the caller lends: the HTTP
// server's files from --http-root. Beast's own file_body reads 4 KiB at a time into a buffer of its
// writer, one read() per 4 KiB; with a 64 KiB buffer a large file costs a sixteenth of the calls,
// and the connection reuses the one buffer for every file it sends. Beast's serializer sends the
// header and the first chunk in one write. Not for opening or choosing the file: the caller opens
// the one http_root::map named. The buffer outlives the write of the message, and only one message
// reads into it at a time.
#include <algorithm>
#include <boost/beast/http/file_body.hpp>
#include <boost/optional.hpp>
#include <cstdint>
#include <span>
#include <utility>

#include "stack/asio/asio.hpp"

namespace tapstack {

// What a connection lends for its files: a buffer of this size, made when it first sends one.
inline constexpr std::size_t file_chunk_size = 64 * 1024;

struct buffered_file_body {
  struct value_type {
    boost::beast::http::file_body::value_type file;  // open, with its size
    std::span<std::uint8_t> buffer;                  // where each chunk is read to
  };
  static std::uint64_t size(const value_type& body) { return body.file.size(); }

  class writer {
   public:
    using const_buffers_type = asio::const_buffer;

    template <bool is_request, class Fields>
    writer(const boost::beast::http::header<is_request, Fields>&, value_type& body)
        : body_{body}, left_{body.file.size()} {}
    void init(boost::system::error_code& ec) { ec = {}; }
    boost::optional<std::pair<const_buffers_type, bool>> get(boost::system::error_code& ec) {
      ec = {};
      if (left_ == 0) return boost::none;
      const auto wanted =
          static_cast<std::size_t>(std::min<std::uint64_t>(body_.buffer.size(), left_));
      const std::size_t n = body_.file.file().read(body_.buffer.data(), wanted, ec);
      if (ec) return boost::none;
      // The file is shorter than it was when opened: the promised length cannot be kept.
      if (n == 0) {
        ec = boost::beast::http::error::short_read;
        return boost::none;
      }
      left_ -= n;
      return std::pair{asio::const_buffer{body_.buffer.data(), n}, left_ > 0};
    }

   private:
    value_type& body_;
    std::uint64_t left_;
  };
};

}  // namespace tapstack
