// http_root::map against a real tree made for each test in a fresh temporary directory: files,
// subdirectories, an index.html, a name with a space, a FIFO, symbolic links that stay inside the
// root and ones that lead out of it (one into a sibling whose name merely starts like the root's),
// and every escape we know of. Also decoded_path, which the server routes on.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "apps/tapstack/http_target.hpp"

namespace tapstack::test {
namespace {

namespace fs = std::filesystem;
using kind = file_target::kind;

// top/root is the served root; top/outside and top/root2 lie beside it.
struct tree {
  tree() {
    std::string name = (fs::temp_directory_path() / "tapstack-http-target-XXXXXX").string();
    REQUIRE(::mkdtemp(name.data()) != nullptr);
    top = fs::canonical(name);
    root = top / "root";
    for (const char* dir :
         {"root/sub", "root/etc", "root/empty", "root/with space", "outside", "root2"})
      fs::create_directories(top / dir);
    write("root/index.html", "home");
    write("root/hello.txt", "hello");
    write("root/a b.txt", "spaced");
    write("root/etc/hostname", "inside");
    write("root/sub/index.html", "sub home");
    write("root/sub/page.txt", "page");
    write("outside/secret.txt", "secret");
    write("root2/x.txt", "sibling");
    fs::create_symlink("hello.txt", root / "in.txt");
    fs::create_symlink("sub", root / "insub");
    fs::create_symlink("../outside/secret.txt", root / "out.txt");
    fs::create_symlink("../outside", root / "outdir");
    fs::create_symlink("../root2/x.txt", root / "sibling.txt");
    fs::create_symlink("/etc", root / "abs");
    fs::create_symlink("loop", root / "loop");
    REQUIRE(::mkfifo((root / "fifo").c_str(), 0600) == 0);
  }
  ~tree() { fs::remove_all(top); }
  void write(const char* name, const char* text) const { std::ofstream{top / name} << text; }

  fs::path top;
  fs::path root;
};

TEST_CASE("http decoded_path drops the query and fragment and decodes escapes") {
  CHECK(decoded_path("/index.html?x=1") == "/index.html");
  CHECK(decoded_path("/sub/index.html#frag") == "/sub/index.html");
  CHECK(decoded_path("/a?b#c?d") == "/a");
  CHECK(decoded_path("/a%20b.txt") == "/a b.txt");
  CHECK(decoded_path("/%2e%2E%2Fx") == "/../x");
  CHECK(decoded_path("/a+b") == "/a+b");  // "+" is a space only in form data
  CHECK(decoded_path("/x?%zz") == "/x");  // a query is not ours to judge
  CHECK(decoded_path("") == "");
}

TEST_CASE("http decoded_path refuses bad escapes and NUL") {
  for (const char* bad : {"/%zz", "/%4", "/%", "/a%", "/%g0", "/%0g", "/%00", "/a%00b"}) {
    CAPTURE(bad);
    CHECK_FALSE(decoded_path(bad).has_value());
  }
  CHECK_FALSE(decoded_path(std::string_view{"/a\0b", 4}).has_value());
}

TEST_CASE("http targets name the root's files, with queries, fragments and escapes") {
  const tree t;
  const http_root root{t.root};
  CHECK(root.real_path() == t.root);
  const auto file = [&](std::string_view target) {
    const auto got = root.map(target);
    CHECK(got.what == kind::file);
    return got.path;
  };
  CHECK(file("/index.html?x=1") == t.root / "index.html");
  CHECK(file("/hello.txt") == t.root / "hello.txt");
  CHECK(file("/a%20b.txt") == t.root / "a b.txt");
  CHECK(file("/sub/index.html#frag") == t.root / "sub/index.html");
  CHECK(file("/sub/page.txt?") == t.root / "sub/page.txt");
  CHECK(file("/./sub/./page.txt") == t.root / "sub/page.txt");
  CHECK(file("/sub%2Fpage.txt") == t.root / "sub/page.txt");  // %2F separates after decoding
}

TEST_CASE("http a directory with a slash serves its index.html, without one redirects") {
  const tree t;
  const http_root root{t.root};
  CHECK(root.map("/sub/").path == t.root / "sub/index.html");
  CHECK(root.map("/sub/?x=1").path == t.root / "sub/index.html");
  CHECK(root.map("/").path == t.root / "index.html");
  CHECK(root.map("/empty/").what == kind::not_found);
  const std::pair<const char*, const char*> redirects[] = {
      {"/sub", "/sub/"}, {"//sub", "/sub/"},    {"/sub/.", "/sub/"},
      {"/.", "/"},       {"/insub", "/insub/"}, {"/with%20space?q", "/with%20space/"}};
  for (const auto& [target, location] : redirects) {
    CAPTURE(target);
    const auto got = root.map(target);
    CHECK(got.what == kind::redirect);
    CHECK(got.location == location);
  }
  // A file is not a directory.
  CHECK(root.map("/hello.txt/").what == kind::not_found);
  CHECK(root.map("/hello.txt/x").what == kind::not_found);
}

TEST_CASE("http escapes from the root are refused or stay inside it") {
  const tree t;
  const http_root root{t.root};
  // Leading slashes do not make an absolute path: these name the root's etc, proc.
  CHECK(root.map("///etc/hostname").path == t.root / "etc/hostname");
  for (const char* target : {"//etc/passwd", "//proc/self/environ", "/etc/passwd"}) {
    CAPTURE(target);
    CHECK(root.map(target).what == kind::not_found);
  }
  for (const char* target :
       {"/../x", "/a/../../x", "/%2e%2e/x", "/%2E%2E%2Fx", "/..%2fx", "/a\\..\\x", "/%00", "/%zz",
        "/%4", "/..", "/sub/..", "/sub/../index.html", "/%5c", "/%2e%2e%5cx", "index.html", "",
        "http://10.0.0.2/index.html", "*"}) {
    CAPTURE(target);
    CHECK(root.map(target).what == kind::bad_request);
  }
}

TEST_CASE("http symbolic links: inside the root they are followed, out of it only when allowed") {
  const tree t;
  const http_root confined{t.root};
  CHECK(confined.map("/in.txt").path == t.root / "hello.txt");
  CHECK(confined.map("/insub/page.txt").path == t.root / "sub/page.txt");
  CHECK(confined.map("/insub/").path == t.root / "sub/index.html");
  for (const char* target :
       {"/out.txt", "/outdir/secret.txt", "/sibling.txt", "/abs/hostname", "/loop"}) {
    CAPTURE(target);
    CHECK(confined.map(target).what == kind::not_found);
  }

  const http_root following{t.root, true};
  CHECK(following.follows_symlinks());
  CHECK(following.map("/out.txt").path == t.top / "outside/secret.txt");
  CHECK(following.map("/outdir/secret.txt").path == t.top / "outside/secret.txt");
  CHECK(following.map("/sibling.txt").path == t.top / "root2/x.txt");
  // Following links does not let ".." or a leading "//" through.
  CHECK(following.map("/../outside/secret.txt").what == kind::bad_request);
  CHECK(following.map("//etc/passwd").what == kind::not_found);
}

TEST_CASE("http an index.html that links out of the root is not served") {
  const tree t;
  fs::create_directories(t.root / "trap");
  fs::create_symlink("../../outside/secret.txt", t.root / "trap/index.html");
  CHECK(http_root{t.root}.map("/trap/").what == kind::not_found);
  CHECK(http_root{t.root, true}.map("/trap/").path == t.top / "outside/secret.txt");
}

TEST_CASE("http the tree is read at every request: a name that becomes a link out is refused") {
  const tree t;
  const http_root root{t.root};
  CHECK(root.map("/sub/page.txt").path == t.root / "sub/page.txt");
  fs::remove(t.root / "sub/page.txt");
  fs::create_symlink("../../outside/secret.txt", t.root / "sub/page.txt");
  CHECK(root.map("/sub/page.txt").what == kind::not_found);
  fs::remove_all(t.root / "sub");
  fs::create_symlink("../outside", t.root / "sub");
  CHECK(root.map("/sub/secret.txt").what == kind::not_found);
  CHECK(root.map("/sub/").what == kind::not_found);
}

TEST_CASE("http only regular files are served: a FIFO or a missing name is 404") {
  const tree t;
  const http_root root{t.root};
  CHECK(root.map("/fifo").what == kind::not_found);
  CHECK(root.map("/missing.txt").what == kind::not_found);
  CHECK(root.map("/missing/").what == kind::not_found);
}

TEST_CASE("http a root given through a symbolic link is served from its real path") {
  const tree t;
  fs::create_symlink("root", t.top / "link-to-root");
  const http_root root{t.top / "link-to-root"};
  CHECK(root.real_path() == t.root);
  CHECK(root.map("/hello.txt").path == t.root / "hello.txt");
  CHECK(root.map("/out.txt").what == kind::not_found);
}

TEST_CASE("http a root that does not exist throws") {
  CHECK_THROWS_AS(http_root{"/nonexistent/tapstack-http-root"}, fs::filesystem_error);
}

}  // namespace
}  // namespace tapstack::test
