#include "stats/csv_format.hpp"

#include <nlohmann/json.hpp>
#include <set>
#include <unordered_map>

namespace ds::stats {
namespace {

using json = nlohmann::ordered_json;

std::string pythonStr(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "True" : "False";
  if (v.is_null()) return "None";
  return v.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

Result<Flat> flatten(std::string_view json_array, size_t max_columns) {
  const json j = json::parse(json_array, nullptr, false);
  if (j.is_discarded() || !j.is_array()) return fail("statistics are not a JSON array");
  Flat out;
  std::set<std::string> seen;
  for (const auto& report : j) {
    if (!report.is_object()) return fail("a statistics report is not a JSON object");
    const auto type = report.find("type");
    std::string key = type != report.end() ? pythonStr(*type) : "None";
    if (!seen.insert(key).second) {
      const auto id = report.find("id");
      key += "-" + (id != report.end() ? pythonStr(*id) : "None");
      seen.insert(key);
    }
    for (const auto& [field, value] : report.items()) {
      if (out.size() >= max_columns) {
        return fail("statistics have more than " + std::to_string(max_columns) + " columns");
      }
      out.emplace_back(key + "." + field, pythonStr(value));
    }
  }
  return out;
}

std::string csvLine(const std::vector<std::string>& fields, bool selkies_semicolon_quotes) {
  std::string line;
  for (size_t i = 0; i < fields.size(); ++i) {
    std::string v = fields[i];
    for (char& c : v) {
      if (c == '\r' || c == '\n') c = ' ';
    }
    if (selkies_semicolon_quotes && i > 0 && v.find(';') != std::string::npos) v = '"' + v + '"';
    if (i > 0) line += ',';
    if (v.find_first_of(",\"") != std::string::npos) {
      line += '"';
      for (char c : v) {
        if (c == '"') line += '"';
        line += c;
      }
      line += '"';
    } else {
      line += v;
    }
  }
  return line + "\r\n";
}

std::string rowTimestamp(const std::tm& local) {
  char buf[64];
  return std::string(buf, std::strftime(buf, sizeof buf, "%d/%B/%Y:%H:%M:%S", &local));
}

std::string fileTimestamp(const std::tm& local) {
  char buf[64];
  return std::string(buf, std::strftime(buf, sizeof buf, "%Y-%m-%d:%H:%M:%S", &local));
}

size_t Columns::merge(const Flat& flat) {
  std::set<std::string> known(names_.begin(), names_.end());
  size_t added = 0;
  for (const auto& [name, value] : flat) {
    if (known.insert(name).second) {
      names_.push_back(name);
      ++added;
    }
  }
  return added;
}

std::vector<std::string> Columns::header() const {
  std::vector<std::string> out{"timestamp"};
  out.insert(out.end(), names_.begin(), names_.end());
  return out;
}

std::vector<std::string> Columns::row(std::string_view timestamp, const Flat& flat) const {
  std::unordered_map<std::string_view, std::string_view> values;
  for (const auto& [name, value] : flat) values.emplace(name, value);
  std::vector<std::string> out{std::string(timestamp)};
  for (const auto& name : names_) {
    auto it = values.find(name);
    out.emplace_back(it == values.end() ? std::string("NaN") : std::string(it->second));
  }
  return out;
}

}  // namespace ds::stats
