#include "config/json_overlay.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "config/options.hpp"
#include "core/strings.hpp"

namespace ds::config {
namespace {

using json = nlohmann::ordered_json;

// The keys Selkies reads from the file, and how it turns each value into its argument text.
enum class Kind { kInteger, kBoolean, kName };
struct Key {
  const char* name;
  Kind kind;
};
constexpr Key kKeys[] = {{"framerate", Kind::kInteger},
                         {"video_bitrate", Kind::kInteger},
                         {"audio_bitrate", Kind::kInteger},
                         {"enable_resize", Kind::kBoolean},
                         {"encoder", Kind::kName}};

std::string shown(const json& v) {
  std::string s = v.dump(-1, ' ', false, json::error_handler_t::replace);
  return s.size() > 80 ? s.substr(0, 77) + "..." : s;
}

// As Selkies: int(v) for numbers and numeric strings, "true" (any case) for the boolean, the
// lower-cased name for the encoder. nullopt: a value Selkies could not convert either.
std::optional<std::string> argumentText(const json& v, Kind kind) {
  switch (kind) {
    case Kind::kInteger:
      if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
      if (v.is_number_float()) {
        const double d = v.get<double>();
        if (!std::isfinite(d) || std::fabs(d) > 1e9) return std::nullopt;
        return std::to_string(static_cast<int64_t>(std::trunc(d)));
      }
      if (v.is_string()) {
        const std::string text = v.get<std::string>();
        return std::string(trim(text));
      }
      return std::nullopt;
    case Kind::kBoolean:
      if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
      if (v.is_string()) return toLower(trim(v.get<std::string>())) == "true" ? "true" : "false";
      return "false";  // Selkies: str(v).lower() == 'true'
    case Kind::kName:
      if (v.is_string()) return toLower(v.get<std::string>());
      return std::nullopt;
  }
  return std::nullopt;
}

std::string withValue(std::string_view existing, std::string_view key, json value, bool* replaced) {
  json j = json::parse(existing, nullptr, false);
  const bool fresh = j.is_discarded() || !j.is_object();
  if (fresh) j = json::object();
  if (replaced != nullptr) *replaced = fresh && !trim(existing).empty();
  j[std::string(key)] = std::move(value);
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

OverlayReport applyJsonOverlay(Loaded& loaded, std::string_view text, std::string_view path) {
  OverlayReport report;
  const std::string where = "SELKIES_JSON_CONFIG " + std::string(path);
  const json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    report.warnings.push_back(where + " is not a JSON object; its settings are ignored");
    return report;
  }
  for (const auto& [name, value] : j.items()) {
    const Key* key = nullptr;
    for (const auto& k : kKeys) {
      if (name == k.name) key = &k;
    }
    if (key == nullptr) continue;  // Selkies ignores every other key
    const Option* option = nullptr;
    for (const auto& o : options()) {
      if (o.flag == name) option = &o;
    }
    if (option == nullptr) continue;
    const auto arg = argumentText(value, key->kind);
    Config candidate = loaded.config;
    if (!arg || !option->apply(candidate, *arg)) {
      report.warnings.push_back(where + ": \"" + name + "\": " + shown(value) +
                                " is not valid (expected " + option->accepted + "); keeping " +
                                option->env + "'s value");
      continue;
    }
    loaded.config = std::move(candidate);
    for (auto& s : loaded.settings) {
      if (s.flag == name) {
        s.value = *arg;
        s.from_default = false;
      }
    }
    report.applied.push_back(name + "=" + *arg);
  }
  return report;
}

std::string withJsonValue(std::string_view existing, std::string_view key, int value,
                          bool* replaced) {
  return withValue(existing, key, json(value), replaced);
}

std::string withJsonValue(std::string_view existing, std::string_view key, bool value,
                          bool* replaced) {
  return withValue(existing, key, json(value), replaced);
}

Result<std::optional<std::string>> readJsonConfig(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec) && !ec) return std::optional<std::string>{};
  std::ifstream in(path, std::ios::binary);
  if (!in || std::filesystem::is_directory(path, ec)) {
    return fail("SELKIES_JSON_CONFIG " + path + " cannot be read");
  }
  std::string data(kJsonConfigMaxBytes + 1, '\0');
  in.read(data.data(), static_cast<std::streamsize>(data.size()));
  data.resize(static_cast<size_t>(in.gcount()));
  if (data.size() > kJsonConfigMaxBytes) {
    return fail("SELKIES_JSON_CONFIG " + path + " is larger than 64 KiB");
  }
  return std::optional<std::string>(std::move(data));
}

Status writeFileAtomic(const std::string& path, std::string_view content) {
  std::random_device rd;
  const std::string tmp = path + ".tmp-" + std::to_string(getpid()) + "-" + std::to_string(rd());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) return fail(tmp + ": " + std::strerror(errno));
  size_t done = 0;
  bool ok = true;
  while (ok && done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    ok = n > 0;
    if (ok) done += static_cast<size_t>(n);
  }
  const int saved = errno;
  ok = ok && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string why = std::strerror(ok ? errno : saved);
    ::unlink(tmp.c_str());
    return fail(path + ": " + why);
  }
  return {};
}

}  // namespace ds::config
