#include "sdp/answer.hpp"

#include <cctype>
#include <utility>
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

std::string upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// The first video section's payload types, in order, and their encoding names (upper case).
struct VideoFormats {
  std::vector<std::string> order;
  std::vector<std::pair<std::string, std::string>> names;  // pt -> name
  std::string nameOf(const std::string& pt) const {
    for (const auto& [p, n] : names) {
      if (p == pt) return n;
    }
    return "";
  }
};

VideoFormats videoFormats(std::string_view sdp) {
  VideoFormats out;
  bool in_video = false;
  bool seen = false;
  for (auto l : sdpLines(sdp)) {
    if (l.substr(0, 2) == "m=") {
      if (seen) break;
      const auto f = mediaFields(l);
      in_video = f.size() >= 3 && f[0] == "video";
      if (in_video) {
        seen = true;
        for (size_t i = 3; i < f.size(); ++i) out.order.emplace_back(f[i]);
      }
      continue;
    }
    if (!in_video || l.substr(0, 9) != "a=rtpmap:") continue;
    const auto rest = l.substr(9);
    const auto sp = rest.find(' ');
    if (sp == std::string_view::npos) continue;
    const auto codec = rest.substr(sp + 1);
    out.names.emplace_back(std::string(rest.substr(0, sp)),
                           upper(trim(codec.substr(0, codec.find('/')))));
  }
  return out;
}

}  // namespace

std::string chosenCodec(std::string_view offer, std::string_view answer) {
  const auto ours = videoFormats(offer);
  const auto theirs = videoFormats(answer);
  for (const auto& pt : ours.order) {
    const std::string name = ours.nameOf(pt);
    if (name.empty() || name == "RTX" || name == "RED" || name == "ULPFEC" || name == "FLEXFEC" ||
        name == "FLEXFEC-03") {
      continue;
    }
    for (const auto& answered : theirs.order) {
      // The answer reuses our payload type for a codec it accepts (RFC 3264 §6.1).
      if (answered == pt && theirs.nameOf(pt) == name) return name;
    }
  }
  return "";
}

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
