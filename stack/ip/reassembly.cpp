#include "stack/ip/reassembly.hpp"

#include <algorithm>
#include <cassert>

#include "stack/wire/checksum.hpp"

namespace tapstack {
namespace {

// RFC 791: the total length field, header included, is 16 bits.
constexpr std::size_t max_datagram_len = 65535;
// While the last fragment is still unknown, a buffer grows by this much at a time: a few
// reallocations per datagram rather than one per fragment.
constexpr std::size_t growth_step = 16 * 1024;

}  // namespace

reassembler::outcome reassembler::drop(drop_reason why, std::size_t fragments) {
  outcome result;
  result.dropped = why;
  result.fragments_dropped = fragments;
  return result;
}

reassembler::outcome reassembler::discard(iterator it, drop_reason why) {
  if (it == entries_.end()) return drop(why, 1);
  entry& e = it->second;
  const std::size_t fragments = e.ranges.size() + 1;
  bytes_held_ -= e.payload.capacity();
  // Moving empty vectors in frees the memory, which clear() (and "= {}") would keep.
  e.payload = std::vector<std::uint8_t>{};
  e.ranges = std::vector<range>{};
  e.discarded = why;
  return drop(why, fragments);
}

reassembler::iterator reassembler::forget(iterator it) {
  bytes_held_ -= it->second.payload.capacity();
  return entries_.erase(it);
}

bool reassembler::reserve(entry& e, std::size_t end) {
  const std::size_t before = e.payload.capacity();
  if (end <= before) return true;
  const std::size_t largest = max_datagram_len - ipv4::min_header_len;
  const std::size_t wanted =
      e.total ? *e.total : std::min((end + growth_step - 1) / growth_step * growth_step, largest);
  if (bytes_held_ + (wanted - before) > config_.max_reassembly_bytes) return false;
  e.payload.reserve(wanted);
  bytes_held_ += e.payload.capacity() - before;
  return true;
}

reassembler::datagram reassembler::deliver(entry& e) {
  // Complete means [0, total) is covered, so fragment zero is among the fragments held.
  assert(e.total && e.first_header_len != 0);
  const std::size_t header_len = e.first_header_len;
  std::copy_n(e.first_header.begin(), header_len, delivered_header_.begin());
  const byte_span header{delivered_header_.data(), header_len};
  store_be16(&header[ipv4::field::total_len], static_cast<std::uint16_t>(header_len + *e.total));
  // DF stays as the sender set it; MF and the offset go, as the datagram is whole now.
  const std::uint16_t flags = load_be16(&header[ipv4::field::flags_frag]);
  store_be16(&header[ipv4::field::flags_frag], flags & ipv4::flag_df);
  store_be16(&header[ipv4::field::checksum], 0);
  store_be16(&header[ipv4::field::checksum], internet_checksum(header));

  ipv4_repr whole = e.first;
  whole.more_fragments = false;
  whole.frag_offset = 0;
  whole.payload_len = *e.total;
  bytes_held_ -= e.payload.capacity();
  delivered_ = std::move(e.payload);
  return {whole, header, delivered_};
}

reassembler::outcome reassembler::add(const ipv4_repr& ip, const_byte_span header,
                                      const_byte_span payload, instant now) {
  assert(ip.is_fragment() && header.size() >= ipv4::min_header_len &&
         header.size() <= delivered_header_.size());
  const std::size_t timed_out = poll(now);
  const auto finish = [timed_out](outcome o) {
    o.timed_out = timed_out;
    return o;
  };
  const std::size_t begin = ip.frag_offset;
  const std::size_t end = begin + payload.size();
  const bool last = !ip.more_fragments;

  // RFC 791: every fragment but the last carries whole 8-byte blocks, so that the next one's
  // offset can be written; a fragment of none says nothing.
  if (!last && (payload.empty() || payload.size() % 8 != 0))
    return finish(drop(drop_reason::ip_frag_bad_length, 1));

  const key k{ip.src, ip.dst, ip.protocol, ip.ident};
  auto it = entries_.find(k);
  if (it != entries_.end() && it->second.discarded) return finish(drop(*it->second.discarded, 1));

  // The whole datagram, with fragment zero's header (or this one's until that is known), must fit
  // the 16-bit total length: the "ping of death" is a set of fragments that would not.
  std::size_t header_len = header.size();
  std::size_t extent = end;
  if (it != entries_.end()) {
    const entry& e = it->second;
    if (begin != 0 && e.first_header_len != 0) header_len = e.first_header_len;
    extent = std::max({extent, e.payload.size(), e.total.value_or(0)});
  }
  if (header_len + extent > max_datagram_len)
    return finish(discard(it, drop_reason::ip_frag_too_big));

  if (it == entries_.end()) {
    if (entries_.size() >= config_.max_reassemblies)
      return finish(drop(drop_reason::ip_frag_limit, 1));
    it = entries_.emplace(k, entry{}).first;
    it->second.deadline = now + config_.reassembly_timeout;
  }
  entry& e = it->second;

  // The fragments must agree on where the datagram ends: one last fragment, nothing beyond it.
  // Disagreement is the same attack as an overlap (which bytes belong to the datagram depends on
  // which fragment one believes), so it is counted and handled as one.
  const bool disagrees =
      last ? (e.total && *e.total != end) || end < e.payload.size() : e.total && end > *e.total;
  if (disagrees) return finish(discard(it, drop_reason::ip_frag_overlap));

  const auto at = std::lower_bound(e.ranges.begin(), e.ranges.end(), begin,
                                   [](const range& r, std::size_t b) { return r.begin < b; });
  if (at != e.ranges.end() && at->begin == begin && at->end == end)
    return finish(drop(drop_reason::ip_frag_duplicate, 1));
  const bool overlaps = (at != e.ranges.begin() && std::prev(at)->end > begin) ||
                        (at != e.ranges.end() && at->begin < end);
  if (overlaps) return finish(discard(it, drop_reason::ip_frag_overlap));

  if (last) e.total = end;
  if (!reserve(e, end)) {
    const std::size_t fragments = e.ranges.size() + 1;
    forget(it);
    return finish(drop(drop_reason::ip_frag_limit, fragments));
  }
  if (end > e.payload.size()) e.payload.resize(end);
  std::copy(payload.begin(), payload.end(), e.payload.begin() + static_cast<std::ptrdiff_t>(begin));
  e.ranges.insert(at, range{begin, end});
  e.received += payload.size();
  if (begin == 0) {
    e.first = ip;
    std::copy(header.begin(), header.end(), e.first_header.begin());
    e.first_header_len = header.size();
  }

  // Disjoint ranges inside [0, total) that add up to total leave no hole.
  outcome result;
  if (e.total && e.received == *e.total) {
    result.complete = deliver(e);
    entries_.erase(it);
  }
  return finish(result);
}

std::size_t reassembler::poll(instant now) {
  delivered_ = std::vector<std::uint8_t>{};
  std::size_t timed_out = 0;
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (it->second.deadline > now) {
      ++it;
      continue;
    }
    // A discarded datagram's fragments were counted when it was discarded.
    timed_out += it->second.ranges.size();
    it = forget(it);
  }
  return timed_out;
}

std::optional<instant> reassembler::next_deadline() const {
  std::optional<instant> next;
  for (const auto& [k, e] : entries_)
    if (!next || e.deadline < *next) next = e.deadline;
  return next;
}

std::size_t reassembler::fragments_held() const {
  std::size_t n = 0;
  for (const auto& [k, e] : entries_) n += e.ranges.size();
  return n;
}

}  // namespace tapstack
