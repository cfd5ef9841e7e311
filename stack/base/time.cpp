#include "stack/base/time.hpp"

#include <cstdio>

namespace tapstack {

std::string to_string(instant t) {
  const auto us =
      std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
  char out[32];
  std::snprintf(out, sizeof out, "%s%lld.%06lld", us < 0 ? "-" : "",
                static_cast<long long>((us < 0 ? -us : us) / 1000000),
                static_cast<long long>((us < 0 ? -us : us) % 1000000));
  return out;
}

std::string to_string(duration d) {
  const double ns = static_cast<double>(d.count());
  char out[32];
  if (ns >= 1e9 || ns <= -1e9)
    std::snprintf(out, sizeof out, "%gs", ns / 1e9);
  else if (ns >= 1e6 || ns <= -1e6)
    std::snprintf(out, sizeof out, "%gms", ns / 1e6);
  else if (ns >= 1e3 || ns <= -1e3)
    std::snprintf(out, sizeof out, "%gus", ns / 1e3);
  else
    std::snprintf(out, sizeof out, "%gns", ns);
  return out;
}

}  // namespace tapstack
