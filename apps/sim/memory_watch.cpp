#include "apps/sim/memory_watch.hpp"

#include <cstdio>
#include <fstream>
#include <ostream>
#include <string>

namespace tapstack::sim {
namespace {

// VmRSS in kB, as /proc/self/status gives it: "VmRSS:\t   24500 kB".
std::optional<std::uint64_t> resident_kb() {
  std::ifstream status{"/proc/self/status"};
  for (std::string line; std::getline(status, line);)
    if (line.starts_with("VmRSS:")) return std::stoull(line.substr(6));
  return std::nullopt;
}

}  // namespace

void memory_watch::connection_done(std::uint64_t done) {
  if (done == early_connections) early_kb_ = resident_kb();
}

void memory_watch::settled() { end_kb_ = resident_kb(); }

void memory_watch::print(std::ostream& out) const {
  const auto kb = [](const std::optional<std::uint64_t>& v) {
    return v ? std::to_string(*v) + " kB" : std::string{"unknown"};
  };
  out << "resident memory   ";
  if (early_kb_) out << kb(early_kb_) << " after " << early_connections << " connections, ";
  out << kb(end_kb_) << " at the end";
  if (early_kb_ && end_kb_) {
    char growth[32];
    std::snprintf(growth, sizeof growth, " (%+.1f%%)",
                  (static_cast<double>(*end_kb_) / static_cast<double>(*early_kb_) - 1) * 100);
    out << growth;
  }
  out << '\n';
}

}  // namespace tapstack::sim
