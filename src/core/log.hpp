// Minimal leveled logging to stderr, one line per call, with a module tag.
// The level is process-wide state owned by the Logger instance created in app/; modules
// receive nothing: they call the free functions, which read the level atomically.
#pragma once

#include <string_view>

namespace ds::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

void setLevel(Level level);
bool enabled(Level level);
// Writes one line; `message` goes through escapeForLog (core/strings.hpp) first, so text from a
// request or a peer can never forge a line or send terminal escapes.
void write(Level level, std::string_view module, std::string_view message);

inline void debug(std::string_view m, std::string_view msg) { write(Level::kDebug, m, msg); }
inline void info(std::string_view m, std::string_view msg) { write(Level::kInfo, m, msg); }
inline void warn(std::string_view m, std::string_view msg) { write(Level::kWarn, m, msg); }
inline void error(std::string_view m, std::string_view msg) { write(Level::kError, m, msg); }

}  // namespace ds::log
