#pragma once
// A device decorator that breaks a link on purpose, reproducibly: loss (uniform, and in
// Gilbert-Elliott bursts), duplication, reordering, bit corruption, latency with jitter, a rate
// limit with a tail-drop queue, an MTU, and targeted drops (the Nth frame, the Nth data segment of
// a TCP flow, segments with given flags). Each direction has its own fault_config: `in` acts on
// frames coming out of the inner device on their way to the host, `out` on frames the host
// transmits. Every random choice comes from one generator seeded at construction, so the same
// seed and the same frames, handed over in the same order, give the same faults, whether a
// simulator drives it in virtual time or the runner in real time.
//
// Frames it delays are held inside it; next_deadline() says when the next one is due, and the
// first receive() or transmit() at or after that instant passes it on (both drivers call receive
// on every wake-up). It never reads a clock. Not for the core: it parses frames only to recognise
// what its rules name. The inner device outlives the injector; the observer must not call back
// into it.
#include <array>
#include <bitset>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "stack/base/rng.hpp"
#include "stack/device.hpp"
#include "stack/wire/address.hpp"
#include "stack/wire/tcp.hpp"

namespace tapstack {

// The Gilbert-Elliott channel: a two-state Markov chain stepped once per frame that reaches it.
// From good it turns bad with probability p, from bad good again with probability r; then the
// frame is lost with probability 1 - h in the good state and 1 - k in the bad one. The defaults
// h = 1, k = 0 give Gilbert's model, the one to reason with: frames are lost exactly while the
// chain is bad, in bursts of 1 / r frames on average, and the long-run loss is p / (p + r). It
// starts good; with p = 0 and h = 1 it never loses a frame.
struct gilbert_elliott {
  double p = 0;  // good -> bad, per frame
  double r = 1;  // bad -> good, per frame
  double h = 1;  // 1 - h: loss in the good state
  double k = 0;  // 1 - k: loss in the bad state

  // Gilbert's model with this long-run loss share (0 <= mean_loss < 1) and this mean number of
  // frames lost in a row (mean_burst >= 1): r = 1 / mean_burst, p = mean_loss * r / (1 -
  // mean_loss). Throws std::invalid_argument when no chain has them (mean_loss above mean_burst /
  // (mean_burst + 1) would need p > 1).
  static gilbert_elliott from_mean(double mean_loss, double mean_burst);
  // The long-run share of frames lost.
  double mean_loss() const;
  bool enabled() const { return p > 0 || h < 1; }
};

// Which TCP connection a rule follows. Each part that is set must match one end of the segment
// (either way round, so one selector names a connection in both directions); with none set, the
// rule follows the connection of the first TCP segment it sees in its direction.
struct tcp_flow {
  std::optional<ipv4_endpoint> a;
  std::optional<ipv4_endpoint> b;
  std::optional<std::uint16_t> port;  // either end's port
};

// Drops the nth segment of the flow that carries data (1-based, retransmissions counted): a loss
// placed at a chosen point of a transfer. nth = 0: off.
struct data_segment_drop {
  std::uint64_t nth = 0;
  tcp_flow flow;
};

// Drops the first `count` TCP segments that carry every flag in `flags` ({.syn = true, .ack =
// true}: SYN-ACKs), then lets them through: a handshake that must be retried `count` times.
struct flag_drop {
  tcp_flags flags{};
  std::uint64_t count = 0;
};

// The faults of one direction. Shares are probabilities per frame, 0 to 1. A frame meets them in
// this order, and random draws are made only for faults that are set: the targeted rules, the
// MTU, the rate limiter's queue, burst loss, uniform loss, corruption, duplication, latency and
// jitter, reordering.
struct fault_config {
  double loss = 0;
  gilbert_elliott burst;
  // The copy follows its original at once, through the same delays.
  double duplicate = 0;
  // Frames held back by reorder_delay on top of their other delays, so that later frames
  // overtake them.
  double reorder = 0;
  duration reorder_delay = std::chrono::milliseconds{10};
  // Flips 1 to corrupt_bits distinct bits, chosen uniformly in the bytes after the Ethernet
  // header, so that the IPv4 or transport checksum must catch them.
  double corrupt = 0;
  unsigned corrupt_bits = 1;
  // Every frame waits latency plus a uniform draw in [0, jitter], and never leaves before a
  // frame that came in ahead of it: only `reorder` reorders.
  duration latency{};
  duration jitter{};
  // A link of rate_bps bits per second (0: unlimited) sends one frame at a time, the frame's
  // bytes as handed over; frames wait in a queue of queue_limit frames, the one being sent
  // included, and are dropped at its tail when it is full. latency counts from the end of
  // sending, as on a real link.
  std::uint64_t rate_bps = 0;
  std::size_t queue_limit = 1000;
  // Frames whose IPv4 packet (its total length, in bytes) is larger are dropped; 0: no limit.
  std::size_t mtu = 0;
  // Targeted drops: frames by their 1-based index in this direction, a flow's data segment,
  // segments by flags.
  std::vector<std::uint64_t> drop_frames;
  data_segment_drop drop_data_segment;
  flag_drop drop_flags;

  // Whether any fault is set: an injector with none passes every frame on untouched.
  bool any() const;
};

enum class direction : std::uint8_t { in, out };

// What happened to a frame: the first six drop it (the reason), the others let it through.
// device_full: a held outgoing frame the inner device refused when it was due. delayed: held for
// latency, jitter or the rate; a frame held back to be overtaken is reordered as well.
#define TAPSTACK_FAULT_KINDS(X)         \
  X(loss, "dropped_loss")               \
  X(burst, "dropped_burst")             \
  X(queue, "dropped_queue")             \
  X(mtu, "dropped_mtu")                 \
  X(rule, "dropped_rule")               \
  X(device_full, "dropped_device_full") \
  X(duplicated, "duplicated")           \
  X(reordered, "reordered")             \
  X(corrupted, "corrupted")             \
  X(delayed, "delayed")

#define TAPSTACK_ENUM_NAME(name, text) name,
enum class fault_kind : std::uint8_t { TAPSTACK_FAULT_KINDS(TAPSTACK_ENUM_NAME) count_ };
#undef TAPSTACK_ENUM_NAME

// The counter's name as report() prints it: "dropped_burst", "reordered".
std::string_view name(fault_kind k);
std::string_view name(direction d);
// Whether a fault of this kind loses the frame (one of the first six).
constexpr bool drops(fault_kind k) { return k <= fault_kind::device_full; }

// The faults one frame met in the injector, kept with it while it is held, so that whoever sees
// the frame come out later (a capture's comments) can tell what happened to it.
struct frame_faults {
  std::bitset<static_cast<std::size_t>(fault_kind::count_)> kinds;
  bool copy = false;                   // the duplicate that follows its original
  std::vector<std::size_t> corrupted;  // the byte offsets corruption changed, ascending
  duration delay{};  // held for latency, jitter, the rate or order; reordering's hold apart

  bool met(fault_kind k) const { return kinds.test(static_cast<std::size_t>(k)); }
  void clear();
};

class fault_injector final : public device {
 public:
  // Called for every frame dropped, duplicated (with the copy), delayed, reordered or corrupted
  // (after the flips), with the instant the fault was applied. The frame is valid during the
  // call only.
  using observer = std::function<void(direction, fault_kind, const_byte_span frame, instant)>;

  // Throws std::invalid_argument naming the field when a configuration makes no sense (a share
  // outside 0..1, a negative delay, a rate with no queue, corruption of 0 bits).
  fault_injector(device& inner, const fault_config& in, const fault_config& out,
                 std::uint64_t seed);

  std::size_t receive(byte_span out, instant now) override;
  bool transmit(const_byte_span frame, instant now) override;
  int wait_handle() const override { return inner_.wait_handle(); }
  void flush() override { inner_.flush(); }
  // The earliest of the inner device's deadline and the instants held frames are due.
  std::optional<instant> next_deadline() const override;

  void on_fault(observer o) { observer_ = std::move(o); }
  const fault_config& config(direction d) const { return side_of(d).config; }
  // Frames that entered in a direction, frames that met a fault there, frames held now.
  std::uint64_t frames(direction d) const { return side_of(d).frames; }
  std::uint64_t count(direction d, fault_kind k) const {
    return side_of(d).counts[static_cast<std::size_t>(k)];
  }
  std::size_t held(direction d) const { return side_of(d).held.size(); }
  // The byte offsets in the frame, ascending, that the latest corruption changed (each holds at
  // least one flipped bit); valid until the next frame.
  std::span<const std::size_t> last_corruption() const { return admitting_.corrupted; }
  // What the frame the latest receive() returned met on its way in, however long it was held;
  // nothing when receive() returned 0.
  const frame_faults& last_received() const { return last_received_; }
  // What the latest transmit() did to the frame it was handed, a drop among them. Frames held
  // from earlier calls and refused by the inner device now are the observer's to report
  // (device_full).
  const frame_faults& last_transmitted() const { return last_transmitted_; }
  // One line per direction and counter, "  out_dropped_loss         12", as a host's counters
  // print; frames counted first.
  std::string report() const;

 private:
  struct held_frame {
    instant due;
    std::uint64_t order;  // frames due at one instant leave in the order they came
    std::vector<std::uint8_t> bytes;
    frame_faults met;
  };
  // The rate limiter's queue: when each waiting frame finishes being sent, oldest first, in a
  // ring of queue_limit entries allocated once.
  struct departure_ring {
    std::vector<instant> finish;
    std::size_t head = 0;
    std::size_t size = 0;
  };
  struct side {
    fault_config config;
    std::vector<held_frame> held;  // a heap, earliest (due, order) at the front
    departure_ring departures;
    instant last_in_order{};  // the latest due instant of a frame not reordered
    bool bad = false;         // the Gilbert-Elliott chain's state
    std::uint64_t frames = 0;
    tcp_flow flow;                    // the data-segment rule's, once the first segment named it
    std::uint64_t data_segments = 0;  // seen in that flow
    std::uint64_t flag_drops = 0;
    std::array<std::uint64_t, static_cast<std::size_t>(fault_kind::count_)> counts{};
  };

  side& side_of(direction d) { return d == direction::in ? in_ : out_; }
  const side& side_of(direction d) const { return d == direction::in ? in_ : out_; }
  // What admit did with a frame: took it (lost, held or passed on, as a copy), passed on a copy
  // the inner device refused (out), or let it through as it is, at once and unchanged, for the
  // caller to hand on: the frame is copied only when a fault changes it or it has to wait.
  enum class admission { taken, refused, through };
  // Runs one frame through a direction's faults.
  admission admit(direction d, const_byte_span frame, instant now);
  struct frame_facts;  // what the rules and the MTU read of a frame
  static frame_facts inspect(const_byte_span frame);
  bool targeted(side& s, const frame_facts& facts);
  admission dropped(direction d, fault_kind k, const_byte_span frame, instant now);
  std::optional<instant> serialize(side& s, std::size_t bytes, instant now);
  bool burst_loses(side& s);
  // Flips bits of bytes and records the offsets it changed in admitting_.corrupted.
  bool corrupt(std::vector<std::uint8_t>& bytes, unsigned max_bits);
  bool hold_or_send(direction d, instant due, std::vector<std::uint8_t>&& bytes, bool copy,
                    instant now);
  // Passes on every outgoing frame due by now.
  void release_out(instant now);
  held_frame pop_held(side& s);
  bool chance(double share);
  void note(direction d, fault_kind k, const_byte_span frame, instant now);
  // Notes a fault of the frame being admitted and remembers it in admitting_.
  void meet(direction d, fault_kind k, const_byte_span frame, instant now);
  std::vector<std::uint8_t> take(const_byte_span frame);
  void give(std::vector<std::uint8_t>&& bytes);

  device& inner_;
  rng random_;
  side in_;
  side out_;
  observer observer_;
  std::uint64_t next_order_ = 0;
  // Buffers of frames no longer held, kept for the next ones: no allocation per frame once warm.
  std::vector<std::vector<std::uint8_t>> spare_;
  frame_faults admitting_;  // the frame admit() works on
  frame_faults last_received_;
  frame_faults last_transmitted_;
};

}  // namespace tapstack
