#pragma once
// Small files from --http-root kept in memory once read, so that a request for one costs the lstat
// that http_root::map makes anyway and not an open, an fstat, a read and a close besides: four
// system calls of the five that made a 100-byte file slower to serve than nginx serves it. An
// entry answers only for the version of the file it was read from: map() looks at the file for
// every request, and an entry whose file_identity (device, inode, size, times) differs from what
// map() found is read again. A file written within the last second is not kept: its modification
// time, which the kernel keeps to a clock tick, may not change again with its next write (git's
// "racily clean" files). At most max_file bytes per file and max_total in all; past that, the
// oldest entries go. One per server; not for files larger than max_file, which are streamed.
#include <cstddef>
#include <list>
#include <string>
#include <unordered_map>

#include "apps/tapstack/http_target.hpp"

namespace tapstack {

class file_cache {
 public:
  static constexpr std::size_t max_file = 64 * 1024;
  explicit file_cache(std::size_t max_total = 8 * 1024 * 1024) : max_total_{max_total} {}

  // The content of the file target names (a kind::file from map()), from memory when this
  // version of it is kept, else read now; nullptr when it is larger than max_file, cannot be
  // read, or changed since map() looked at it: the caller streams it then (and finds out why).
  // Valid until the next call.
  const std::string* get(const file_target& target);

  std::size_t files_read() const { return files_read_; }  // from the disk, not from memory
  std::size_t bytes() const { return bytes_; }            // kept now

 private:
  struct entry {
    file_identity identity;
    std::string content;
    std::list<std::string>::iterator age;  // its place in oldest_
  };
  // Reads path whole into content when it is still the version identity names.
  bool read(const file_target& target, std::string& content);
  // Keeps content, at most max_total_ of it, letting the oldest go.
  const std::string& keep(const std::string& path, const file_identity& identity,
                          std::string content);

  std::size_t max_total_;
  std::unordered_map<std::string, entry> entries_;
  std::list<std::string> oldest_;  // the entries' paths, oldest first
  std::size_t bytes_ = 0;
  std::size_t files_read_ = 0;
  std::string scratch_;  // a file read but not kept
};

}  // namespace tapstack
