#pragma once
// Counts the global operator new, for the tests that prove a steady state allocates nothing (the
// Asio face's async loop, a bulk transfer between two hosts). allocation_counter.cpp replaces the
// global operator new and delete of every binary that links it (a binary has one replacement, so
// this is it: unit-tests and sim-tests); it counts only between start and stop, and passes every
// call on to malloc and free. For one thread: the count is a plain variable, so no other thread
// may allocate while a test counts.
#include <array>
#include <cstddef>
#include <ostream>

namespace tapstack::test {

struct allocation_count {
  std::size_t calls = 0;
  // The sizes asked for by the first calls: what a failure message shows to tell whose they are.
  std::array<std::size_t, 8> first_sizes{};
};
// "3 allocations (sizes 16384 48 48)".
std::ostream& operator<<(std::ostream& out, const allocation_count& c);

// Counts from zero until stop_counting_allocations(), which says how many there were.
void start_counting_allocations();
allocation_count stop_counting_allocations();

// While one lives, allocations are not counted: where a test's apparatus works (an in-memory
// link that copies each frame into a vector of its own) rather than the code it measures.
class allocations_not_counted {
 public:
  allocations_not_counted();
  ~allocations_not_counted();
  allocations_not_counted(const allocations_not_counted&) = delete;
  allocations_not_counted& operator=(const allocations_not_counted&) = delete;

 private:
  bool was_counting_;
};

}  // namespace tapstack::test
