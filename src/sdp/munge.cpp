#include "sdp/munge.hpp"

#include <map>
#include <set>
#include <vector>

#include "core/strings.hpp"

namespace ds::sdp {
namespace {

std::vector<std::string> lines(std::string_view sdp) {
  std::vector<std::string> out;
  for (auto l : split(sdp, '\n')) {
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    out.emplace_back(l);
  }
  while (!out.empty() && out.back().empty()) out.pop_back();
  return out;
}

std::string join(const std::vector<std::string>& ls) {
  std::string out;
  for (const auto& l : ls) out += l + "\r\n";
  return out;
}

bool startsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// Codec names by payload type, collected from a=rtpmap in one media section.
std::map<std::string, std::string> rtpmaps(const std::vector<std::string>& ls, size_t begin,
                                           size_t end) {
  std::map<std::string, std::string> out;
  for (size_t i = begin; i < end; ++i) {
    if (!startsWith(ls[i], "a=rtpmap:")) continue;
    const auto rest = std::string_view(ls[i]).substr(9);
    const auto sp = rest.find(' ');
    if (sp == std::string_view::npos) continue;
    const auto codec = rest.substr(sp + 1);
    out[std::string(rest.substr(0, sp))] = toLower(codec.substr(0, codec.find('/')));
  }
  return out;
}

// Payload types that have an a=fmtp line in one media section.
std::set<std::string> fmtpTypes(const std::vector<std::string>& ls, size_t begin, size_t end) {
  std::set<std::string> out;
  for (size_t i = begin; i < end; ++i) {
    if (!startsWith(ls[i], "a=fmtp:")) continue;
    const auto rest = std::string_view(ls[i]).substr(7);
    out.emplace(rest.substr(0, rest.find(' ')));
  }
  return out;
}

std::string h264Params(std::string params, const OfferOptions& options) {
  params = setFmtpParam(params, "profile-level-id", options.h264_profile_level_id);
  params = setFmtpParam(params, "packetization-mode", "1");
  params = setFmtpParam(params, "level-asymmetry-allowed", "1");
  return setFmtpParam(params, "sps-pps-idr-in-keyframe", "1");
}

}  // namespace

std::string setFmtpParam(std::string_view params, std::string_view key, std::string_view value) {
  std::string out;
  bool found = false;
  for (auto p : split(params, ';')) {
    p = trim(p);
    if (p.empty()) continue;
    const auto eq = p.find('=');
    const auto k = p.substr(0, eq);
    if (!out.empty()) out += ';';
    if (k == key) {
      out += std::string(key) + "=" + std::string(value);
      found = true;
    } else {
      out += std::string(p);
    }
  }
  if (!found) out += (out.empty() ? "" : ";") + std::string(key) + "=" + std::string(value);
  return out;
}

Result<MungedOffer> mungeOffer(std::string_view text, const OfferOptions& options) {
  auto ls = lines(text);
  if (ls.empty() || ls.front() != "v=0") return fail("not an SDP: first line is not v=0");
  // Section boundaries.
  std::vector<size_t> starts;
  std::set<int> used_ids;
  for (size_t i = 0; i < ls.size(); ++i) {
    if (startsWith(ls[i], "m=")) starts.push_back(i);
    if (startsWith(ls[i], "a=extmap:")) {
      if (auto id = parseInt(split(std::string_view(ls[i]).substr(9), ' ')[0])) {
        used_ids.insert(static_cast<int>(*id));
      }
    }
  }
  int playout_id = 0;
  if (options.add_playout_delay && options.playout_delay_id != 0) {
    playout_id = used_ids.count(options.playout_delay_id) ? 0 : options.playout_delay_id;
  } else if (options.add_playout_delay) {
    for (int id = 1; id <= 14; ++id) {
      if (!used_ids.count(id)) {
        playout_id = id;
        break;
      }
    }
  }
  starts.push_back(ls.size());
  std::vector<std::string> out(ls.begin(), ls.begin() + static_cast<long>(starts.front()));
  for (size_t s = 0; s + 1 < starts.size(); ++s) {
    const size_t begin = starts[s];
    const size_t end = starts[s + 1];
    const bool video = startsWith(ls[begin], "m=video");
    const auto codecs = rtpmaps(ls, begin, end);
    const auto with_fmtp = fmtpTypes(ls, begin, end);
    bool extmap_added = false;
    for (size_t i = begin; i < end; ++i) {
      std::string line = ls[i];
      if (startsWith(line, "a=fmtp:")) {
        const auto rest = std::string_view(line).substr(7);
        const auto sp = rest.find(' ');
        if (sp != std::string_view::npos) {
          const std::string pt(rest.substr(0, sp));
          std::string params(rest.substr(sp + 1));
          const auto it = codecs.find(pt);
          const std::string codec = it == codecs.end() ? "" : it->second;
          if (params.find("apt=") != std::string::npos) {
            params = setFmtpParam(params, "rtx-time", std::to_string(options.rtx_time_ms));
          }
          if (codec == "h264") {
            params = h264Params(params, options);
          } else if (codec == "h265") {
            params = setFmtpParam(params, "sps-pps-idr-in-keyframe", "1");
          }
          line = "a=fmtp:" + pt + " " + params;
          out.push_back(line);
          if (codec == "opus" && params.find("sprop-") != std::string::npos) {
            out.push_back("a=ptime:" + std::to_string(options.opus_ptime_ms));
          }
          continue;
        }
      }
      // Declare playout-delay right after the media line's mid (or before the first rtpmap).
      if (video && playout_id != 0 && !extmap_added && startsWith(line, "a=rtpmap:")) {
        out.push_back("a=extmap:" + std::to_string(playout_id) + " " +
                      std::string(kPlayoutDelayUri));
        extmap_added = true;
      }
      out.push_back(line);
      if (startsWith(line, "a=rtpmap:")) {
        const auto rest = std::string_view(line).substr(9);
        const std::string pt(rest.substr(0, rest.find(' ')));
        const auto it = codecs.find(pt);
        if (it != codecs.end() && it->second == "h264" && !with_fmtp.count(pt)) {
          out.push_back("a=fmtp:" + pt + " " + h264Params("", options));
        }
      }
    }
  }
  return MungedOffer{join(out), playout_id};
}

int extmapId(std::string_view text, std::string_view uri) {
  bool in_video = false;
  for (const auto& l : lines(text)) {
    if (startsWith(l, "m=")) {
      if (in_video) return 0;
      in_video = startsWith(l, "m=video");
    }
    if (in_video && startsWith(l, "a=extmap:")) {
      const auto parts = split(std::string_view(l).substr(9), ' ');
      if (parts.size() >= 2 && parts[1] == uri) {
        const auto id_text = split(parts[0], '/')[0];
        if (auto id = parseInt(id_text); id && *id >= 1 && *id <= 14) return static_cast<int>(*id);
      }
    }
  }
  return 0;
}

}  // namespace ds::sdp
