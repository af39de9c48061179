#include "turn/rtc_parse.hpp"

#include <nlohmann/json.hpp>

#include "core/strings.hpp"

namespace ds::turn {
namespace {

using json = nlohmann::ordered_json;

// "host:port[?query]" of "scheme:host:port[?query]"; IPv6 hosts in [ ] keep their colons.
Result<std::string> hostPort(std::string_view url, std::string_view scheme) {
  std::string_view rest = url.substr(scheme.size());
  while (!rest.empty() && rest.front() == '/') rest.remove_prefix(1);  // "stun://" spellings
  if (rest.empty()) return fail("ICE server URL without a host: " + std::string(url));
  const size_t host_end = rest.front() == '[' ? rest.find(']') : rest.find_first_of(":?");
  if (host_end == std::string_view::npos && rest.front() == '[') {
    return fail("ICE server URL with an unclosed [: " + std::string(url));
  }
  std::string out(rest);
  const size_t after_host = rest.front() == '[' ? host_end + 1 : host_end;
  if (after_host >= rest.size() || rest[after_host] != ':') {  // no port: the default
    const std::string port = scheme == "turns:" ? "5349" : "3478";
    out = std::string(rest.substr(0, after_host)) + ":" + port +
          std::string(after_host < rest.size() ? rest.substr(after_host) : "");
  }
  return out;
}

std::string text(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

}  // namespace

Result<ParsedRtc> parseRtcConfig(std::string_view input, bool force_relay) {
  json j = json::parse(input, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return fail("not a JSON object");
  const auto servers = j.find("iceServers");
  if (servers == j.end() || !servers->is_array()) return fail("no iceServers array");
  ParsedRtc out;
  for (const auto& server : *servers) {
    if (!server.is_object()) return fail("an iceServers entry is not an object");
    std::vector<std::string> urls;
    if (auto u = server.find("urls"); u != server.end()) {
      if (u->is_string()) urls.push_back(u->get<std::string>());
      if (u->is_array()) {
        for (const auto& one : *u) {
          if (one.is_string()) urls.push_back(one.get<std::string>());
        }
      }
    }
    for (const auto& url : urls) {
      for (const char* scheme : {"stun:", "turn:", "turns:"}) {
        if (url.rfind(scheme, 0) != 0) continue;
        auto hp = hostPort(url, scheme);
        if (!hp) return fail(hp.error().message);
        if (std::string_view(scheme) == "stun:") {
          const std::string bare = hp->substr(0, hp->find('?'));
          if (out.uris.stun.empty()) out.uris.stun = "stun://" + bare;
          break;
        }
        const auto user = server.find("username");
        const auto credential = server.find("credential");
        if (user == server.end() || credential == server.end()) {
          return fail("TURN URL " + url + " without username and credential");
        }
        out.uris.turn.push_back(std::string(scheme) + "//" + percentEncode(text(*user)) + ":" +
                                percentEncode(text(*credential)) + "@" + *hp);
        break;
      }
    }
  }
  if (force_relay) j["iceTransportPolicy"] = "relay";
  out.json = j.dump(-1, ' ', false, json::error_handler_t::replace);
  return out;
}

}  // namespace ds::turn
