#pragma once
// The runner: the only loop that runs a host in real time. On an io_context it waits for the
// device's descriptor to become readable and for a timer set to the earlier of the host's and the
// device's next deadline; on each wake-up it drains every frame that is ready, a batch at a time
// (each acknowledged as a whole: stack::receive_batch), runs the timers that are due, then
// transmits what the host queued, in batches too. Socket calls in between only flush what they
// queued. SIGINT and SIGTERM stop it politely: the applications' operations end at once, every TCP
// connection sends its FIN, and once every FIN is acknowledged, or a short bound (stop_linger)
// after the signal at the latest, those still open are reset, so that the peers see the end at
// once rather than retransmitting into a host that is gone; then run() returns, and the program
// prints its counters and closes its files. The bound is the stop's, not each connection's: a
// host with so many connections that their FINs take longer sends each one left, once it has
// passed, its RST right behind its FIN. The host, device and clock outlive the runner.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "stack/asio/asio.hpp"
#include "stack/asio/handler_memory.hpp"
#include "stack/asio/real_clock.hpp"
#include "stack/batch_io.hpp"
#include "stack/device.hpp"
#include "stack/stack.hpp"

namespace tapstack {

class runner {
 public:
  // Throws std::invalid_argument for a device with no descriptor to wait on.
  // With handle_signals, SIGINT and SIGTERM stop it (programs); tests leave them alone.
  runner(asio::io_context& io, stack& host, device& dev, const real_clock& clock,
         bool handle_signals = true);
  ~runner();
  runner(const runner&) = delete;
  runner& operator=(const runner&) = delete;

  // Starts the host and begins serving; returns at once. io.run() then runs until stop() or a
  // termination signal.
  void start();
  // Stops at once: no more frames in or out.
  void stop();
  // What a signal does: stopped() at once for the applications, the connections closed with FIN
  // (and RST at once past stop_linger), those still open reset once no FIN waits for its
  // acknowledgment (nothing more would come of waiting: the peers' own FINs are their
  // applications' to send) or stop_linger after the signal, then stop().
  void shut_down();
  static constexpr std::chrono::milliseconds stop_linger{250};
  // The signal that stopped the runner, or 0.
  int stopped_by() const { return signal_; }
  bool stopped() const { return stopped_; }
  // Called once when the runner stops, by stop() or a signal.
  void on_stop(std::function<void()> f) { on_stop_ = std::move(f); }
  // Called at the end of each turn (a wake-up's frames and due timers), once what they queued
  // was sent; in_turn() until it returns.
  void on_turn_end(std::function<void()> f) { on_turn_end_ = std::move(f); }
  bool in_turn() const { return in_turn_; }
  // Sends what socket calls queued, now rather than at the next wake-up, and re-arms the timer
  // only if they brought the next deadline earlier than the armed one. It neither reads the
  // device nor runs timers (those wait for the runner's own wake-ups), so a socket call costs
  // the writes it produced and no more.
  void flush();

 private:
  // A wake-up: drains received frames, runs due timers, then flushes. With only_landed, the one
  // frame a read for the device brought in is all it takes: a read that came back on readiness
  // found the frame the wake-up was for, and the next read, at once in wait_readable(), says
  // whether more wait (the read that would otherwise end this drain).
  void service(bool only_landed = false);
  // Hands every frame the host queued to the device.
  void transmit(instant now);
  // The end of a polite stop: the connections still open reset, then stop().
  void reset_and_stop();
  // Waits for the device: with a read for it where it allows (device::read_header_size), else
  // a bare wait for readability.
  void wait_readable();
  void read_for_device();
  // Arms the timer for deadline when that is earlier than the one armed. A deadline that moved
  // later leaves the timer as it is: the wake-up comes early, finds nothing due and arms again,
  // which costs less than re-arming (a timerfd_settime) on every segment that pushes one back.
  void arm_timer(instant deadline);
  // f as a handler whose operation lives in memory_: a wake-up re-arms its waits without
  // allocating.
  template <class F>
  allocated_handler<F, handler_allocator<void>> recycled(F f) {
    return {std::move(f), handler_allocator<void>{memory_}};
  }

  stack& host_;
  device& dev_;
  const real_clock& clock_;
  asio::posix::stream_descriptor fd_;
  asio::steady_timer timer_;
  std::optional<instant> armed_;  // when timer_ fires; nullopt when it is not waiting
  std::shared_ptr<handler_memory> memory_ = std::make_shared<handler_memory>();
  asio::steady_timer linger_;
  std::optional<asio::signal_set> signals_;
  batch_io batches_;
  // Reading for the device: its header's size (nullopt: bare waits), where a read puts the header
  // (the frame goes to the batches' first place), and whether the last read came back at once:
  // its frame is then the next, and no other wake-up may read the device (or use that place)
  // before its handler runs.
  std::optional<std::size_t> read_header_;
  std::vector<std::uint8_t> read_header_bytes_;
  bool read_landed_at_once_ = false;
  int signal_ = 0;
  bool stopped_ = false;    // for the applications: no more operations
  bool finished_ = false;   // for the runner: no more frames
  bool lingering_ = false;  // between shut_down()'s FINs and reset_and_stop()
  std::function<void()> on_stop_;
  std::function<void()> on_turn_end_;
  bool in_turn_ = false;
};

}  // namespace tapstack
