#include "congestion/rtx_budget.hpp"

#include <algorithm>

namespace ds::congestion {
namespace {

// The average packet size follows about the last 16 packets.
constexpr double kAverageWeight = 1.0 / 16;

}  // namespace

RtxBudget::RtxBudget(RtxBudgetSettings settings)
    : settings_(settings),
      tokens_(static_cast<double>(settings.burst_bytes)),
      average_bytes_(static_cast<double>(settings.first_packet_bytes)) {}

void RtxBudget::onMediaPacket(std::size_t bytes) {
  average_bytes_ += (static_cast<double>(bytes) - average_bytes_) * kAverageWeight;
  tokens_ = std::min(tokens_ + settings_.share * static_cast<double>(bytes),
                     static_cast<double>(settings_.burst_bytes));
}

bool RtxBudget::allow() {
  if (tokens_ < average_bytes_) {
    ++refused_;
    return false;
  }
  tokens_ -= average_bytes_;
  ++allowed_;
  return true;
}

}  // namespace ds::congestion
