#include "stack/asio/runner.hpp"

#include <algorithm>
#include <array>
#include <csignal>
#include <stdexcept>
#include <utility>

namespace tapstack {
namespace {

// Room for the largest frame a tap can hand over (64 KiB with offloads) and its Ethernet header.
constexpr std::size_t max_frame_size = 65536 + 64;
// Frames per batch, each way.
constexpr std::size_t batch_frames = 64;
// Frames drained per wake-up before transmitting, so a flood in cannot starve replies out.
constexpr std::size_t max_frames_per_wake = 256;

// Where no frame can begin: the destination address a frame that lands overwrites. A locally
// administered group address that nothing here sends to; a frame that did carry it would only be
// taken for one that came later, which costs its wake-up a pass and nothing else.
constexpr std::array<std::uint8_t, 6> nothing_landed{0x0f, 0x5e, 0x47, 0x1a, 0x9c, 0x01};

int checked_handle(const device& dev) {
  const int fd = dev.wait_handle();
  if (fd < 0) throw std::invalid_argument("the runner needs a device with a descriptor to wait on");
  return fd;
}

}  // namespace

runner::runner(asio::io_context& io, stack& host, device& dev, const real_clock& clock,
               bool handle_signals)
    : host_{host},
      dev_{dev},
      clock_{clock},
      fd_{io, checked_handle(dev)},
      timer_{io},
      linger_{io},
      batches_{batch_frames, max_frame_size},
      read_header_{dev.read_header_size()} {
  if (read_header_) read_header_bytes_.resize(*read_header_);
  if (handle_signals) signals_.emplace(io, SIGINT, SIGTERM);
  host_.on_transmit_backlog(max_frames_per_wake, [this] {
    if (!finished_) transmit(clock_.now());
  });
}

runner::~runner() {
  // The descriptor belongs to the device, which closes it.
  fd_.release();
}

void runner::start() {
  host_.start(clock_.now());
  if (signals_)
    signals_->async_wait([this](const boost::system::error_code& ec, int signal) {
      if (ec) return;
      signal_ = signal;
      shut_down();
    });
  service();
  wait_readable();
}

void runner::stop() {
  if (finished_) return;
  const bool was_stopped = std::exchange(stopped_, true);
  finished_ = true;
  boost::system::error_code ignored;
  if (signals_) signals_->cancel(ignored);
  timer_.cancel();
  linger_.cancel();
  fd_.cancel(ignored);
  if (!was_stopped && on_stop_) on_stop_();
}

void runner::shut_down() {
  if (stopped_) return;
  stopped_ = true;
  // The bound runs from the signal, so that the stop as a whole is bounded: with many
  // connections, sending their FINs takes part of it, or all.
  linger_.expires_after(stop_linger);
  const instant bound = clock_.now() + stop_linger;
  if (on_stop_) on_stop_();
  host_.tcp().shut_down(clock_.now());
  // A batch at a time, reading the clock between batches: once the bound has passed, each
  // connection's RST follows its FIN at once, while the connection is at hand (and before the
  // peer's delayed ACK of the FIN, which the RST makes needless).
  for (bool more = true; more;) {
    const instant now = clock_.now();
    more = host_.tcp().close_next(max_frames_per_wake, now >= bound, now);
  }
  lingering_ = true;
  linger_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) reset_and_stop();
  });
  service();
}

void runner::reset_and_stop() {
  if (!std::exchange(lingering_, false)) return;
  linger_.cancel();
  host_.tcp().reset_all(clock_.now());
  service();
  stop();
}

void runner::wait_readable() {
  // A wake-up may have ended a polite stop: nothing more to wait for then.
  if (finished_) return;
  if (read_header_) return read_for_device();
  fd_.async_wait(asio::posix::stream_descriptor::wait_read,
                 recycled([this](const boost::system::error_code& ec) {
                   if (ec) return;
                   service();
                   wait_readable();
                 }));
}

void runner::read_for_device() {
  // The frame lands in the batch's first place, where the turn's first batch takes it with no copy.
  const byte_span header{read_header_bytes_};
  const byte_span frame = batches_.first_place();
  // A virtio_net_hdr's flags are 0 to 3 once written; without a header, the frame's first bytes.
  const bool by_header = !header.empty();
  if (by_header)
    header[0] = 0xff;
  else
    std::ranges::copy(nothing_landed, frame.begin());
  const std::array<asio::mutable_buffer, 2> buffers{asio::buffer(header.data(), header.size()),
                                                    asio::buffer(frame.data(), frame.size())};
  fd_.async_read_some(
      buffers, recycled([this, header, frame](const boost::system::error_code& ec, std::size_t n) {
        const bool at_once = std::exchange(read_landed_at_once_, false);
        if (ec == asio::error::operation_aborted) return;
        if (ec) {
          // A descriptor that refuses the read (it should not) is waited on bare from now on;
          // the device's own reads report what goes wrong.
          read_header_.reset();
          service();
          return wait_readable();
        }
        if (n > header.size()) dev_.landed(header, frame.first(n - header.size()));
        service(!at_once);
        wait_readable();
      }));
  // Asio tried the read before returning: if it brought a frame, the completion is queued.
  read_landed_at_once_ =
      by_header ? header[0] != 0xff : !std::ranges::equal(frame.first(6), nothing_landed);
}

void runner::arm_timer(instant deadline) {
  if (armed_ && *armed_ <= deadline) return;
  armed_ = deadline;
  timer_.expires_at(clock_.to_steady(deadline));
  timer_.async_wait(recycled([this](const boost::system::error_code& ec) {
    if (ec) return;  // re-armed earlier, or stopped
    armed_.reset();
    service();
  }));
}

void runner::service(bool only_landed) {
  if (finished_) return;
  std::size_t frames = 0;
  {
    // Over even if a handler run at the turn's end throws (out of io.run()).
    in_turn_ = true;
    const std::unique_ptr<bool, void (*)(bool*)> turn{&in_turn_, [](bool* t) { *t = false; }};
    // A frame that landed at once is the next in line: until its handler takes it, the device's
    // later frames wait, or they would overtake it.
    const std::size_t most = read_landed_at_once_ ? 0 : only_landed ? 1 : batch_frames;
    while (frames < max_frames_per_wake && most > 0) {
      const instant now = clock_.now();
      const auto batch = batches_.receive(dev_, now, most);
      host_.receive_batch(batch, now);
      frames += batch.size();
      // A short batch is one the device ran out of frames for: another read would find none.
      if (batch.size() < most || only_landed) break;
    }
    host_.poll(clock_.now());
    // What the turn queued goes before the handlers run, as it would have gone had they been
    // posted: a handler that writes flushes its own.
    flush();
    if (on_turn_end_) on_turn_end_();
  }
  flush();
  // The descriptor wakes us on an edge (epoll's EPOLLET) and not for frames already waiting, so a
  // wake-up that stopped at the bound comes back at once for the rest, after its replies went out.
  if (frames >= max_frames_per_wake) arm_timer(clock_.now());
  if (lingering_ && host_.tcp().fins_unacknowledged() == 0) reset_and_stop();
}

void runner::flush() {
  if (finished_) return;
  transmit(clock_.now());
  dev_.flush();
  // A device may hold frames of its own (a fault injector's delays), due whether or not its
  // descriptor becomes readable.
  auto deadline = host_.next_deadline();
  if (const auto d = dev_.next_deadline(); d && (!deadline || *d < *deadline)) deadline = d;
  if (deadline) arm_timer(*deadline);
}

void runner::transmit(instant now) { batches_.transmit(host_, dev_, now); }

}  // namespace tapstack
