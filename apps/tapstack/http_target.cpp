#include "apps/tapstack/http_target.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <span>
#include <system_error>
#include <vector>

namespace tapstack {
namespace fs = std::filesystem;
namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// RFC 3986's unreserved characters: the only ones a Location we build leaves unescaped, so the
// name we send back cannot read as anything but one path segment.
bool unreserved(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

std::string escaped(std::string_view segment) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : segment) {
    if (unreserved(c)) {
      out += c;
      continue;
    }
    const auto byte = static_cast<unsigned char>(c);
    out += '%';
    out += hex[byte >> 4];
    out += hex[byte & 0xf];
  }
  return out;
}

// Element by element, so that /srv/www2 does not count as under /srv/www.
bool lies_under(const fs::path& p, const fs::path& dir) {
  return std::mismatch(dir.begin(), dir.end(), p.begin(), p.end()).first == dir.end();
}

file_target answer(file_target::kind what) { return file_target{.what = what}; }

// A path with every symbolic link on it resolved, and what stat(2) says of what it names.
struct resolved {
  fs::path path;
  struct stat status;
};

// What fs::canonical makes of dir / names, with its status, for a dir that is a real path already;
// nullopt when something named does not exist. canonical walks the file system once for every
// component of the whole path, dir's own included, and a request costs that every time. Most name
// no link at all: each name is looked at once with lstat, and when none is a symbolic link, dir /
// names is real as it stands, and the last lstat says what it is. A link met on the way sends the
// whole path through canonical, and what it leads to is looked at with stat. dir is taken to be as
// it was found when the root was resolved: like the tree under it, it belongs to whoever started
// the host.
std::optional<resolved> resolve(const fs::path& dir, std::span<const std::string_view> names) {
  resolved r{dir, {}};
  if (names.empty()) return ::stat(dir.c_str(), &r.status) == 0 ? std::optional{r} : std::nullopt;
  auto name = names.begin();
  bool link = false;
  while (name != names.end() && !link) {
    r.path /= fs::path{*name++};
    if (::lstat(r.path.c_str(), &r.status) != 0) return std::nullopt;
    link = S_ISLNK(r.status.st_mode);
  }
  if (!link) return r;
  for (; name != names.end(); ++name) r.path /= fs::path{*name};
  std::error_code ec;
  r.path = fs::canonical(r.path, ec);
  if (ec || ::stat(r.path.c_str(), &r.status) != 0) return std::nullopt;
  return r;
}

}  // namespace

file_identity identity_of(const struct stat& st) {
  return {static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino),
          static_cast<std::uint64_t>(st.st_size),
          st.st_mtim.tv_sec * 1'000'000'000LL + st.st_mtim.tv_nsec,
          st.st_ctim.tv_sec * 1'000'000'000LL + st.st_ctim.tv_nsec};
}

std::optional<std::string> decoded_path(std::string_view target) {
  target = target.substr(0, target.find_first_of("?#"));
  std::string out;
  out.reserve(target.size());
  for (std::size_t i = 0; i < target.size(); ++i) {
    char c = target[i];
    if (c == '%') {
      if (target.size() - i < 3) return std::nullopt;
      const int high = hex_digit(target[i + 1]);
      const int low = hex_digit(target[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      c = static_cast<char>(high * 16 + low);
      i += 2;
    }
    // A raw NUL never passes Beast's parser, but this function takes any bytes (the fuzz target).
    if (c == '\0') return std::nullopt;
    out += c;
  }
  return out;
}

http_root::http_root(const fs::path& dir, bool follow_symlinks)
    : real_{fs::canonical(dir)}, follow_symlinks_{follow_symlinks} {}

file_target http_root::map(std::string_view target) const {
  using kind = file_target::kind;
  const auto path = decoded_path(target);
  // Backslashes are refused rather than taken as ordinary bytes: "..\" climbs on servers that
  // read them as separators, and whatever stands in front of this one may be such a server.
  if (!path || !path->starts_with('/') || path->find('\\') != std::string::npos)
    return answer(kind::bad_request);

  // Segments are split after decoding, so "%2F" separates like "/" and "%2e%2e" is "..". Empty
  // segments are dropped: a leading "//" must not turn the rest into an absolute path that
  // replaces the root when joined.
  std::vector<std::string_view> segments;
  const std::string_view rest{*path};
  for (std::size_t begin = 0; begin < rest.size();) {
    const std::size_t end = std::min(rest.find('/', begin), rest.size());
    const auto segment = rest.substr(begin, end - begin);
    // 400 for every "..", not only one that climbs above the root (as nginx does): clients
    // remove dot segments before sending (RFC 3986 5.2.4), so one that arrives was written by
    // hand to probe, and no name we serve needs it.
    if (segment == "..") return answer(kind::bad_request);
    if (!segment.empty() && segment != ".") segments.push_back(segment);
    begin = end + 1;
  }

  // The real path of what names lead to from dir, when it exists and may be served. A link that
  // leaves the root is 404, not 403: the answer does not tell a prober which names are links.
  const auto servable = [this](const fs::path& dir, std::span<const std::string_view> names) {
    auto real = resolve(dir, names);
    if (real && !follow_symlinks_ && !lies_under(real->path, real_)) real.reset();
    return real;
  };
  const auto real = servable(real_, segments);
  if (!real) return answer(kind::not_found);
  const bool slash = path->ends_with('/');
  if (S_ISDIR(real->status.st_mode)) {
    // A 301 to the slashed name rather than a 404, as nginx and Apache answer: relative links in
    // the directory's index.html resolve against the slashed URL only. The location is rebuilt
    // from the checked segments, so "//host" cannot become a redirect to another host.
    if (!slash) {
      std::string location = "/";
      for (const auto segment : segments) location += escaped(segment) + "/";
      return file_target{.what = kind::redirect, .location = std::move(location)};
    }
    const std::string_view index_name = "index.html";
    const auto index = servable(real->path, {&index_name, 1});
    if (!index || !S_ISREG(index->status.st_mode)) return answer(kind::not_found);
    return file_target{
        .what = kind::file, .path = index->path, .identity = identity_of(index->status)};
  }
  // Only regular files: a FIFO or a device would block the server or never end.
  if (slash || !S_ISREG(real->status.st_mode)) return answer(kind::not_found);
  return file_target{.what = kind::file, .path = real->path, .identity = identity_of(real->status)};
}

}  // namespace tapstack
