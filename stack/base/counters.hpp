#pragma once
// What a host counts: every frame it drops, under the reason it was dropped for, and the events a
// reader checks first (frames in and out, ARP and ICMP traffic). Bad input from the network is
// expected, so it is counted here and traced at debug level, never asserted on. Plain data: one per
// host, no globals.
#include <array>
#include <cstdint>
#include <ostream>
#include <string_view>

namespace tapstack {

// One line per reason: the name printed on exit and the situation it stands for.
#define TAPSTACK_DROP_REASONS(X)                                                            \
  X(frame_too_short, "shorter than an Ethernet header")                                     \
  X(eth_not_for_us, "destination MAC is neither ours nor broadcast")                        \
  X(eth_unknown_ethertype, "an ethertype this host does not speak (IPv6, VLAN, ...)")       \
  X(arp_truncated, "ARP packet shorter than its addresses")                                 \
  X(arp_unsupported, "ARP for a hardware or protocol other than Ethernet/IPv4")             \
  X(arp_bad_opcode, "ARP operation neither request nor reply")                              \
  X(arp_bad_sender, "ARP sender MAC is broadcast or multicast")                             \
  X(arp_not_for_us, "ARP request for another host's address")                               \
  X(arp_address_conflict, "another MAC claims this host's IPv4 address")                    \
  X(arp_queue_full, "packet waiting for ARP pushed out by newer ones")                      \
  X(arp_unresolved, "no ARP answer after every retry")                                      \
  X(arp_cache_full, "no room for another ARP entry")                                        \
  X(ip_truncated, "shorter than an IPv4 header")                                            \
  X(ip_bad_version, "IP version is not 4")                                                  \
  X(ip_bad_header_len, "IPv4 header length below 20 or past the packet")                    \
  X(ip_bad_total_len, "IPv4 total length shorter than the header or longer than the frame") \
  X(ip_bad_checksum, "IPv4 header checksum does not verify")                                \
  X(ip_bad_source, "IPv4 source is broadcast, multicast, 0/8, loopback or our own")         \
  X(ip_source_route, "IPv4 packet with a loose or strict source route option (RFC 7126)")   \
  X(ip_bad_destination, "outgoing packet to 0/8, loopback or our own address")              \
  X(ip_not_for_us, "IPv4 destination is not this host")                                     \
  X(ip_frag_overlap, "fragments overlap or disagree on the end (RFC 5722): all dropped")    \
  X(ip_frag_duplicate, "a fragment that repeats one already held")                          \
  X(ip_frag_bad_length, "a fragment with more to follow, not a multiple of 8 bytes long")   \
  X(ip_frag_too_big, "fragments that would make a datagram over 65535 bytes")               \
  X(ip_frag_timeout, "fragments of a datagram that did not complete in time")               \
  X(ip_frag_limit, "no room for another datagram's fragments (count or bytes held)")        \
  X(ip_unknown_protocol, "IP protocol this host does not speak")                            \
  X(ip_no_route, "destination off-link and no gateway")                                     \
  X(ip_too_big, "outgoing packet larger than the MTU")                                      \
  X(icmp_truncated, "shorter than an ICMP header")                                          \
  X(icmp_bad_checksum, "ICMP checksum does not verify")                                     \
  X(icmp_broadcast_echo, "echo request to a broadcast address (ignored, as Linux does)")    \
  X(icmp_unhandled, "ICMP type this host does not act on")                                  \
  X(icmp_error_unmatched, "ICMP error about a datagram no socket of ours sent")             \
  X(udp_truncated, "shorter than a UDP header")                                             \
  X(udp_bad_length, "UDP length shorter than its header or longer than the packet")         \
  X(udp_bad_checksum, "UDP checksum does not verify")                                       \
  X(udp_no_socket, "UDP datagram to a port nobody listens on (port unreachable sent)")      \
  X(udp_queue_full, "UDP datagram for a socket whose receive queue is full")                \
  X(tcp_truncated, "shorter than a TCP header")                                             \
  X(tcp_bad_header_len, "TCP data offset below 20 bytes or past the segment")               \
  X(tcp_bad_checksum, "TCP checksum does not verify")                                       \
  X(tcp_bad_option, "TCP option length below 2, past the header, or wrong for its kind")    \
  X(tcp_broadcast, "TCP segment to a broadcast address")                                    \
  X(tcp_closed_port, "TCP segment for no connection and no listener (RST sent)")            \
  X(tcp_listen_overflow, "SYN dropped: the listener's backlog is full")                     \
  X(tcp_connection_limit, "SYN or cookie ACK dropped: the host holds --max-connections")    \
  X(tcp_syn_cookie_rejected, "ACK to a listener with a SYN cookie that does not check out") \
  X(tcp_listen_unexpected, "segment to a listener that is not a SYN")                       \
  X(tcp_out_of_window, "TCP segment outside the receive window (an ACK sent back)")         \
  X(tcp_rst_challenged, "RST in the window but not at rcv.nxt (RFC 5961 challenge ACK)")    \
  X(tcp_syn_challenged, "SYN on a synchronized connection (RFC 5961 challenge ACK)")        \
  X(tcp_bad_ack, "TCP ACK for data not yet sent, or too old (RFC 5961 5.2)")                \
  X(tcp_no_ack, "TCP segment without ACK on a synchronized connection")                     \
  X(tcp_out_of_order_full, "out-of-order TCP data beyond the ranges a connection holds")    \
  X(tcp_syn_sent_unexpected, "segment in SYN-SENT that is neither SYN nor a valid RST")     \
  X(tcp_syn_in_syn_received, "SYN on a connection not yet accepted: back to LISTEN")        \
  X(tcp_paws, "TCP timestamp older than TS.Recent (PAWS, RFC 7323 5; an ACK sent)")         \
  X(tcp_no_timestamp, "TCP segment without the timestamps both SYNs agreed on")             \
  X(tx_device_full, "the device had no room for an outgoing frame")

#define TAPSTACK_EVENTS(X)                                                        \
  X(frames_in, "frames received")                                                 \
  X(frames_out, "frames sent")                                                    \
  X(bytes_in, "bytes received")                                                   \
  X(bytes_out, "bytes sent")                                                      \
  X(arp_requests_in, "ARP requests received")                                     \
  X(arp_replies_in, "ARP replies received")                                       \
  X(arp_requests_out, "ARP requests sent")                                        \
  X(arp_replies_out, "ARP replies sent")                                          \
  X(ip_packets_in, "IPv4 packets delivered to this host")                         \
  X(ip_packets_out, "IPv4 packets sent")                                          \
  X(icmp_echo_requests_in, "ICMP echo requests received")                         \
  X(icmp_echo_replies_out, "ICMP echo replies sent")                              \
  X(icmp_echo_replies_in, "ICMP echo replies received")                           \
  X(icmp_errors_in, "ICMP unreachable/time-exceeded received")                    \
  X(icmp_echo_requests_out, "ICMP echo requests sent")                            \
  X(icmp_unreachables_out, "ICMP destination unreachables sent")                  \
  X(icmp_errors_rate_limited, "ICMP errors not sent: rate limit")                 \
  X(ip_fragments_in, "IPv4 fragments received")                                   \
  X(ip_reassembled, "IPv4 datagrams reassembled")                                 \
  X(ip_fragments_out, "IPv4 fragments sent")                                      \
  X(udp_datagrams_in, "UDP datagrams delivered to a socket")                      \
  X(udp_datagrams_out, "UDP datagrams sent")                                      \
  X(tcp_segments_in, "TCP segments received")                                     \
  X(tcp_segments_out, "TCP segments sent")                                        \
  X(tcp_retransmits, "TCP segments retransmitted")                                \
  X(tcp_fast_retransmits, "TCP losses repaired by fast retransmit")               \
  X(tcp_rtos, "TCP retransmission timeouts on open connections")                  \
  X(tcp_resets_out, "TCP resets sent")                                            \
  X(tcp_challenge_acks, "TCP challenge ACKs sent (RFC 5961)")                     \
  X(tcp_challenge_acks_limited, "TCP challenge ACKs not sent: limit")             \
  X(tcp_invalid_ack_replies, "TCP ACKs sent for invalid pure ACKs")               \
  X(tcp_invalid_ack_replies_limited, "TCP invalid-ACK replies not sent: limit")   \
  X(tcp_peer_mss_raised, "TCP peer MSS options raised to the floor")              \
  X(tcp_active_opens, "TCP connections opened by connect")                        \
  X(tcp_passive_opens, "TCP connections accepted from a listener")                \
  X(tcp_syn_cookies_sent, "SYN-ACKs with a SYN cookie (a listener's queue full)") \
  X(tcp_syn_cookies_validated, "TCP connections made from a valid SYN cookie")    \
  X(tcp_timeouts, "TCP connections that timed out")

#define TAPSTACK_ENUM_NAME(name, text) name,
enum class drop_reason : std::uint8_t { TAPSTACK_DROP_REASONS(TAPSTACK_ENUM_NAME) count_ };
enum class event : std::uint8_t { TAPSTACK_EVENTS(TAPSTACK_ENUM_NAME) count_ };
#undef TAPSTACK_ENUM_NAME

std::string_view name(drop_reason r);
std::string_view description(drop_reason r);
std::string_view name(event e);

class counters {
 public:
  void drop(drop_reason r, std::uint64_t n = 1) { drops_[static_cast<std::size_t>(r)] += n; }
  void count(event e, std::uint64_t n = 1) { events_[static_cast<std::size_t>(e)] += n; }

  std::uint64_t operator[](drop_reason r) const { return drops_[static_cast<std::size_t>(r)]; }
  std::uint64_t operator[](event e) const { return events_[static_cast<std::size_t>(e)]; }
  std::uint64_t total_drops() const;

 private:
  std::array<std::uint64_t, static_cast<std::size_t>(drop_reason::count_)> drops_{};
  std::array<std::uint64_t, static_cast<std::size_t>(event::count_)> events_{};
};

// Every event, then every non-zero drop with its meaning: the report a host prints on exit.
std::ostream& operator<<(std::ostream& os, const counters& c);

}  // namespace tapstack
