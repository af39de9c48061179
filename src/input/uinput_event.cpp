#include "input/uinput_event.hpp"

#include <string_view>

namespace ds::input {
namespace {

void bigEndian(std::string& out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// MessagePack integers as msgpack-python packs them: fixints, then the smallest unsigned type
// for positive values and the smallest signed type for negative ones.
void packInt(std::string& out, int64_t v) {
  const auto u = static_cast<uint64_t>(v);
  if (v >= 0 && v < 128) {
    out.push_back(static_cast<char>(v));
  } else if (v >= -32 && v < 0) {
    out.push_back(static_cast<char>(u & 0xff));  // negative fixint 0xe0..0xff
  } else if (v > 0 && v <= 0xff) {
    out.push_back(static_cast<char>(0xcc));
    bigEndian(out, u, 1);
  } else if (v < 0 && v >= -0x80) {
    out.push_back(static_cast<char>(0xd0));
    bigEndian(out, u, 1);
  } else if (v > 0 && v <= 0xffff) {
    out.push_back(static_cast<char>(0xcd));
    bigEndian(out, u, 2);
  } else if (v < 0 && v >= -0x8000) {
    out.push_back(static_cast<char>(0xd1));
    bigEndian(out, u, 2);
  } else if (v > 0 && v <= 0xffffffffLL) {
    out.push_back(static_cast<char>(0xce));
    bigEndian(out, u, 4);
  } else if (v < 0 && v >= -0x80000000LL) {
    out.push_back(static_cast<char>(0xd2));
    bigEndian(out, u, 4);
  } else {
    out.push_back(static_cast<char>(v > 0 ? 0xcf : 0xd3));
    bigEndian(out, u, 8);
  }
}

void packStr(std::string& out, std::string_view s) {  // fixstr: every key here is < 32 bytes
  out.push_back(static_cast<char>(0xa0 | s.size()));
  out.append(s);
}

}  // namespace

std::string encodeUinputEvent(const UinputEvent& e) {
  std::string out;
  out.push_back(static_cast<char>(0x82));  // map of 2
  packStr(out, "args");
  out.push_back(static_cast<char>(0x92));  // [[type, code], value]
  out.push_back(static_cast<char>(0x92));
  packInt(out, e.type);
  packInt(out, e.code);
  packInt(out, e.value);
  packStr(out, "kwargs");
  if (e.syn) {
    out.push_back(static_cast<char>(0x80));  // {}
  } else {
    out.push_back(static_cast<char>(0x81));  // {"syn": false}
    packStr(out, "syn");
    out.push_back(static_cast<char>(0xc2));
  }
  return out;
}

}  // namespace ds::input
