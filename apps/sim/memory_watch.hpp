#pragma once
// tapstack-sim --report-memory: whether a long churn keeps the process's memory flat. It reads the
// resident set (VmRSS in /proc/self/status) after the first early_connections connections, when
// TIME-WAIT holds about as many as it ever will (a churn connection takes some 6 ms of virtual
// time, TIME-WAIT 60 s), and at the end, every connection closed and the hosts still up. Memory
// that follows use is as large at the end as after the first ones; what grows with every
// connection shows as the difference. A figure of the process, not of a host: what a host holds
// is stack::held(), in the run's report.
//
// Linux only: without /proc a reading is absent. One run per watch.
#include <cstdint>
#include <iosfwd>
#include <optional>

#include "apps/sim/scenario.hpp"

namespace tapstack::sim {

class memory_watch final : public run_observer {
 public:
  static constexpr std::uint64_t early_connections = 10'000;

  void wired(network&) override {}
  void called(std::string_view, std::string_view) override {}
  void connection_done(std::uint64_t done) override;
  void settled() override;

  // "resident memory   24500 kB after 10000 connections, 24612 kB at the end (+0.5%)"; the
  // first reading only if the run had that many connections.
  void print(std::ostream& out) const;

 private:
  std::optional<std::uint64_t> early_kb_, end_kb_;
};

}  // namespace tapstack::sim
