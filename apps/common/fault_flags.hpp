#pragma once
// The "Faults" section of every host program's --help: loss, burst loss, duplication, reordering,
// corruption, delay, jitter, a rate limit, an MTU and dropping chosen frames, for the fault
// injector that device_chain then puts between the tap and the host. A plain value applies to both
// directions, one prefixed with in: or out: to one, and each flag may be given once per direction.
// Each bad value is a usage_error naming the flag and the expected form. Not for the simulator's
// links, which take a fault_config directly.
#include <boost/program_options.hpp>

#include "drivers/fault_injector.hpp"

namespace tapstack {

struct fault_options {
  fault_config in;   // frames arriving from the tap, on their way to the host
  fault_config out;  // frames the host sends
  // Whether any flag asks for a fault, so that a host without them runs no injector at all.
  bool any() const;
};

class fault_flags {
 public:
  boost::program_options::options_description description();
  // Throws usage_error on the first bad value.
  fault_options resolve(const boost::program_options::variables_map& vm) const;
};

}  // namespace tapstack
