#include "drivers/fault_injector.hpp"

#include <algorithm>
#include <iomanip>
#include <sstream>
#include <stdexcept>

#include "stack/wire/ethernet.hpp"
#include "stack/wire/ipv4.hpp"

namespace tapstack {
namespace {

#define TAPSTACK_NAME(name, text) text,
constexpr std::string_view kind_names[] = {TAPSTACK_FAULT_KINDS(TAPSTACK_NAME)};
#undef TAPSTACK_NAME

// Room for the largest frame a tap hands over (64 KiB with offloads) and its Ethernet header.
constexpr std::size_t max_frame_len = 65536 + 64;
// The rate limiter's ring is allocated whole at construction.
constexpr std::size_t max_queue_limit = 1'000'000;

// The heap of held frames keeps the earliest (due, order) at its front.
constexpr auto later = [](const auto& x, const auto& y) {
  return x.due != y.due ? x.due > y.due : x.order > y.order;
};

bool is_share(double x) { return x >= 0 && x <= 1; }  // false for NaN too

void require(bool ok, direction d, const char* what) {
  if (!ok) throw std::invalid_argument("fault injector: " + std::string{name(d)} + "." + what);
}

void validate(const fault_config& c, direction d) {
  require(is_share(c.loss), d, "loss must be a share from 0 to 1");
  require(is_share(c.burst.p) && is_share(c.burst.r) && is_share(c.burst.h) && is_share(c.burst.k),
          d, "burst p, r, h and k must be probabilities from 0 to 1");
  require(is_share(c.duplicate), d, "duplicate must be a share from 0 to 1");
  require(is_share(c.reorder), d, "reorder must be a share from 0 to 1");
  require(is_share(c.corrupt), d, "corrupt must be a share from 0 to 1");
  require(c.corrupt == 0 || c.corrupt_bits >= 1, d, "corrupt_bits must be at least 1");
  require(c.latency >= duration::zero() && c.jitter >= duration::zero() &&
              c.reorder_delay >= duration::zero(),
          d, "latency, jitter and reorder_delay must not be negative");
  require(c.rate_bps == 0 || (c.queue_limit >= 1 && c.queue_limit <= max_queue_limit), d,
          "queue_limit must be 1 to 1000000 frames with a rate");
  require(std::find(c.drop_frames.begin(), c.drop_frames.end(), 0) == c.drop_frames.end(), d,
          "drop_frames counts frames from 1");
}

}  // namespace

struct fault_injector::frame_facts {
  struct segment {
    ipv4_endpoint src;
    ipv4_endpoint dst;
    tcp_flags flags{};
    std::size_t payload_len = 0;
  };
  std::optional<std::size_t> ip_len;  // an IPv4 packet's total length
  std::optional<segment> tcp;         // an unfragmented TCP segment's
};

fault_injector::frame_facts fault_injector::inspect(const_byte_span frame) {
  frame_facts facts;
  const auto eth = ethernet_view::check(frame);
  if (!eth || eth->ethertype() != static_cast<std::uint16_t>(ethertype::ipv4)) return facts;
  const auto ip = ipv4_view::check(eth->payload());
  if (!ip) return facts;
  facts.ip_len = ip->total_len();
  // A fragment holds part of a segment at most: the rules see only whole ones.
  if (ip->protocol() != static_cast<std::uint8_t>(ip_protocol::tcp) || ip->more_fragments() ||
      ip->frag_offset() != 0)
    return facts;
  const auto tcp = tcp_view::check(ip->payload());
  if (!tcp) return facts;
  facts.tcp = {{ip->src(), tcp->src_port()},
               {ip->dst(), tcp->dst_port()},
               tcp->flags(),
               tcp->payload().size()};
  return facts;
}

void frame_faults::clear() {
  kinds.reset();
  copy = false;
  corrupted.clear();
  delay = {};
}

std::string_view name(fault_kind k) { return kind_names[static_cast<std::size_t>(k)]; }
std::string_view name(direction d) { return d == direction::in ? "in" : "out"; }

gilbert_elliott gilbert_elliott::from_mean(double mean_loss, double mean_burst) {
  if (!(mean_loss >= 0 && mean_loss < 1))
    throw std::invalid_argument("burst loss: the mean loss must be from 0 to below 1");
  if (!(mean_burst >= 1))
    throw std::invalid_argument("burst loss: the mean burst must be at least 1 frame");
  gilbert_elliott g;
  g.r = 1 / mean_burst;
  g.p = mean_loss * g.r / (1 - mean_loss);
  if (g.p > 1)
    throw std::invalid_argument(
        "burst loss: a mean loss above burst / (burst + 1) needs longer bursts");
  return g;
}

bool fault_config::any() const {
  return loss > 0 || burst.enabled() || duplicate > 0 || reorder > 0 || corrupt > 0 ||
         latency > duration{} || jitter > duration{} || rate_bps > 0 || mtu > 0 ||
         !drop_frames.empty() || drop_data_segment.nth > 0 || drop_flags.count > 0;
}

double gilbert_elliott::mean_loss() const {
  // With p = r = 0 the chain stays in the good state it starts in.
  const double bad = p + r > 0 ? p / (p + r) : 0;
  return bad * (1 - k) + (1 - bad) * (1 - h);
}

fault_injector::fault_injector(device& inner, const fault_config& in, const fault_config& out,
                               std::uint64_t seed)
    : inner_{inner}, random_{seed} {
  validate(in, direction::in);
  validate(out, direction::out);
  in_.config = in;
  out_.config = out;
  for (side* s : {&in_, &out_}) {
    s->flow = s->config.drop_data_segment.flow;
    if (s->config.rate_bps > 0) s->departures.finish.resize(s->config.queue_limit);
  }
}

std::size_t fault_injector::receive(byte_span out, instant now) {
  release_out(now);
  last_received_.clear();
  // Takes frames from the inner device until one is due: those delayed stay held, so that the
  // driver's loop, which stops at the first 0, still sees every frame that is ready.
  for (;;) {
    if (!in_.held.empty() && in_.held.front().due <= now) {
      held_frame f = pop_held(in_);
      const std::size_t n = std::min(out.size(), f.bytes.size());
      std::copy_n(f.bytes.begin(), n, out.begin());
      give(std::move(f.bytes));
      last_received_ = std::move(f.met);
      return n;
    }
    // Straight into out: a frame that meets no fault and need not wait leaves as it came.
    const std::size_t n = inner_.receive(out, now);
    if (n == 0) return 0;
    if (admit(direction::in, out.first(n), now) == admission::through) {
      last_received_ = admitting_;
      return n;
    }
  }
}

bool fault_injector::transmit(const_byte_span frame, instant now) {
  release_out(now);
  const admission a = admit(direction::out, frame, now);
  last_transmitted_ = admitting_;
  return a == admission::through ? inner_.transmit(frame, now) : a == admission::taken;
}

std::optional<instant> fault_injector::next_deadline() const {
  std::optional<instant> next = inner_.next_deadline();
  for (const side* s : {&in_, &out_})
    if (!s->held.empty() && (!next || s->held.front().due < *next)) next = s->held.front().due;
  return next;
}

std::string fault_injector::report() const {
  std::ostringstream os;
  const auto line = [&os](direction d, std::string_view what, std::uint64_t value) {
    std::string counter{name(d)};
    counter += '_';
    counter += what;
    os << "  " << std::left << std::setw(24) << counter << ' ' << value << '\n';
  };
  for (const direction d : {direction::in, direction::out}) {
    line(d, "frames", frames(d));
    for (std::size_t i = 0; i < static_cast<std::size_t>(fault_kind::count_); ++i)
      line(d, name(static_cast<fault_kind>(i)), count(d, static_cast<fault_kind>(i)));
  }
  return os.str();
}

fault_injector::admission fault_injector::admit(direction d, const_byte_span frame, instant now) {
  side& s = side_of(d);
  const fault_config& c = s.config;
  ++s.frames;
  admitting_.clear();
  const frame_facts facts = inspect(frame);
  if (targeted(s, facts)) return dropped(d, fault_kind::rule, frame, now);
  if (c.mtu > 0 && facts.ip_len && *facts.ip_len > c.mtu)
    return dropped(d, fault_kind::mtu, frame, now);
  instant sent = now;
  if (c.rate_bps > 0) {
    const auto finish = serialize(s, frame.size(), now);
    if (!finish) return dropped(d, fault_kind::queue, frame, now);
    sent = *finish;
  }
  if (c.burst.enabled() && burst_loses(s)) return dropped(d, fault_kind::burst, frame, now);
  if (chance(c.loss)) return dropped(d, fault_kind::loss, frame, now);

  // The frame is copied only when a fault changes it or it has to wait.
  std::optional<std::vector<std::uint8_t>> bytes;
  if (chance(c.corrupt)) {
    bytes = take(frame);
    if (corrupt(*bytes, c.corrupt_bits)) meet(d, fault_kind::corrupted, *bytes, now);
  }
  const auto current = [&] { return bytes ? const_byte_span{*bytes} : frame; };
  const bool twice = chance(c.duplicate);
  instant due = sent + c.latency;
  if (c.jitter > duration::zero())
    due += duration{static_cast<duration::rep>(
        random_.uniform(0, static_cast<std::uint64_t>(c.jitter.count())))};
  // Jitter alone never lets a frame overtake the one before it.
  due = std::max(due, s.last_in_order);
  if (due > now) {
    admitting_.delay = due - now;
    meet(d, fault_kind::delayed, current(), now);
  }
  if (chance(c.reorder)) {
    due += c.reorder_delay;
    meet(d, fault_kind::reordered, current(), now);
  } else {
    s.last_in_order = due;
  }
  if (!bytes && !twice && due <= now) return admission::through;
  if (!bytes) bytes = take(frame);
  std::optional<std::vector<std::uint8_t>> copy;
  if (twice) {
    copy = take(*bytes);
    meet(d, fault_kind::duplicated, *copy, now);
  }
  const bool accepted = hold_or_send(d, due, std::move(*bytes), false, now);
  if (copy) hold_or_send(d, due, std::move(*copy), true, now);
  return accepted ? admission::taken : admission::refused;
}

fault_injector::admission fault_injector::dropped(direction d, fault_kind k, const_byte_span frame,
                                                  instant now) {
  meet(d, k, frame, now);
  // Accepted all the same: the frame is lost beyond the device, as on a wire.
  return admission::taken;
}

bool fault_injector::targeted(side& s, const frame_facts& facts) {
  const fault_config& c = s.config;
  bool drop =
      std::find(c.drop_frames.begin(), c.drop_frames.end(), s.frames) != c.drop_frames.end();
  if (!facts.tcp) return drop;
  const frame_facts::segment& seg = *facts.tcp;
  const auto has_end = [&seg](ipv4_endpoint e) { return seg.src == e || seg.dst == e; };

  if (c.drop_data_segment.nth > 0) {
    tcp_flow& f = s.flow;
    if (!f.a && !f.b && !f.port) {
      f.a = seg.src;
      f.b = seg.dst;
    }
    const bool in_flow = (!f.a || has_end(*f.a)) && (!f.b || has_end(*f.b)) &&
                         (!f.port || seg.src.port == *f.port || seg.dst.port == *f.port);
    if (in_flow && seg.payload_len > 0 && ++s.data_segments == c.drop_data_segment.nth) drop = true;
  }
  const std::uint8_t wanted = c.drop_flags.flags.bits();
  if (!drop && s.flag_drops < c.drop_flags.count && (seg.flags.bits() & wanted) == wanted) {
    ++s.flag_drops;
    drop = true;
  }
  return drop;
}

std::optional<instant> fault_injector::serialize(side& s, std::size_t bytes, instant now) {
  departure_ring& q = s.departures;
  const std::size_t capacity = q.finish.size();
  while (q.size > 0 && q.finish[q.head] <= now) {
    q.head = (q.head + 1) % capacity;
    --q.size;
  }
  if (q.size == capacity) return std::nullopt;
  // One frame at a time: this one starts when the last one queued is through.
  const instant start = q.size == 0 ? now : q.finish[(q.head + q.size - 1) % capacity];
  const instant finish = start + duration{static_cast<duration::rep>(
                                     bytes * 8 * std::uint64_t{1'000'000'000} / s.config.rate_bps)};
  q.finish[(q.head + q.size) % capacity] = finish;
  ++q.size;
  return finish;
}

bool fault_injector::burst_loses(side& s) {
  const gilbert_elliott& g = s.config.burst;
  s.bad = s.bad ? !chance(g.r) : chance(g.p);
  return chance(s.bad ? 1 - g.k : 1 - g.h);
}

bool fault_injector::corrupt(std::vector<std::uint8_t>& bytes, unsigned max_bits) {
  if (bytes.size() <= ethernet::header_len) return false;
  const std::uint64_t first_bit = ethernet::header_len * 8;
  const std::uint64_t last_bit = bytes.size() * 8 - 1;
  const std::uint64_t flips = std::min(random_.uniform(1, max_bits), last_bit - first_bit + 1);
  // Distinct bits, so that no flip undoes another. The vector holds bit positions until they
  // are flipped, then the offsets of the bytes they are in.
  std::vector<std::size_t>& bits = admitting_.corrupted;
  while (bits.size() < flips) {
    const std::size_t bit = random_.uniform(first_bit, last_bit);
    if (std::find(bits.begin(), bits.end(), bit) == bits.end()) bits.push_back(bit);
  }
  for (std::size_t& bit : bits) {
    bytes[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    bit /= 8;
  }
  std::sort(bits.begin(), bits.end());
  bits.erase(std::unique(bits.begin(), bits.end()), bits.end());
  return true;
}

bool fault_injector::hold_or_send(direction d, instant due, std::vector<std::uint8_t>&& bytes,
                                  bool copy, instant now) {
  // An outgoing frame with no delay goes straight on, and the host learns if the device is full.
  if (d == direction::out && due <= now) {
    const bool sent = inner_.transmit(bytes, now);
    give(std::move(bytes));
    return sent;
  }
  side& s = side_of(d);
  s.held.push_back({due, next_order_++, std::move(bytes), admitting_});
  s.held.back().met.copy = copy;
  std::push_heap(s.held.begin(), s.held.end(), later);
  return true;
}

void fault_injector::release_out(instant now) {
  while (!out_.held.empty() && out_.held.front().due <= now) {
    held_frame f = pop_held(out_);
    if (!inner_.transmit(f.bytes, now)) note(direction::out, fault_kind::device_full, f.bytes, now);
    give(std::move(f.bytes));
  }
}

fault_injector::held_frame fault_injector::pop_held(side& s) {
  std::pop_heap(s.held.begin(), s.held.end(), later);
  held_frame f = std::move(s.held.back());
  s.held.pop_back();
  return f;
}

bool fault_injector::chance(double share) {
  // A fault that is off costs no draw. 53 random bits: a uniform double in [0, 1).
  return share > 0 && static_cast<double>(random_.next() >> 11) * 0x1.0p-53 < share;
}

void fault_injector::note(direction d, fault_kind k, const_byte_span frame, instant now) {
  ++side_of(d).counts[static_cast<std::size_t>(k)];
  if (observer_) observer_(d, k, frame, now);
}

void fault_injector::meet(direction d, fault_kind k, const_byte_span frame, instant now) {
  admitting_.kinds.set(static_cast<std::size_t>(k));
  note(d, k, frame, now);
}

std::vector<std::uint8_t> fault_injector::take(const_byte_span frame) {
  std::vector<std::uint8_t> bytes;
  if (!spare_.empty()) {
    bytes = std::move(spare_.back());
    spare_.pop_back();
  }
  bytes.assign(frame.begin(), frame.end());
  return bytes;
}

void fault_injector::give(std::vector<std::uint8_t>&& bytes) { spare_.push_back(std::move(bytes)); }

}  // namespace tapstack
