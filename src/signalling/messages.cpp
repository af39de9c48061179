#include "signalling/messages.hpp"

#include <nlohmann/json.hpp>

#include "core/strings.hpp"

namespace ds::signalling {
namespace {

using nlohmann::json;

Result<ClientMessage> parseHello(std::string_view text) {
  const auto parts = split(text, ' ');
  if (parts.size() < 2 || parts.size() > 3 || parts[1].empty()) {
    return fail("invalid HELLO: expected 'HELLO <uid> [meta]'");
  }
  Hello hello;
  hello.uid = std::string(parts[1]);
  if (hello.uid.size() > 64) return fail("invalid HELLO: uid longer than 64 characters");
  for (char c : hello.uid) {
    if (c < 0x21 || c > 0x7e) return fail("invalid HELLO: uid must be printable ASCII");
  }
  if (parts.size() == 3) {
    auto meta = parseMeta(parts[2]);
    if (!meta) return Unexpected<Error>{meta.error()};
    hello.meta = *meta;
  }
  return ClientMessage{hello};
}

Result<ClientMessage> parseJson(std::string_view text) {
  const json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return fail("invalid message: not HELLO and not valid JSON");
  if (!j.is_object()) return fail("invalid message: JSON is not an object");
  if (auto it = j.find("sdp"); it != j.end()) {
    if (!it->is_object()) return fail("invalid sdp: not an object");
    const auto type = it->find("type");
    const auto sdp = it->find("sdp");
    if (type == it->end() || !type->is_string()) return fail("invalid sdp: missing type");
    if (sdp == it->end() || !sdp->is_string()) return fail("invalid sdp: missing sdp text");
    return ClientMessage{SessionDescription{type->get<std::string>(), sdp->get<std::string>()}};
  }
  if (auto it = j.find("ice"); it != j.end()) {
    if (!it->is_object()) return fail("invalid ice: not an object");
    IceCandidate ice;
    const auto cand = it->find("candidate");
    if (cand == it->end() || !cand->is_string()) return fail("invalid ice: missing candidate");
    ice.candidate = cand->get<std::string>();
    if (!ice.candidate.empty() && ice.candidate.rfind("candidate:", 0) != 0 &&
        ice.candidate.rfind("a=candidate:", 0) != 0) {
      return fail("invalid ice: candidate does not start with 'candidate:'");
    }
    const auto mline = it->find("sdpMLineIndex");
    if (mline != it->end() && mline->is_number_integer()) {
      const auto v = mline->get<int64_t>();
      if (v < 0 || v > 16) return fail("invalid ice: sdpMLineIndex out of range");
      ice.mline_index = static_cast<int>(v);
    } else if (mline != it->end() && !mline->is_null()) {
      return fail("invalid ice: sdpMLineIndex is not an integer");
    }
    if (auto mid = it->find("sdpMid"); mid != it->end() && mid->is_string()) {
      ice.mid = mid->get<std::string>();
    }
    return ClientMessage{ice};
  }
  return fail("invalid message: unknown type (expected sdp or ice)");
}

}  // namespace

Result<ClientMeta> parseMeta(std::string_view base64) {
  const auto decoded = base64Decode(base64);
  if (!decoded) return fail("invalid HELLO: meta is not base64");
  const json j = json::parse(*decoded, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return fail("invalid HELLO: meta is not a JSON object");
  ClientMeta meta;
  if (auto res = j.find("res"); res != j.end() && res->is_string()) {
    const std::string res_text = res->get<std::string>();  // split() returns views into it
    const auto wh = split(res_text, 'x');
    if (wh.size() == 2) {
      const auto w = parseInt(wh[0]);
      const auto h = parseInt(wh[1]);
      if (w && h && *w > 0 && *h > 0 && *w <= 16384 && *h <= 16384) {
        meta.width = static_cast<int>(*w);
        meta.height = static_cast<int>(*h);
      }
    }
  }
  if (auto scale = j.find("scale"); scale != j.end() && scale->is_number()) {
    const double s = scale->get<double>();
    if (s != 0) meta.scale = s;
  }
  return meta;
}

Result<ClientMessage> parseClientMessage(std::string_view text) {
  if (text.size() > kMaxMessageBytes) return fail("invalid message: larger than 64 KiB");
  if (text.empty()) return fail("invalid message: empty");
  if (text.rfind("HELLO", 0) == 0) return parseHello(text);
  return parseJson(text);
}

std::string encodeOffer(std::string_view sdp) {
  // Invalid UTF-8 is replaced rather than thrown on (dump's default).
  return json{{"sdp", {{"type", "offer"}, {"sdp", std::string(sdp)}}}}.dump(
      -1, ' ', false, json::error_handler_t::replace);
}

std::string encodeIce(std::string_view candidate, int mline_index) {
  return json{{"ice", {{"candidate", std::string(candidate)}, {"sdpMLineIndex", mline_index}}}}
      .dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace ds::signalling
