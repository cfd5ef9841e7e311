#include "tests/support/allocation_counter.hpp"

#include <cstdlib>
#include <new>

namespace tapstack::test {
namespace {

bool counting = false;
allocation_count counted;

void* counted_new(std::size_t size) {
  if (counting) {
    if (counted.calls < counted.first_sizes.size()) counted.first_sizes[counted.calls] = size;
    ++counted.calls;
  }
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc{};
}

}  // namespace

std::ostream& operator<<(std::ostream& out, const allocation_count& c) {
  out << c.calls << " allocations";
  if (c.calls == 0) return out;
  out << " (sizes";
  for (std::size_t i = 0; i < c.calls && i < c.first_sizes.size(); ++i)
    out << ' ' << c.first_sizes[i];
  return out << (c.calls > c.first_sizes.size() ? " ...)" : ")");
}

void start_counting_allocations() {
  counted = {};
  counting = true;
}

allocation_count stop_counting_allocations() {
  counting = false;
  return counted;
}

allocations_not_counted::allocations_not_counted() : was_counting_{counting} { counting = false; }
allocations_not_counted::~allocations_not_counted() { counting = was_counting_; }

}  // namespace tapstack::test

void* operator new(std::size_t size) { return tapstack::test::counted_new(size); }
void* operator new[](std::size_t size) { return tapstack::test::counted_new(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
