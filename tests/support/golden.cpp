#include "tests/support/golden.hpp"

#include <cctype>
#include <charconv>
#include <fstream>
#include <stdexcept>

namespace tapstack::test {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// "0x0010:  0800 0604 ..." -> the bytes after the offset; the offset must be where we are.
void parse_hex_line(const std::string& line, std::vector<std::uint8_t>& out,
                    const std::string& where) {
  const auto colon = line.find(':');
  if (colon == std::string::npos) throw std::runtime_error(where + ": no offset in '" + line + "'");
  const auto offset = std::stoul(line.substr(0, colon), nullptr, 16);
  if (offset != out.size()) throw std::runtime_error(where + ": offset out of sequence");
  int high = -1;
  for (std::size_t i = colon + 1; i < line.size(); ++i) {
    const char c = line[i];
    if (std::isspace(static_cast<unsigned char>(c))) continue;
    const int v = hex_value(c);
    if (v < 0) throw std::runtime_error(where + ": not hex: '" + line + "'");
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<std::uint8_t>(high << 4 | v));
      high = -1;
    }
  }
  if (high >= 0) throw std::runtime_error(where + ": odd number of hex digits");
}

}  // namespace

const std::string& golden_frame::tcpdump_line(std::string_view flags) const {
  const auto it = tcpdump.find(flags);
  if (it == tcpdump.end())
    throw std::runtime_error(name + ": no 'tcpdump " + std::string{flags} + ":' line");
  return it->second;
}

std::uint64_t golden_frame::tcpdump_number(std::string_view flags, std::string_view key) const {
  const std::string& line = tcpdump_line(flags);
  const std::string needle = std::string{key} + " ";
  for (auto at = line.find(needle); at != std::string::npos; at = line.find(needle, at + 1)) {
    const bool word_start = at == 0 || line[at - 1] == ' ' || line[at - 1] == '(';
    std::uint64_t value = 0;
    const char* first = line.data() + at + needle.size();
    const auto [end, ec] = std::from_chars(first, line.data() + line.size(), value);
    if (word_start && ec == std::errc{} && end != first) return value;
  }
  throw std::runtime_error(name + ": no '" + needle + "<number>' in: " + line);
}

golden_frame load_golden(std::string_view name) {
  const std::string path =
      std::string{TAPSTACK_SOURCE_DIR} + "/tests/unit/golden/" + std::string{name} + ".hex";
  std::ifstream in{path};
  if (!in)
    throw std::runtime_error(path + ": cannot open (re-make with tests/support/capture-golden)");
  golden_frame g;
  g.name = name;
  const std::string_view tag = "# tcpdump ";
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    if (line.front() == '#') {
      // "# tcpdump -n: IP 10.0.0.1 > ..." -> tcpdump["-n"]
      const auto colon = line.find(": ");
      if (line.starts_with(tag) && colon != std::string::npos)
        g.tcpdump.emplace(line.substr(tag.size(), colon - tag.size()), line.substr(colon + 2));
      continue;
    }
    parse_hex_line(line, g.bytes, path);
  }
  if (g.bytes.empty()) throw std::runtime_error(path + ": no frame");
  return g;
}

}  // namespace tapstack::test
