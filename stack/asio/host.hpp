#pragma once
// A tapstack host on an io_context: the stack, the real clock and the runner that drives it, for
// programs written like ordinary Asio code. Sockets (tapstack::udp::socket) are made on a host and
// run on its executor: every stack call they make happens on the io_context's thread, so a caller
// on another thread (use_future) is safe. The device outlives the host.
#include <memory>
#include <utility>
#include <vector>

#include "stack/asio/asio.hpp"
#include "stack/asio/handler_memory.hpp"
#include "stack/asio/real_clock.hpp"
#include "stack/asio/runner.hpp"
#include "stack/stack.hpp"

namespace tapstack {

class host {
 public:
  using executor_type = asio::io_context::executor_type;

  // handle_signals: SIGINT and SIGTERM stop the host (what a program wants; tests do not).
  host(asio::io_context& io, const real_clock& clock, const stack_config& config, device& dev,
       logger log = {}, bool handle_signals = true);
  host(const host&) = delete;
  host& operator=(const host&) = delete;

  executor_type get_executor() { return io_.get_executor(); }
  // Starts serving (announces the host); io.run() does the rest.
  void start() { runner_.start(); }
  void stop() { runner_.stop(); }
  int stopped_by() const { return runner_.stopped_by(); }
  bool stopped() const { return runner_.stopped(); }

  // A socket's state, as the host tells it that it stopped.
  class stoppable {
   public:
    // Ends the socket's pending operations with operation_aborted.
    virtual void abort_on_stop() = 0;

   protected:
    ~stoppable() = default;
  };
  // Sockets made on the host register here: when it stops, their pending operations end, so that
  // coroutines waiting on them (co_spawn keeps io.run() going while they live) finish and
  // io.run() returns. The state expires with the socket. A weak pointer is all an entry holds
  // (no callback of its own): a host may hold a hundred thousand sockets.
  void on_stop(std::weak_ptr<stoppable> state);

  // A socket's state, as the host tells it that its readiness may have changed.
  class wakeable {
   public:
    // Runs what can complete now; their handlers may run from inside the call.
    virtual void wake() = 0;

   protected:
    ~wakeable() = default;
  };
  // What the core's readiness callbacks call (from inside its work: never calling back into it).
  // During a turn of the runner the socket is woken at the turn's end, once the frames and timers
  // are done, and its handlers run there and then: the frames, the timers and what they make
  // ready take one turn of the io_context, where a handler posted for each would take a turn
  // (and a poll of the reactor) apiece. Otherwise it is woken from a handler posted in memory.
  void wake(std::weak_ptr<wakeable> w, const std::shared_ptr<handler_memory>& memory);

  // The sans-I/O core, for calls made on the host's thread.
  tapstack::stack& core() { return stack_; }
  instant now() const { return clock_.now(); }
  // Sends what calls into the core have queued, now rather than at the next wake-up (and no
  // more: runner::flush).
  void flush() { runner_.flush(); }

 private:
  asio::io_context& io_;
  const real_clock& clock_;
  void abort_sockets();
  // Wakes the sockets woken_ holds, at the end of a runner's turn.
  void wake_woken();

  tapstack::stack stack_;
  runner runner_;
  std::vector<std::weak_ptr<stoppable>> sockets_;
  std::vector<std::weak_ptr<wakeable>> woken_;  // in this turn of the runner
  std::size_t sockets_pruned_at_ = 16;
};

}  // namespace tapstack
