#include "http/connection_limits.hpp"

namespace ds::http {

Admission ConnectionLimits::admit(const std::string& address) {
  if (open_ >= max_total_) return Admission::kTotalFull;
  int& from = per_address_[address];
  if (max_per_address_ > 0 && from >= max_per_address_) return Admission::kAddressFull;
  ++from;
  ++open_;
  return Admission::kAdmitted;
}

void ConnectionLimits::release(const std::string& address) {
  auto it = per_address_.find(address);
  if (it == per_address_.end() || it->second == 0) return;
  --open_;
  if (--it->second == 0) per_address_.erase(it);
}

int ConnectionLimits::openFrom(const std::string& address) const {
  auto it = per_address_.find(address);
  return it == per_address_.end() ? 0 : it->second;
}

}  // namespace ds::http
