#pragma once
// How a fuzz target states an invariant: a broken check prints what broke and aborts, so libFuzzer
// keeps the input as a crash artifact. Unlike assert it holds whatever NDEBUG says. For the fuzz
// targets only; the core never aborts on what the network sends (DESIGN.md, errors by origin).
#include <cstdio>
#include <cstdlib>

namespace tapstack::fuzz {

[[noreturn]] inline void fail(const char* what, const char* file, int line) {
  std::fprintf(stderr, "%s:%d: invariant broken: %s\n", file, line, what);
  std::abort();
}

}  // namespace tapstack::fuzz

// A macro, not a function, so the message carries the condition's text and its line (clang 14 has
// no std::source_location).
#define TAPSTACK_FUZZ_CHECK(condition) \
  ((condition) ? void() : ::tapstack::fuzz::fail(#condition, __FILE__, __LINE__))
