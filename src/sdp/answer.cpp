#include "sdp/answer.hpp"

#include <vector>

#include "core/strings.hpp"

namespace ds::sdp {
namespace {

std::vector<std::string_view> sdpLines(std::string_view sdp) {
  std::vector<std::string_view> out;
  for (auto l : split(sdp, '\n')) {
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    out.push_back(l);
  }
  return out;
}

// "m=<media> <port> <proto> <fmt>...": the fields after "m=".
std::vector<std::string_view> mediaFields(std::string_view line) {
  std::vector<std::string_view> out;
  for (auto f : split(line.substr(2), ' ')) {
    if (!f.empty()) out.push_back(f);
  }
  return out;
}

}  // namespace

std::string declinedSections(std::string_view answer) {
  std::string out;
  for (auto l : sdpLines(answer)) {
    if (l.substr(0, 2) != "m=") continue;
    const auto f = mediaFields(l);
    // The port may carry "/<count>"; a declined section has port 0.
    if (f.size() >= 2 && f[1].substr(0, f[1].find('/')) == "0") {
      out += (out.empty() ? "" : ", ") + std::string(f[0]);
    }
  }
  return out;
}

std::string offeredVideoCodec(std::string_view offer) {
  std::string pt;
  bool in_video = false;
  for (auto l : sdpLines(offer)) {
    if (l.substr(0, 2) == "m=") {
      if (!pt.empty()) break;
      const auto f = mediaFields(l);
      in_video = f.size() >= 4 && f[0] == "video";
      if (in_video) pt = std::string(f[3]);
      continue;
    }
    const std::string prefix = "a=rtpmap:" + pt + " ";
    if (in_video && !pt.empty() && l.substr(0, prefix.size()) == prefix) {
      const auto codec = l.substr(prefix.size());
      return std::string(codec.substr(0, codec.find('/')));
    }
  }
  return "";
}

}  // namespace ds::sdp
