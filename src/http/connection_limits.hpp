// Bookkeeping of open connections: at most `max_total` at once, and at most `max_per_address`
// from one client address (0 = no per-address limit). Pure logic; http::ConnectionGate applies it
// to accepted sockets.
#pragma once

#include <string>
#include <unordered_map>

namespace ds::http {

enum class Admission { kAdmitted, kTotalFull, kAddressFull };

class ConnectionLimits {
 public:
  ConnectionLimits(int max_total, int max_per_address)
      : max_total_(max_total), max_per_address_(max_per_address) {}

  // Counts the connection when admitted; a refused one is not counted.
  Admission admit(const std::string& address);
  // Forgets one admitted connection from `address` (extra calls are ignored).
  void release(const std::string& address);

  int open() const { return open_; }
  int openFrom(const std::string& address) const;

 private:
  int max_total_;
  int max_per_address_;
  int open_ = 0;
  std::unordered_map<std::string, int> per_address_;
};

}  // namespace ds::http
