#include "apps/tapstack/file_cache.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>

namespace tapstack {
namespace {

// How long ago a file's content must have changed for its modification time to tell the next
// change: a write within the same clock tick as the last would leave it as it is.
constexpr std::int64_t settled_ns = 1'000'000'000;

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

const std::string* file_cache::get(const file_target& target) {
  if (target.identity.size > max_file) return nullptr;
  const std::string path = target.path.string();
  if (const auto it = entries_.find(path); it != entries_.end()) {
    if (it->second.identity == target.identity) return &it->second.content;
    bytes_ -= it->second.content.size();
    oldest_.erase(it->second.age);
    entries_.erase(it);
  }
  std::string content;
  if (!read(target, content)) return nullptr;
  if (now_ns() - target.identity.modified_ns < settled_ns || content.size() > max_total_) {
    scratch_ = std::move(content);
    return &scratch_;
  }
  return &keep(path, target.identity, std::move(content));
}

bool file_cache::read(const file_target& target, std::string& content) {
  const int fd = ::open(target.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st;
  bool same = ::fstat(fd, &st) == 0 && identity_of(st) == target.identity;
  if (same) {
    ++files_read_;
    content.resize(target.identity.size);
    std::size_t got = 0;
    for (ssize_t n = 1; got < content.size() && n > 0; got += n > 0 ? n : 0)
      n = ::read(fd, content.data() + got, content.size() - got);
    same = got == content.size();
  }
  ::close(fd);
  return same;
}

const std::string& file_cache::keep(const std::string& path, const file_identity& identity,
                                    std::string content) {
  bytes_ += content.size();
  while (bytes_ > max_total_) {
    const auto old = entries_.find(oldest_.front());
    bytes_ -= old->second.content.size();
    entries_.erase(old);
    oldest_.pop_front();
  }
  oldest_.push_back(path);
  return entries_.emplace(path, entry{identity, std::move(content), std::prev(oldest_.end())})
      .first->second.content;
}

}  // namespace tapstack
