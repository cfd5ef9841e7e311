#pragma once
// What a view's check or a repr's parse returns: the value, or the drop reason that names what was
// wrong with the bytes. Malformed input is expected from the network, so this is a value, not an
// exception or an assertion.
#include <cassert>
#include <utility>
#include <variant>

#include "stack/base/counters.hpp"

namespace tapstack {

template <class T>
class parse_result {
 public:
  parse_result(T value) : v_{std::move(value)} {}
  parse_result(drop_reason why) : v_{why} {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  const T& value() const {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& operator*() const { return value(); }
  const T* operator->() const { return &value(); }
  drop_reason error() const {
    assert(!ok());
    return std::get<1>(v_);
  }

 private:
  std::variant<T, drop_reason> v_;
};

}  // namespace tapstack
