#include "unit/input/x_fixture.hpp"

#include <glib.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

namespace ds::input::test {

bool InputX::pumpUntil(const std::function<bool()>& done, int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    while (g_main_context_iteration(nullptr, FALSE)) {
    }
    if (desktop_) desktop_->processEvents();
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return done();
}

std::vector<std::string> InputX::sentOfType(const std::string& type) const {
  std::vector<std::string> out;
  for (const auto& text : sent_) {
    auto json = nlohmann::json::parse(text, nullptr, false);
    if (!json.is_discarded() && json.value("type", "") == type) out.push_back(text);
  }
  return out;
}

}  // namespace ds::input::test
