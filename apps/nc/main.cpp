// tapstack-nc: netcat over tapstack. Connects to HOST PORT (or, with -l, waits for one connection
// on PORT) from a tapstack host on a tap, copies standard input to the connection and the
// connection to standard output. TCP by default: at the end of input it shuts its sending side,
// and it exits once the peer has closed. With -u it sends each chunk of input as a UDP datagram
// and prints the datagrams that come back. Exit status 1 when the connection fails.
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <iostream>

#include "apps/common/app_host.hpp"
#include "apps/common/command_line.hpp"
#include "apps/common/program.hpp"
#include "stack/asio/tcp_socket.hpp"
#include "stack/asio/udp_socket.hpp"

namespace po = boost::program_options;
using namespace tapstack;

namespace {

struct nc_options {
  bool listen = false;
  bool udp = false;
  asio::ip::address_v4 host;
  std::uint16_t port = 0;
};

// Standard input, read without blocking the host: through the reactor for a pipe or terminal, in
// turns on the host's thread for a regular file (which epoll cannot wait on, and which never
// blocks).
class input {
 public:
  explicit input(asio::io_context& io) : io_{io} {
    struct stat st {};
    if (::fstat(STDIN_FILENO, &st) == 0 && !S_ISREG(st.st_mode))
      pipe_.emplace(io, ::dup(STDIN_FILENO));
  }
  // Calls done(data) for each chunk, and done({}) at the end of input.
  template <class Handler>
  void read(Handler done) {
    if (pipe_) {
      pipe_->async_read_some(asio::buffer(buffer_),
                             [this, done](boost::system::error_code ec, std::size_t n) {
                               done(ec ? const_byte_span{} : const_byte_span{buffer_.data(), n});
                             });
      return;
    }
    asio::post(io_, [this, done] {
      const ssize_t n = ::read(STDIN_FILENO, buffer_.data(), buffer_.size());
      done(n > 0 ? const_byte_span{buffer_.data(), static_cast<std::size_t>(n)}
                 : const_byte_span{});
    });
  }

 private:
  asio::io_context& io_;
  std::optional<asio::posix::stream_descriptor> pipe_;
  std::array<std::uint8_t, 16384> buffer_{};
};

void print(const_byte_span data) {
  std::cout.write(reinterpret_cast<const char*>(data.data()),
                  static_cast<std::streamsize>(data.size()));
  std::cout.flush();
}

// Says why the session ends, stops the host, and returns the exit status.
int give_up(app_host& app, const std::string& what, const boost::system::error_code& ec) {
  std::cerr << "tapstack-nc: " << what << ": " << ec.message() << '\n';
  app.node().stop();
  return exit_failure;
}

class tcp_session {
 public:
  tcp_session(app_host& app, const nc_options& o)
      : app_{app}, o_{o}, socket_{app.node()}, acceptor_{app.node()}, in_{app.io()} {}

  void start() {
    if (o_.listen) {
      boost::system::error_code ec;
      acceptor_.bind(tcp::endpoint{asio::ip::tcp::v4(), o_.port}, ec);
      if (!ec) acceptor_.listen(1, ec);
      if (ec) return fail("listen on port " + std::to_string(o_.port), ec);
      acceptor_.async_accept(socket_, [this](tcp::error_code ec2) {
        if (ec2) return fail("accept", ec2);
        acceptor_.close();
        pump();
      });
      return;
    }
    socket_.async_connect(tcp::endpoint{o_.host, o_.port}, [this](tcp::error_code ec) {
      if (ec)
        return fail("connect to " + o_.host.to_string() + " port " + std::to_string(o_.port), ec);
      pump();
    });
  }
  int status() const { return status_; }

 private:
  void pump() {
    copy_input();
    copy_output();
  }
  void copy_input() {
    in_.read([this](const_byte_span data) {
      if (data.empty()) {
        input_done_ = true;
        try {
          socket_.shutdown(asio::socket_base::shutdown_send);
        } catch (const boost::system::system_error&) {
        }
        return finish_if_done();
      }
      chunk_.assign(data.begin(), data.end());
      asio::async_write(socket_, asio::buffer(chunk_), [this](tcp::error_code ec, std::size_t) {
        if (ec) return fail("send", ec);
        copy_input();
      });
    });
  }
  void copy_output() {
    socket_.async_read_some(asio::buffer(out_), [this](tcp::error_code ec, std::size_t n) {
      if (ec == asio::error::eof) {
        output_done_ = true;
        return finish_if_done();
      }
      if (ec) return fail("receive", ec);
      print({out_.data(), n});
      copy_output();
    });
  }
  void finish_if_done() {
    // Like nc -N: done when the peer has closed; our input may still be open (a terminal).
    if (output_done_) app_.node().stop();
  }
  void fail(const std::string& what, const boost::system::error_code& ec) {
    status_ = give_up(app_, what, ec);
  }

  app_host& app_;
  nc_options o_;
  tcp::socket socket_;
  tcp::acceptor acceptor_;
  input in_;
  std::vector<std::uint8_t> chunk_;
  std::array<std::uint8_t, 16384> out_{};
  bool input_done_ = false;
  bool output_done_ = false;
  int status_ = 0;
};

class udp_session {
 public:
  udp_session(app_host& app, const nc_options& o)
      : app_{app}, o_{o}, socket_{app.node()}, in_{app.io()} {}

  void start() {
    if (o_.listen)
      socket_.bind(udp::endpoint{asio::ip::udp::v4(), o_.port});
    else
      socket_.connect(udp::endpoint{o_.host, o_.port});
    copy_input();
    copy_output();
  }
  int status() const { return status_; }

 private:
  void copy_input() {
    in_.read([this](const_byte_span data) {
      if (data.empty()) return;  // the end of input; keep printing what arrives (as nc -u)
      chunk_.assign(data.begin(), data.end());
      // Listening, the input goes to whoever sent last.
      if (o_.listen && !peer_) return copy_input();
      const auto target = o_.listen ? *peer_ : udp::endpoint{o_.host, o_.port};
      socket_.async_send_to(asio::buffer(chunk_), target, [this](udp::error_code ec, std::size_t) {
        if (ec) return fail("send", ec);
        copy_input();
      });
    });
  }
  void copy_output() {
    socket_.async_receive_from(asio::buffer(out_), from_,
                               [this](udp::error_code ec, std::size_t n) {
                                 if (ec == asio::error::operation_aborted) return;
                                 if (ec) return fail("receive", ec);
                                 peer_ = from_;
                                 print({out_.data(), n});
                                 copy_output();
                               });
  }
  void fail(const std::string& what, const boost::system::error_code& ec) {
    status_ = give_up(app_, what, ec);
  }

  app_host& app_;
  nc_options o_;
  udp::socket socket_;
  input in_;
  std::vector<std::uint8_t> chunk_;
  std::array<std::uint8_t, 65535> out_{};
  udp::endpoint from_;
  std::optional<udp::endpoint> peer_;
  int status_ = 0;
};

int run(int argc, char** argv) {
  nc_options o;
  std::vector<std::string> args;
  po::options_description own{"Netcat"};
  own.add_options()("listen,l", po::bool_switch(&o.listen), "wait for one connection on PORT")(
      "udp,u", po::bool_switch(&o.udp), "UDP datagrams instead of a TCP connection")(
      "args", po::value(&args)->multitoken(), "HOST PORT, or PORT with -l");
  po::positional_options_description positional;
  positional.add("args", -1);
  po::variables_map vm;
  const auto options = parse_command_line(
      argc, argv,
      "Usage: tapstack-nc [options] HOST PORT\n"
      "       tapstack-nc -l [options] PORT\n\n"
      "netcat over tapstack: standard input to the connection, the connection to standard output,\n"
      "from a tapstack host on a tap (the host flags below; default 10.0.0.2 on tap0).\n",
      own, vm, positional);
  if (!options) return 0;
  if (args.size() != (o.listen ? 1u : 2u))
    throw usage_error(o.listen ? "expected PORT after -l" : "expected HOST and PORT");
  const std::string& port_text = args.back();
  unsigned long p = 0;
  try {
    std::size_t used = 0;
    p = std::stoul(port_text, &used);
    if (used != port_text.size()) p = 0;
  } catch (const std::exception&) {
    p = 0;
  }
  if (p == 0 || p > 65535)
    throw usage_error("invalid PORT '" + port_text + "': expected 1 to 65535");
  o.port = static_cast<std::uint16_t>(p);
  if (!o.listen) {
    const auto address = ipv4_address::parse(args[0]);
    if (!address) throw usage_error("invalid HOST '" + args[0] + "': expected an IPv4 address");
    o.host = asio::ip::address_v4{address->value};
  }

  app_host app{"tapstack-nc", *options};
  app.node().start();
  if (o.udp) {
    udp_session session{app, o};
    session.start();
    app.io().run();
    return session.status();
  }
  tcp_session session{app, o};
  session.start();
  app.io().run();
  return session.status();
}

}  // namespace

int main(int argc, char** argv) {
  return run_program("tapstack-nc", [&] { return run(argc, argv); });
}
