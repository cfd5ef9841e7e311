// Fuzzes the toy host's request-target mapping (apps/tapstack/http_target.cpp) with whole targets
// against a fixed tree, made once in a fresh temporary directory and removed at exit: files, a
// directory with an index.html, links that stay inside the root and links that lead out of it
// (one into a sibling whose name merely starts like the root's). The invariant is confinement:
// with links confined, every file the mapping returns has its real path under the root's real
// path, checked here by comparing strings rather than with the mapping's own helper. Besides:
// what decoded_path refuses is a 400, a 400 does not depend on the link policy, a redirect's
// location is one plain path that maps back to the same directory, and following links only ever
// adds files. Seeds: a few targets, escapes and ordinary ones, in corpus/fuzz-http-target/.
#include <stdlib.h>
#include <sys/stat.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "apps/tapstack/http_target.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace fs = std::filesystem;
using tapstack::file_target;
using tapstack::http_root;
using kind = file_target::kind;

namespace {

struct tree {
  tree() {
    std::string name = (fs::temp_directory_path() / "tapstack-fuzz-http-XXXXXX").string();
    TAPSTACK_FUZZ_CHECK(::mkdtemp(name.data()) != nullptr);
    top = fs::canonical(name);
    for (const char* dir : {"root/sub/deeper", "root/etc", "outside", "root2"})
      fs::create_directories(top / dir);
    for (const char* file :
         {"root/index.html", "root/a b.txt", "root/etc/hostname", "root/sub/index.html",
          "root/sub/deeper/x.txt", "outside/secret.txt", "outside/index.html", "root2/x.txt"})
      std::ofstream{top / file} << file;
    const std::pair<const char*, const char*> links[] = {{"index.html", "root/in.txt"},
                                                         {"sub", "root/insub"},
                                                         {"../outside/secret.txt", "root/out.txt"},
                                                         {"../outside", "root/outdir"},
                                                         {"../root2", "root/sib"},
                                                         {"/etc", "root/abs"},
                                                         {"loop", "root/loop"},
                                                         {"../../outside", "root/sub/up"}};
    for (const auto& [to, from] : links) fs::create_symlink(to, top / from);
    TAPSTACK_FUZZ_CHECK(::mkfifo((top / "root/fifo").c_str(), 0600) == 0);
  }
  ~tree() { fs::remove_all(top); }

  fs::path top;
};

// Independent of the mapping's own element-wise check: a string prefix ending at a separator.
bool under(const fs::path& p, const fs::path& dir) {
  const std::string s = p.string();
  const std::string d = dir.string();
  return s == d || (s.starts_with(d) && s.size() > d.size() && s[d.size()] == '/');
}

bool plain_location(std::string_view location) {
  if (!location.starts_with('/') || !location.ends_with('/') || location.starts_with("//"))
    return false;
  for (const char c : location) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.' || c == '_' || c == '~' || c == '%' || c == '/';
    if (!ok) return false;
  }
  return location.find("//") == std::string_view::npos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const tree t;
  static const http_root confined{t.top / "root"};
  static const http_root following{t.top / "root", true};
  const std::string_view target{reinterpret_cast<const char*>(data), size};

  const file_target got = confined.map(target);
  if (!tapstack::decoded_path(target)) TAPSTACK_FUZZ_CHECK(got.what == kind::bad_request);
  if (got.what == kind::file) {
    std::error_code ec;
    const fs::path real = fs::canonical(got.path, ec);
    TAPSTACK_FUZZ_CHECK(!ec && real == got.path);
    TAPSTACK_FUZZ_CHECK(under(real, confined.real_path()));
    TAPSTACK_FUZZ_CHECK(fs::is_regular_file(real));
  }
  if (got.what == kind::redirect) {
    TAPSTACK_FUZZ_CHECK(plain_location(got.location));
    const file_target again = confined.map(got.location);
    TAPSTACK_FUZZ_CHECK(again.what == kind::file || again.what == kind::not_found);
  }

  const file_target followed = following.map(target);
  TAPSTACK_FUZZ_CHECK((got.what == kind::bad_request) == (followed.what == kind::bad_request));
  if (got.what == kind::file)
    TAPSTACK_FUZZ_CHECK(followed.what == kind::file && followed.path == got.path);
  if (followed.what == kind::file) TAPSTACK_FUZZ_CHECK(fs::is_regular_file(followed.path));
  return 0;
}
