#include "input/client_stats.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>
#include <unordered_map>
#include <unordered_set>

namespace ds::input {
namespace {

// Ordered: fields keep the order the browser sent them in, as Python's dicts do.
using json = nlohmann::ordered_json;

// Counts nesting while nlohmann parses, and stops the parse past the limit (so a deeply nested
// document never becomes a deep tree).
class DepthGuard : public nlohmann::json_sax<json> {
 public:
  explicit DepthGuard(int limit) : limit_(limit) {}
  bool null() override { return true; }
  bool boolean(bool /*val*/) override { return true; }
  bool number_integer(number_integer_t /*val*/) override { return true; }
  bool number_unsigned(number_unsigned_t /*val*/) override { return true; }
  bool number_float(number_float_t /*val*/, const string_t& /*s*/) override { return true; }
  bool string(string_t& /*val*/) override { return true; }
  bool binary(binary_t& /*val*/) override { return true; }
  bool start_object(std::size_t /*elements*/) override { return enter(); }
  bool key(string_t& /*val*/) override { return true; }
  bool end_object() override { return leave(); }
  bool start_array(std::size_t /*elements*/) override { return enter(); }
  bool end_array() override { return leave(); }
  bool parse_error(std::size_t /*position*/, const std::string& /*last_token*/,
                   const nlohmann::detail::exception& /*ex*/) override {
    return false;
  }
  bool tooDeep() const { return too_deep_; }

 private:
  bool enter() {
    if (++depth_ > limit_) too_deep_ = true;
    return !too_deep_;
  }
  bool leave() {
    --depth_;
    return true;
  }
  int limit_;
  int depth_ = 0;
  bool too_deep_ = false;
};

std::string pythonQuoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "'";
}

// str(value) in Python for a value json.loads produced; nested containers print as their repr.
std::string pythonStr(const json& v, bool nested) {
  switch (v.type()) {
    case json::value_t::string:
      return nested ? pythonQuoted(v.get_ref<const std::string&>())
                    : v.get_ref<const std::string&>();
    case json::value_t::boolean:
      return v.get<bool>() ? "True" : "False";
    case json::value_t::null:
      return "None";
    case json::value_t::number_integer:
      return std::to_string(v.get<int64_t>());
    case json::value_t::number_unsigned:
      return std::to_string(v.get<uint64_t>());
    case json::value_t::number_float:
      return pythonFloat(v.get<double>());
    case json::value_t::array: {
      std::string out = "[";
      for (size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + pythonStr(v[i], true);
      return out + "]";
    }
    case json::value_t::object: {
      std::string out = "{";
      bool first = true;
      for (const auto& [k, item] : v.items()) {
        out += (first ? "" : ", ") + pythonQuoted(k) + ": " + pythonStr(item, true);
        first = false;
      }
      return out + "}";
    }
    default:
      return "";
  }
}

}  // namespace

std::string pythonFloat(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value < 0 ? "-inf" : "inf";
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::scientific);
  std::string_view sci(buf, r.ptr - buf);  // e.g. "-1.2345e+02", "5e-05"
  std::string sign;
  if (sci.front() == '-') {
    sign = "-";
    sci.remove_prefix(1);
  }
  const size_t e = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e)) {
    if (c != '.') digits.push_back(c);
  }
  int exp = 0;
  std::from_chars(sci.data() + e + 1 + (sci[e + 1] == '+' ? 1 : 0), sci.data() + sci.size(), exp);
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  const int n = static_cast<int>(digits.size());
  if (exp < -4 || exp >= 16) {
    std::string out = sign + digits.substr(0, 1);
    if (n > 1) out += "." + digits.substr(1);
    const std::string e_digits = std::to_string(std::abs(exp));
    return out + "e" + (exp < 0 ? "-" : "+") + (e_digits.size() < 2 ? "0" : "") + e_digits;
  }
  if (exp < 0) return sign + "0." + std::string(-exp - 1, '0') + digits;
  std::string whole = digits.substr(0, std::min(n, exp + 1));
  whole.append(std::max(0, exp + 1 - n), '0');
  const std::string frac = n > exp + 1 ? digits.substr(exp + 1) : "0";
  return sign + whole + "." + frac;
}

Result<ClientStats> parseClientStats(bool audio, std::string_view text) {
  if (text.size() > kMaxClientStatsBytes) return fail("statistics over 256 KiB");
  DepthGuard guard(kMaxClientStatsDepth);
  if (!json::sax_parse(text, &guard)) {
    return fail(guard.tooDeep() ? "statistics nested too deeply" : "statistics are not JSON");
  }
  const json list = json::parse(text, nullptr, false);
  if (!list.is_array()) return fail("statistics are not a JSON array");
  ClientStats out;
  out.audio = audio;
  std::unordered_set<std::string> seen_types;  // report names used so far
  std::unordered_map<std::string, size_t> index;
  for (const json& report : list) {
    if (!report.is_object()) return fail("a statistics report is not an object");
    const auto type = report.find("type");
    if (type == report.end() || !type->is_string()) return fail("a report has no type");
    std::string prefix = type->get<std::string>();
    if (seen_types.count(prefix) != 0) {
      const auto id = report.find("id");
      prefix += "-" + (id != report.end() ? pythonStr(*id, false) : std::string("None"));
    }
    seen_types.insert(prefix);
    for (const auto& [member, value] : report.items()) {
      std::string name = prefix + "." + member;
      std::string printed = pythonStr(value, false);
      if (auto it = index.find(name); it != index.end()) {
        out.fields[it->second].value = std::move(printed);
        continue;
      }
      if (out.fields.size() == kMaxClientStatsFields) return fail("too many statistics fields");
      index.emplace(name, out.fields.size());
      out.fields.push_back({std::move(name), std::move(printed)});
    }
  }
  return out;
}

}  // namespace ds::input
