#include "apps/sim/sim_report.hpp"

#include <cstdio>

namespace tapstack::sim {
namespace {

double seconds(duration d) { return std::chrono::duration<double>(d).count(); }

std::string figure(const char* format, double value) {
  char out[64];
  std::snprintf(out, sizeof out, format, value);
  return out;
}

std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (const char ch : text) {
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (static_cast<unsigned char>(ch) < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", ch);
      out += escaped;
    } else {
      out += ch;
    }
  }
  return out + '"';
}

const char* yes_no(bool b) { return b ? "yes" : "no"; }

std::string workload(const sim_options& o) {
  switch (o.scenario) {
    case scenario_kind::bulk:
      return std::to_string(o.bytes) + " bytes from client to server";
    case scenario_kind::rr:
      return std::to_string(o.requests) + " requests of " + std::to_string(o.request_size) +
             " bytes, responses of " + std::to_string(o.response_size) + ", on one connection";
    case scenario_kind::churn:
      return std::to_string(o.connections) + " connections, each a request of " +
             std::to_string(o.request_size) + " bytes and a response of " +
             std::to_string(o.response_size);
    case scenario_kind::duplex:
      return std::to_string(o.bytes) + " bytes each way at once, on one connection";
  }
  return {};
}

}  // namespace

void print_text(std::ostream& out, const sim_options& o, const sim_result& r) {
  out << "scenario          " << to_string(o.scenario) << ": " << workload(o) << ", seed " << o.seed
      << '\n'
      << "outcome           " << to_string(r.result) << (r.detail.empty() ? "" : ": ") << r.detail
      << '\n';
  if (r.result == outcome::failed)
    out << "link's doing      "
        << (r.unexplained_failure.empty() ? "yes" : "no: " + r.unexplained_failure) << '\n';
  out << "goodput           " << figure("%.3f", r.goodput_bps / 1e6) << " Mbit/s\n"
      << "completion        " << figure("%.6f", seconds(r.completion)) << " s (virtual)\n"
      << "delivered         " << r.delivered_bytes << " of " << r.expected_bytes << " bytes, "
      << r.connections_done << " connection" << (r.connections_done == 1 ? "" : "s") << " done\n"
      << "intact            " << yes_no(r.intact()) << '\n'
      << "retransmits       " << r.retransmits << '\n'
      << "rtos              " << r.rtos << '\n'
      << "fast retransmits  " << r.fast_retransmits << '\n'
      << "resets sent       " << r.resets_sent << '\n'
      << "all closed        " << yes_no(r.all_closed);
  if (!r.all_closed) out << " (" << r.connections_left << " connections left)";
  out << ", at " << figure("%.6f", seconds(r.ended)) << " s (virtual)\n"
      << "held at the end   " << r.held << '\n'
      << "link queue drops  " << r.link_queue_drops << '\n'
      << "busiest idle s    " << r.busiest_idle_second
      << " frames (the most in a virtual second without a new ACK)\n"
      << "fault injector (at the client; in = to the client, out = from it):\n"
      << r.fault_report;
}

std::string to_json(const sim_options& o, const sim_result& r) {
  std::string j = "{";
  const auto key = [&j](const char* name) {
    if (j.size() > 1) j += ", ";
    j += '"';
    j += name;
    j += "\": ";
  };
  const auto number = [&](const char* name, auto value) {
    key(name);
    j += std::to_string(value);
  };
  const auto real = [&](const char* name, double value) {
    key(name);
    j += figure("%.9g", value);
  };
  const auto boolean = [&](const char* name, bool value) {
    key(name);
    j += value ? "true" : "false";
  };
  key("scenario");
  j += json_string(to_string(o.scenario));
  number("seed", o.seed);
  key("outcome");
  j += json_string(to_string(r.result));
  key("detail");
  j += json_string(r.detail);
  key("unexplained_failure");
  j += json_string(r.unexplained_failure);
  boolean("intact", r.intact());
  real("goodput_bps", r.goodput_bps);
  real("completion_s", seconds(r.completion));
  number("retransmits", r.retransmits);
  number("rtos", r.rtos);
  number("fast_retransmits", r.fast_retransmits);
  number("resets_sent", r.resets_sent);
  number("delivered_bytes", r.delivered_bytes);
  number("expected_bytes", r.expected_bytes);
  number("connections_done", r.connections_done);
  boolean("all_closed", r.all_closed);
  number("connections_left", r.connections_left);
  key("held");
  j += json_string(r.held);
  real("virtual_s", seconds(r.ended));
  number("link_queue_drops", r.link_queue_drops);
  number("busiest_idle_second", r.busiest_idle_second);
  key("faults");
  j += '{';
  for (std::size_t i = 0; i < r.fault_counts.size(); ++i) {
    if (i) j += ", ";
    j += json_string(r.fault_counts[i].first) + ": " + std::to_string(r.fault_counts[i].second);
  }
  return j + "}}";
}

}  // namespace tapstack::sim
