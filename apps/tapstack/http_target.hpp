#pragma once
// How the toy host's HTTP server turns a request target into a file under --http-root: the one
// place that confines a request to the root (DESIGN.md, every peer is an attacker). Whatever the
// target, a file it names lies under the root's real path, unless the root was made to follow
// symbolic links out of it. Not for routing the built-in pages (decoded_path serves that) and
// not for opening the file: the caller opens the path it gets. An http_root is a plain value; it
// reads the file system on every map(), so changes to the tree show at the next request. The check
// holds when map() runs: someone who can change the tree under the root between that and the
// open is trusted (the tree belongs to whoever started the host, not to clients). The root's own
// real path is found once, when the http_root is made; moving the root, or putting a link in its
// place, is its owner's doing too.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

struct stat;

namespace tapstack {

// The path of a request target: what comes before "?query" or "#fragment", percent-decoded.
// nullopt when an escape is not "%" and two hex digits, or decodes to NUL (no file name holds
// one, and C calls would stop there).
std::optional<std::string> decoded_path(std::string_view target);

// What tells one version of a file from another, as stat(2) finds it: the same device and inode,
// size, and times of the last change to its content and to its inode.
struct file_identity {
  std::uint64_t device = 0, inode = 0, size = 0;
  std::int64_t modified_ns = 0, changed_ns = 0;
  friend bool operator==(const file_identity&, const file_identity&) = default;
};

// Of what stat(2) or fstat(2) found.
file_identity identity_of(const struct stat& st);

// Where a target leads. Each kind is one HTTP answer, so the server never guesses a status.
struct file_target {
  enum class kind {
    file,         // 200: path is the file to send, its symbolic links resolved
    redirect,     // 301: location is the same directory with its trailing slash
    bad_request,  // 400: the target is malformed or tries to climb out of the root
    not_found,    // 404: nothing we serve has that name
  };
  kind what = kind::not_found;
  std::filesystem::path path;
  file_identity identity;  // file: the file map() found, as it found it
  std::string location;
};

class http_root {
 public:
  // Throws std::filesystem::filesystem_error when dir cannot be resolved (it does not exist).
  explicit http_root(const std::filesystem::path& dir, bool follow_symlinks = false);

  // The rules, in order: decoded_path (bad escapes are 400); the path must start with "/" and
  // hold no backslash and no ".." segment (400); empty and "." segments are dropped, so "//x"
  // is the root's x; symbolic links are resolved and the result must lie under the root's real
  // path (404 otherwise) unless follow_symlinks; a directory named with a trailing slash serves
  // its index.html, without one it redirects to the slashed name; only regular files are
  // served (a FIFO would block the server).
  file_target map(std::string_view target) const;

  const std::filesystem::path& real_path() const { return real_; }
  bool follows_symlinks() const { return follow_symlinks_; }

 private:
  std::filesystem::path real_;
  bool follow_symlinks_;
};

}  // namespace tapstack
